"""Staff sign-in (separate from the residents' card sign-in): password, then a TOTP code when the account
has one; admins without one enrol before they get in. URLs: /<municipality>/backoffice/login …"""
from __future__ import annotations

import time

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from portal import db
from portal.audit.service import Actor, record
from portal.extensions import limiter
from portal.staff import auth
from portal.staff.models import StaffUser
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("staff", __name__, url_prefix="/backoffice", template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Only this municipality's back-office paths."""
    prefix = f"/{g.municipality.slug}/backoffice/"
    if target and target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target.rstrip("?")
    return url_for("backoffice.queue")


def _audit(action: str, staff: StaffUser | None, **detail) -> None:
    who = auth.actor(staff) if staff is not None else Actor("anonymous", None, "")
    record(db.session(), who, action, "staff_user", staff.id if staff else "", detail, auth.client_ip(),
           g.municipality.id)


def _finish(staff: StaffUser, next_url: str):
    auth.start_session(staff)
    _audit("staff.login", staff)
    db.session().commit()
    flash(_("%(name)sさん、ログインしました。", name=staff.display_name), "success")
    return redirect(next_url)


def _login_error(outcome: str) -> str:
    """Worded so that none of them tells whether the username exists."""
    if outcome == "locked":
        return _("ログインに続けて失敗したため、このユーザー名でのこの端末からのログインを一時的に止めています。"
                 "%(n)s分ほど待ってから、もう一度お試しください。",
                 n=auth.LOCK_MINUTES)
    if outcome == "slowed":
        return _("このユーザー名へのログインの試みが続いているため、受け付けの間隔をあけています。10秒ほど待ってから、"
                 "もう一度お試しください。")
    if outcome == "account_locked":
        return _("確認コードの入力に続けて失敗したため、このアカウントは一時的にロックされています。%(n)s分ほど待つか、"
                 "管理者にロックの解除を依頼してください。",
                 n=auth.LOCK_MINUTES)
    return _("ユーザー名またはパスワードが正しくありません。")


def _pending() -> StaffUser | None:
    """The account that gave a right password and still owes its second factor (for five minutes)."""
    pending = session.get("staff_pending")
    if not pending or time.time() - pending.get("at", 0) > auth.PENDING_SECONDS:
        return None
    staff = db.session().get(StaffUser, pending["id"])
    if (staff is None or not staff.active or staff.municipality_id != g.municipality.id
            or staff.session_version != pending.get("v")):
        return None
    return staff


@bp.get("/login")
def login():
    staff = auth.current_staff()
    if staff is not None and staff.municipality_id == g.municipality.id:
        return redirect(_safe_next(request.args.get("next")))
    return render_template("staff/login.html", next=request.args.get("next", ""), username="")


@bp.post("/login")
@limiter.limit("10 per minute")
def login_post():
    dbs = db.session()
    username = request.form.get("username", "").strip()
    attempt = auth.check_password(dbs, g.municipality, username, request.form.get("password", ""), auth.client_ip())
    next_url = _safe_next(request.form.get("next"))
    if attempt.outcome != "ok":
        _audit("staff.login_failed", attempt.staff, username=username[:80], reason=attempt.outcome)
        dbs.commit()
        return render_template("staff/login.html", error=_login_error(attempt.outcome),
                               next=request.form.get("next", ""),
                               username=username), 429 if attempt.outcome == "slowed" else 401
    staff = attempt.staff
    if staff.totp_secret is None and not staff.is_admin:
        return _finish(staff, next_url)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["staff_pending"] = {"id": staff.id, "v": staff.session_version, "at": int(time.time()), "next": next_url}
    dbs.commit()
    if staff.totp_secret is None:
        return redirect(url_for(".totp_enrol"))
    return redirect(url_for(".totp_code"))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def totp_code():
    staff = _pending()
    if staff is None or staff.totp_secret is None:
        flash(_("もう一度ログインしてください。"), "warning")
        return redirect(url_for(".login"))
    if request.method == "GET":
        return render_template("staff/totp_code.html")
    dbs = db.session()
    if staff.is_locked():
        session.pop("staff_pending", None)
        flash(_login_error("account_locked"), "error")
        return redirect(url_for(".login"))
    step = auth.totp_step(staff.totp_secret, request.form.get("code", ""), staff.totp_last_step)
    if step is None:
        locked = auth.register_failure(staff)
        _audit("staff.login_failed", staff, reason="totp")
        dbs.commit()
        if locked:
            session.pop("staff_pending", None)
            flash(_login_error("account_locked"), "error")
            return redirect(url_for(".login"))
        return render_template("staff/totp_code.html",
                               error=_("確認コードが正しくありません。"
                                       "認証アプリに表示されている6桁の数字を入力してください。")), 401
    staff.totp_last_step = step
    return _finish(staff, session["staff_pending"].get("next") or url_for("backoffice.queue"))


@bp.route("/login/totp-setup", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def totp_enrol():
    """Admins (and anyone who signs in without a second factor yet, when required) set up TOTP first."""
    staff = _pending()
    if staff is None or staff.totp_secret is not None:
        flash(_("もう一度ログインしてください。"), "warning")
        return redirect(url_for(".login"))
    secret = session.get("staff_totp_setup") or auth.new_totp_secret()
    session["staff_totp_setup"] = secret
    if request.method == "POST":
        step = auth.totp_step(secret, request.form.get("code", ""), None)
        if step is not None:
            staff.totp_secret = secret
            staff.totp_last_step = step
            _audit("staff.totp_enrolled", staff)
            return _finish(staff, session["staff_pending"].get("next") or url_for("backoffice.queue"))
        error = _("確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください。")
        return render_template("staff/totp_setup.html", secret=secret,
                               uri=auth.provisioning_uri(secret, staff, g.municipality),
                               error=error, staff_name=staff.display_name, in_login=True), 401
    return render_template("staff/totp_setup.html", secret=secret,
                           uri=auth.provisioning_uri(secret, staff, g.municipality),
                           staff_name=staff.display_name, in_login=True)


@bp.route("/account/totp", methods=["GET", "POST"])
@auth.staff_required()
def account_totp():
    """A signed-in staff member sets up (or, for non-admins, removes) the second factor."""
    staff = g.staff
    dbs = db.session()
    if request.method == "POST" and request.form.get("action") == "disable":
        if staff.is_admin:
            abort(403)
        staff.totp_secret = None
        staff.totp_last_step = None
        _audit("staff.totp_disabled", staff)
        dbs.commit()
        flash(_("2段階認証を解除しました。"), "success")
        return redirect(url_for(".account_totp"))
    if staff.totp_secret is not None:
        return render_template("staff/account_totp.html", enabled=True)
    secret = session.get("staff_totp_setup") or auth.new_totp_secret()
    session["staff_totp_setup"] = secret
    uri = auth.provisioning_uri(secret, staff, g.municipality)
    if request.method == "POST":
        step = auth.totp_step(secret, request.form.get("code", ""), None)
        if step is None:
            return render_template("staff/totp_setup.html", secret=secret, uri=uri, staff_name=staff.display_name,
                                   error=_("確認コードが正しくありません。"
                                           "認証アプリに表示されている6桁の数字を入力してください。")), 422
        staff.totp_secret = secret
        staff.totp_last_step = step
        session.pop("staff_totp_setup", None)
        _audit("staff.totp_enrolled", staff)
        dbs.commit()
        flash(_("2段階認証を設定しました。次回のログインから確認コードが必要です。"), "success")
        return redirect(url_for(".account_totp"))
    return render_template("staff/totp_setup.html", secret=secret, uri=uri, staff_name=staff.display_name)


@bp.route("/account/password", methods=["GET", "POST"])
@auth.staff_required(password_change=True)
@limiter.limit("10 per minute", methods=["POST"])
def account_password():
    """Change one's own password (with the current one); required first when someone else set it."""
    staff = g.staff
    next_url = _safe_next(request.values.get("next"))
    errors = []
    if request.method == "POST":
        current = request.form.get("current_password", "")
        new = request.form.get("new_password", "")
        if not auth.verify_password(staff, current):
            errors.append({"href": "#f-current-password", "message": _("現在のパスワードが正しくありません。")})
        else:
            problem = auth.password_problem(new, staff.username, current_hash=staff.password_hash)
            if problem:
                errors.append({"href": "#f-new-password", "message": problem})
            elif new != request.form.get("new_password_confirm", ""):
                errors.append({"href": "#f-new-password-confirm",
                               "message": _("確認のため、同じパスワードをもう一度入力してください。")})
        if not errors:
            forced = staff.must_change_password
            staff.password_hash = auth.hash_password(new)
            staff.must_change_password = False
            auth.revoke_sessions(staff)  # other devices signed in with the old password are signed out
            session["staff_v"] = staff.session_version  # ...but not this one
            _audit("staff.password_changed", staff, forced=forced)
            db.session().commit()
            flash(_("パスワードを変更しました。ほかの端末でのログインは終了しました。"), "success")
            return redirect(next_url if forced else url_for(".account_password"))
    return render_template("staff/account_password.html", errors=errors, forced=staff.must_change_password,
                           next=request.values.get("next", ""), min_length=auth.MIN_PASSWORD_LENGTH,
                           max_length=auth.MAX_PASSWORD_LENGTH), 422 if errors else 200


@bp.post("/logout")
def logout():
    staff = auth.current_staff()
    if staff is not None:
        auth.revoke_sessions(staff)
        _audit("staff.logout", staff)
        db.session().commit()
    auth.end_session()
    flash(_("ログアウトしました。"), "success")
    return redirect(url_for(".login"))
