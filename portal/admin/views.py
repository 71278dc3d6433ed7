"""Administration of one municipality: which procedures residents see, staff accounts and what each may
process, and the audit log. Admins only. URLs: /<municipality>/backoffice/admin/…"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import db, excel_csv
from portal.audit.models import AuditEvent
from portal.backoffice import common
from portal.clock import TOKYO
from portal.params import date_arg, int_arg
from portal.procedures.catalogue import definition_of, latest_versions
from portal.procedures.models import FormDefinition, Submission
from portal.procedures.publication import ProcedureSetting, set_published
from portal.procedures.reference import normalise as normalise_reference
from portal.retention import policy_for
from portal.staff import auth
from portal.staff.models import ROLES, StaffProcedure, StaffUser
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("admin", __name__, url_prefix="/backoffice/admin", template_folder="templates")
admin_required = auth.staff_required(role="admin")
AUDIT_PAGE = 100
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")


# --- procedures -----------------------------------------------------------------------------------------

def _offered_rows():
    return sorted(
        ((row, definition_of(row)) for row in latest_versions(db.session(), g.municipality, include_unpublished=True)),
        key=lambda item: item[1].title,
    )


def _unpublished() -> set[str]:
    return set(db.session().scalars(
        select(ProcedureSetting.definition_key).where(
            ProcedureSetting.municipality_id == g.municipality.id, ProcedureSetting.published.is_(False))
    ))


@bp.get("/procedures")
@admin_required
def procedures():
    return render_template("admin/procedures.html", nav="procedures", items=_offered_rows(), unpublished=_unpublished(),
                           policy_for=policy_for)


@bp.get("/procedures/<key>")
@admin_required
def procedure(key: str):
    dbs = db.session()
    item = next(((row, d) for row, d in _offered_rows() if row.key == key), None)
    if item is None:
        abort(404)
    versions = dbs.scalars(select(FormDefinition).where(FormDefinition.key == key)
                           .order_by(FormDefinition.version.desc())).all()
    counts = dict(dbs.execute(
        select(Submission.definition_id, func.count()).where(
            Submission.municipality_id == g.municipality.id, Submission.definition_id.in_([v.id for v in versions])
        ).group_by(Submission.definition_id)
    ).all())
    processors = dbs.scalars(
        select(StaffUser).join(StaffProcedure).where(
            StaffUser.municipality_id == g.municipality.id, StaffProcedure.definition_key == key)
        .order_by(StaffUser.display_name)
    ).all()
    return render_template("admin/procedure.html", nav="procedures", row=item[0], definition=item[1],
                           versions=[(v, definition_of(v), counts.get(v.id, 0)) for v in versions],
                           published=key not in _unpublished(), processors=processors,
                           policy=policy_for(g.municipality, item[1].content))


@bp.post("/procedures/<key>/publication")
@admin_required
def publication(key: str):
    if not any(row.key == key for row, _d in _offered_rows()):
        abort(404)
    published = request.form.get("published") == "1"
    set_published(db.session(), g.municipality.id, key, published, g.staff.id)
    common.audit("admin.procedure_publication", "procedure", key, published=published)
    db.session().commit()
    flash(_("住民向けに公開しました。") if published
          else _("住民向けの公開を停止しました。窓口受付では引き続き使えます。"), "success")
    return redirect(request.form.get("back") == "detail" and url_for(".procedure", key=key) or url_for(".procedures"))


# --- staff ----------------------------------------------------------------------------------------------

def _staff_or_404(staff_id: int) -> StaffUser:
    staff = db.session().get(StaffUser, staff_id)
    if staff is None or staff.municipality_id != g.municipality.id:
        abort(404)
    return staff


@bp.get("/staff")
@admin_required
def staff_list():
    people = db.session().scalars(
        select(StaffUser).where(StaffUser.municipality_id == g.municipality.id)
        .order_by(StaffUser.active.desc(), StaffUser.display_name)
    ).all()
    titles = {row.key: d.title for row, d in _offered_rows()}
    return render_template("admin/staff_list.html", nav="staff", people=people, titles=titles)


def _form_values(staff: StaffUser | None = None) -> dict:
    if request.method == "POST":
        return {
            "username": request.form.get("username", "").strip().lower(),
            "display_name": request.form.get("display_name", "").strip(),
            "role": request.form.get("role", "staff"),
            "active": request.form.get("active") == "1" if staff is not None else True,
            "procedures": set(request.form.getlist("procedures")),
        }
    if staff is None:
        return {"username": "", "display_name": "", "role": "staff", "active": True, "procedures": set()}
    return {"username": staff.username, "display_name": staff.display_name, "role": staff.role,
            "active": staff.active, "procedures": staff.procedure_keys}


def _validate(values: dict, staff: StaffUser | None, password: str | None) -> list[dict]:
    errors = []
    keys = {row.key for row, _d in _offered_rows()}
    if staff is None:
        if not USERNAME.match(values["username"]):
            errors.append({"href": "#f-username",
                           "message": _("ユーザー名は半角英小文字・数字・「.」「-」「_」で3文字以上にしてください")})
        elif auth.find(db.session(), g.municipality, values["username"]) is not None:
            errors.append({"href": "#f-username", "message": _("このユーザー名はすでに使われています")})
    if not values["display_name"] or len(values["display_name"]) > 100:
        errors.append({"href": "#f-display_name", "message": _("表示名を100文字以内で入力してください")})
    if values["role"] not in ROLES:
        errors.append({"href": "#f-role", "message": _("権限を選んでください")})
    if not values["procedures"] <= keys:
        errors.append({"href": "#f-procedures", "message": _("担当する手続きを一覧から選んでください")})
    if password is not None:
        problem = auth.password_problem(password, values["username"] or (staff.username if staff else ""))
        if problem:
            errors.append({"href": "#f-password", "message": problem})
    if staff is not None and staff.id == g.staff.id and (values["role"] != "admin" or not values["active"]):
        errors.append({"href": "#f-role",
                       "message": _("自分自身の管理者権限を外したり、無効にしたりすることはできません")})
    return errors


def _set_procedures(staff: StaffUser, keys: set[str]) -> None:
    current = {p.definition_key: p for p in staff.procedures}
    for key in set(current) - keys:
        staff.procedures.remove(current[key])
    for key in sorted(keys - set(current)):
        staff.procedures.append(StaffProcedure(definition_key=key))


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
def staff_new():
    values = _form_values()
    errors = []
    if request.method == "POST":
        password = request.form.get("password", "")
        errors = _validate(values, None, password)
        if not errors:
            staff = StaffUser(municipality_id=g.municipality.id, username=values["username"],
                              display_name=values["display_name"], role=values["role"],
                              password_hash=auth.hash_password(password), active=True, failed_attempts=0,
                              session_version=1, must_change_password=True)
            _set_procedures(staff, values["procedures"])
            dbs = db.session()
            dbs.add(staff)
            dbs.flush()
            common.audit("admin.staff_create", "staff_user", staff.id, username=staff.username, role=staff.role,
                         procedures=sorted(values["procedures"]))
            dbs.commit()
            flash(_("職員「%(name)s」を登録しました。初回ログイン用のパスワードを本人に安全な方法で伝えてください。"
                    "初回ログイン時に、本人が新しいパスワードに変更します。",
                    name=staff.display_name), "success")
            return redirect(url_for(".staff_edit", staff_id=staff.id))
    return render_template("admin/staff_form.html", nav="staff", staff_member=None, values=values, errors=errors,
                           items=_offered_rows()), 422 if errors else 200


@bp.route("/staff/<int:staff_id>", methods=["GET", "POST"])
@admin_required
def staff_edit(staff_id: int):
    staff = _staff_or_404(staff_id)
    values = _form_values(staff)
    errors = []
    if request.method == "POST":
        errors = _validate(values, staff, None)
        if not errors:
            before = {"display_name": staff.display_name, "role": staff.role, "active": staff.active,
                      "procedures": sorted(staff.procedure_keys)}
            staff.display_name = values["display_name"]
            if staff.role != values["role"] or staff.active != values["active"]:
                staff.session_version += 1  # a changed role or a deactivation takes effect now, not at next login
            staff.role = values["role"]
            staff.active = values["active"]
            _set_procedures(staff, values["procedures"])
            common.audit("admin.staff_update", "staff_user", staff.id, before=before,
                         after={"display_name": staff.display_name, "role": staff.role, "active": staff.active,
                                "procedures": sorted(values["procedures"])})
            db.session().commit()
            flash(_("職員「%(name)s」を更新しました。", name=staff.display_name), "success")
            return redirect(url_for(".staff_edit", staff_id=staff.id))
    return render_template("admin/staff_form.html", nav="staff", staff_member=staff, values=values, errors=errors,
                           items=_offered_rows()), 422 if errors else 200


@bp.post("/staff/<int:staff_id>/password")
@admin_required
def staff_password(staff_id: int):
    staff = _staff_or_404(staff_id)
    password = request.form.get("password", "")
    problem = auth.password_problem(password, staff.username)
    if problem:
        return render_template("admin/staff_form.html", nav="staff", staff_member=staff, values=_form_values(staff),
                               errors=[{"href": "#f-new-password", "message": problem}], items=_offered_rows()), 422
    staff.password_hash = auth.hash_password(password)
    staff.must_change_password = True
    auth.revoke_sessions(staff)
    staff.failed_attempts = 0
    staff.locked_until = None
    common.audit("admin.staff_password_reset", "staff_user", staff.id)
    db.session().commit()
    flash(_("パスワードを再設定しました。この職員のログイン中のセッションは終了しました。次回のログイン時に、"
            "本人が新しいパスワードに変更します。"), "success")
    return redirect(url_for(".staff_edit", staff_id=staff.id))


@bp.post("/staff/<int:staff_id>/totp-reset")
@admin_required
def staff_totp_reset(staff_id: int):
    staff = _staff_or_404(staff_id)
    staff.totp_secret = None
    staff.totp_last_step = None
    staff.session_version += 1
    common.audit("admin.staff_totp_reset", "staff_user", staff.id)
    db.session().commit()
    flash(_("2段階認証をリセットしました。管理者は次回のログイン時に設定し直します。"), "success")
    return redirect(url_for(".staff_edit", staff_id=staff.id))


@bp.post("/staff/<int:staff_id>/unlock")
@admin_required
def staff_unlock(staff_id: int):
    staff = _staff_or_404(staff_id)
    staff.locked_until = None
    staff.failed_attempts = 0
    common.audit("admin.staff_unlock", "staff_user", staff.id)
    db.session().commit()
    flash(_("ロックを解除しました。"), "success")
    return redirect(url_for(".staff_edit", staff_id=staff.id))


# --- audit log ------------------------------------------------------------------------------------------

def _audit_filters() -> dict:
    return {
        "actor": request.args.get("actor", "").strip()[:100],
        "action": request.args.get("action", "").strip()[:60],
        "object": request.args.get("object", "").strip()[:80],
        "from": date_arg("from"),
        "to": date_arg("to"),
    }


def _audit_query(f: dict):
    q = select(AuditEvent).where(AuditEvent.municipality_id == g.municipality.id)
    if f["actor"]:
        q = q.where(AuditEvent.actor_name.contains(f["actor"], autoescape=True))
    if f["action"]:
        q = q.where(AuditEvent.action == f["action"])
    if f["object"]:
        q = q.where(AuditEvent.object_id.in_({f["object"], normalise_reference(f["object"])}))
    if f["from"]:
        q = q.where(AuditEvent.created_at >= datetime.combine(f["from"], time.min, TOKYO))
    if f["to"]:
        q = q.where(AuditEvent.created_at < datetime.combine(f["to"] + timedelta(days=1), time.min, TOKYO))
    return q.order_by(AuditEvent.id.desc())


def _actions() -> list[str]:
    return list(db.session().scalars(
        select(AuditEvent.action).where(AuditEvent.municipality_id == g.municipality.id).distinct()
        .order_by(AuditEvent.action)
    ))


@bp.get("/audit")
@admin_required
def audit():
    dbs = db.session()
    f = _audit_filters()
    page = int_arg("page", 1, low=1)
    q = _audit_query(f)
    total = dbs.scalar(select(func.count()).select_from(q.order_by(None).subquery()))
    pages = max(1, -(-total // AUDIT_PAGE))
    page = min(page, pages)
    rows = dbs.scalars(q.limit(AUDIT_PAGE).offset((page - 1) * AUDIT_PAGE)).all()
    args = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in f.items() if v}
    return render_template("admin/audit.html", nav="audit", rows=rows, f=f, args=args, total=total, page=page,
                           pages=pages, actions=_actions(),
                           json_text=lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True))


@bp.get("/audit.csv")
@admin_required
def audit_export():
    dbs = db.session()
    f = _audit_filters()
    q = _audit_query(f)
    common.audit("audit.export", "audit", "",
                 filters={k: (v.isoformat() if isinstance(v, date) else v) for k, v in f.items() if v})
    dbs.commit()

    def rows():
        try:
            for e in dbs.scalars(q.execution_options(yield_per=1000)):
                yield [common.csv_cell(v) for v in (
                    e.id, e.created_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.actor_kind,
                    e.action, e.object_type, e.object_id, json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
                    e.ip)]
        finally:
            dbs.close()  # end the read transaction now, not whenever the server gets round to closing

    stamp = datetime.now(TOKYO).strftime("%Y%m%d-%H%M")
    header = ["ID", "日時", "職員・操作者", "種別", "操作", "対象", "対象ID", "詳細", "IPアドレス"]
    return excel_csv.download(f"audit-{g.municipality.slug}-{stamp}.csv", excel_csv.chunks(header, rows()),
                              {"Cache-Control": "no-store"})
