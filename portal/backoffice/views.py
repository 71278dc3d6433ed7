"""The back office: the queue, a submission's detail and the actions on it, export, printing.

URLs: /<municipality>/backoffice/… — every view needs a staff account of that municipality, and
submissions are visible only within the staff member's procedures (admins: all of the municipality).
"""
from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from portal import db, excel_csv
from portal.backoffice import common, queue as bq
from portal.backoffice.blueprint import bp
from portal.backoffice.models import SubmissionNote
from portal.clock import TOKYO
from portal.notifications import status as status_mail
from portal.params import int_arg, parse_int
from portal.procedures import correction, workflow
from portal.procedures.catalogue import definition_of
from portal.procedures.filenames import safe_filename
from portal.procedures.history import SubmissionEvent
from portal.procedures.models import FormDefinition, Submission, UploadedFile
from portal.procedures.step_controller import answer_sections
from portal.procedures.uploads import file_path
from portal.staff.auth import staff_required
from portal.staff.models import StaffProcedure, StaffUser
from portal.templating import STATUS_LABELS

MAX_NOTE = 4000
MAX_MESSAGE = 2000


# --- the queue ------------------------------------------------------------------------------------------

@bp.get("/")
@staff_required()
def queue():
    dbs = db.session()
    f = queue_filters()
    scope = common.scope()
    if f.q:
        found = bq.find_by_reference(dbs, scope, f.q)
        if found is not None:
            return redirect(url_for(".detail", reference=found.reference))
    counts = bq.status_counts(dbs, scope, f)
    page = bq.search(dbs, scope, f, counts=counts)
    procedures = common.procedures_in_scope()
    definitions = {row.id: definition_of(row) for row in dbs.scalars(
        select(FormDefinition).where(FormDefinition.id.in_({s.definition_id for s in page.rows}))
    )}
    export_versions = []
    if f.procedure:
        export_versions = dbs.execute(
            select(FormDefinition.id, FormDefinition.version).where(FormDefinition.key == f.procedure)
            .order_by(FormDefinition.version.desc())
        ).all()
    return render_template(
        "backoffice/queue.html",
        nav="queue",
        f=f,
        page=page,
        tiles=bq.tile_counts(counts),
        status_filters=bq.STATUS_FILTERS,
        procedures=procedures,
        colleagues=_colleagues(),
        names=common.staff_names(g.municipality.id),
        definitions=definitions,
        export_versions=export_versions,
    )


def queue_filters() -> bq.Filters:
    return bq.Filters.from_args(request.args)


def _colleagues() -> list[StaffUser]:
    return list(db.session().scalars(
        select(StaffUser).where(StaffUser.municipality_id == g.municipality.id, StaffUser.active.is_(True))
        .order_by(StaffUser.display_name)
    ))


# --- CSV export -----------------------------------------------------------------------------------------

SUFFIX_LABELS = {
    "postal_code": "郵便番号", "prefecture": "都道府県", "city": "市区町村", "town": "町名・番地",
    "line": "丁目・番地", "building": "建物名・部屋番号", "wareki": "和暦", "size": "サイズ（バイト）",
    "content_type": "ファイル形式",
}


@bp.get("/export.csv")
@staff_required()
def export():
    """The filtered queue as CSV (UTF-8 with BOM, so Excel opens it). With a procedure chosen, one column
    per field of the chosen version (default: the newest) and only that version's submissions."""
    dbs = db.session()
    f = queue_filters()
    scope = common.scope()
    definition_row = None
    if f.procedure:
        versions = select(FormDefinition).where(FormDefinition.key == f.procedure)
        version = int_arg("version")
        if version is not None:
            versions = versions.where(FormDefinition.version == version)
        definition_row = dbs.scalar(versions.order_by(FormDefinition.version.desc()).limit(1))
        if definition_row is None or not common.may_process(g.staff, f.procedure):
            abort(404)
    q = bq.query(dbs, scope, f)
    if definition_row is not None:
        q = q.where(Submission.definition_id == definition_row.id)
    total = dbs.scalar(select(func.count()).select_from(q.order_by(None).subquery()))
    common.audit("queue.export", "queue", f.procedure or "all", filters=f.args(), rows=total,
                 version=definition_row.version if definition_row else None)
    dbs.commit()

    definition = definition_of(definition_row) if definition_row is not None else None
    columns: list[tuple[str, str, str]] = []  # (header, field id, export suffix)
    if definition is not None:
        labels = [f.label for f in definition.fields.values()]
        for step in definition.steps:
            for field in step.fields:
                # Two fields with one label (氏名 of the requester and of the person requested) get the step's title.
                label = field.label if labels.count(field.label) == 1 else f"{step.title}：{field.label}"
                for suffix in field.export(None):
                    header = label if not suffix else f"{label}（{SUFFIX_LABELS.get(suffix, suffix)}）"
                    columns.append((header, field.id, suffix))
    names = common.staff_names(g.municipality.id)
    titles: dict[int, tuple[str, int]] = {}

    def title_of(definition_id: int) -> tuple[str, int]:
        if definition_id not in titles:
            row = dbs.get(FormDefinition, definition_id)
            titles[definition_id] = (definition_of(row).title, row.version)
        return titles[definition_id]

    def rows():
        try:
            yield from export_rows()
        finally:
            dbs.close()  # end the read transaction now, not whenever the server gets round to closing

    def export_rows():
        for submission in dbs.scalars(q.execution_options(yield_per=500)):
            title, version = title_of(submission.definition_id)
            row = [
                submission.reference, title, version, str(STATUS_LABELS.get(submission.status, submission.status)),
                submission.submitted_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M"),
                submission.updated_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M"),
                submission.applicant_name, submission.applicant_kana, names.get(submission.assignee_id, ""),
                str(common.CHANNEL_LABELS.get(submission.channel, submission.channel)), submission.fee_amount,
            ]
            if definition is not None:
                exported: dict[str, dict] = {}
                for _header, field_id, suffix in columns:
                    if field_id not in exported:
                        field = definition.fields[field_id]
                        value = submission.answers.get(field_id)
                        exported[field_id] = field.export(value) if value is not None else {}
                    row.append(exported[field_id].get(suffix, ""))
            yield [common.csv_cell(v) for v in row]

    stamp = datetime.now(TOKYO).strftime("%Y%m%d-%H%M")
    filename = f"submissions-{g.municipality.slug}-{f.procedure or 'all'}-{stamp}.csv"
    header = ["受付番号", "手続き", "版", "状況", "受付日時", "更新日時", "申請者", "フリガナ", "担当者", "受付方法",
              "手数料"] + [c[0] for c in columns]
    return excel_csv.download(filename, excel_csv.chunks(header, rows()), {"Cache-Control": "no-store"})


# --- one submission -------------------------------------------------------------------------------------

def _render_detail(submission: Submission, status: int = 200, kept: dict | None = None, error: str | None = None):
    dbs = db.session()
    definition = definition_of(submission.definition)
    answers = submission.answers
    sections = answer_sections(definition, answers)
    events = dbs.scalars(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == submission.id).order_by(SubmissionEvent.id)
    ).all()
    notes = dbs.scalars(
        select(SubmissionNote).where(SubmissionNote.submission_id == submission.id).order_by(SubmissionNote.id.desc())
    ).all()
    names = common.staff_names(g.municipality.id)
    return render_template(
        "backoffice/detail.html",
        nav="queue",
        submission=submission,
        definition=definition,
        sections=sections,
        events=events,
        changes=correction.latest_changes(events),
        correctable=correction.correctable_fields(definition, submission),
        notes=notes,
        names=names,
        actions=workflow.next_statuses(submission.status, "staff"),
        action_labels=workflow.ACTION_LABELS,
        assignable=_assignable(submission),
        kept=kept or {},
        error=error,
        channel_labels=common.CHANNEL_LABELS,
        verification_labels=common.VERIFICATION_LABELS,
        contact_labels=common.CONTACT_LABELS,
    ), status


def _assignable(submission: Submission) -> list[StaffUser]:
    """Active colleagues who may process this procedure (admins may process every one)."""
    key = submission.definition.key
    assigned = select(StaffProcedure.staff_id).where(StaffProcedure.definition_key == key)
    return list(db.session().scalars(
        select(StaffUser).where(
            StaffUser.municipality_id == g.municipality.id,
            StaffUser.active.is_(True),
            (StaffUser.role == "admin") | StaffUser.id.in_(assigned),
        ).order_by(StaffUser.display_name)
    ))


@bp.get("/submissions/<reference>")
@staff_required()
def detail(reference: str):
    submission = common.submission_or_404(reference)
    common.audit("submission.view", "submission", submission.reference)
    db.session().commit()
    return _render_detail(submission)


def _lock_version() -> int | None:
    try:
        return int(request.form.get("lock_version", ""))
    except ValueError:
        return None


def _conflict(reference: str, kept: dict):
    """Someone else changed it first: show the fresh state, keep what this person typed."""
    dbs = db.session()
    dbs.rollback()
    submission = common.submission_or_404(reference)
    flash(_("他の職員がこの申請を更新しました。最新の内容に再読み込みしています。入力した内容は残っているので、"
            "確認してからもう一度操作してください。"), "error")
    return _render_detail(submission, 409, kept=kept)


@bp.post("/submissions/<reference>/transition")
@staff_required()
def transition(reference: str):
    dbs = db.session()
    submission = common.submission_or_404(reference)
    to = request.form.get("to", "")
    message = request.form.get("message", "")[:MAX_MESSAGE]
    fields = request.form.getlist("fields")
    kept = {"to": to, "message": message, "fields": fields}
    definition = definition_of(submission.definition)
    unknown = [f for f in fields if f not in definition.fields]
    if unknown:
        abort(400)
    frm = submission.status
    try:
        event = workflow.transition(dbs, submission, to, workflow.Actor("staff", g.staff.id), message=message,
                                    fields=fields, expected_version=_lock_version())
        if to == "in_review" and submission.assignee_id is None:
            submission.assignee_id = g.staff.id  # whoever starts the review owns it until reassigned
        dbs.flush()
        event_id = event.id
        common.audit("submission.transition", "submission", submission.reference, **{"from": frm, "to": to},
                     event=event_id, fields=event.fields)
        status_mail.status_changed(dbs, submission, event, g.municipality)
        dbs.commit()
    except (workflow.Conflict, StaleDataError):
        return _conflict(reference, kept)
    except workflow.IllegalTransition as exc:
        dbs.rollback()
        submission = common.submission_or_404(reference)
        return _render_detail(submission, 422, kept=kept, error=exc.message)
    if submission.contact_email:
        told = _("申請者にメールでお知らせしました。")
    elif submission.contact_method in ("phone", "post"):
        told = _("メールは送っていません。申請者には「%(method)s」でお知らせください。",
                 method=common.CONTACT_LABELS[submission.contact_method])
    else:
        told = ""
    flash(_("状況を「%(status)s」にしました。", status=STATUS_LABELS[to]) + told, "success")
    return redirect(url_for(".detail", reference=reference))


@bp.post("/submissions/<reference>/assign")
@staff_required()
def assign(reference: str):
    dbs = db.session()
    submission = common.submission_or_404(reference)
    choice = request.form.get("assignee", "")
    if choice == "me":
        target = g.staff
    elif choice == "":
        target = None
    elif parse_int(choice) is not None:
        target = next((s for s in _assignable(submission) if s.id == parse_int(choice)), None)
        if target is None:
            abort(400)
    else:
        abort(400)
    if target is g.staff and not common.may_process(g.staff, submission.definition.key):
        abort(403)
    kept = {"assignee": choice}
    if _lock_version() != submission.lock_version:
        return _conflict(reference, kept)
    before = submission.assignee_id
    submission.assignee_id = target.id if target else None
    try:
        common.audit("submission.assign", "submission", submission.reference, before=before,
                     after=submission.assignee_id)
        dbs.commit()
    except StaleDataError:
        return _conflict(reference, kept)
    flash(_("担当者を「%(name)s」にしました。", name=target.display_name) if target
          else _("担当者の割り当てを外しました。"),
          "success")
    return redirect(url_for(".detail", reference=reference))


@bp.post("/submissions/<reference>/notes")
@staff_required()
def add_note(reference: str):
    """Internal notes never touch the submission row, so they cannot conflict with anyone's change."""
    dbs = db.session()
    submission = common.submission_or_404(reference)
    body = request.form.get("body", "").strip()
    if not body or len(body) > MAX_NOTE:
        error = _("メモを入力してください。") if not body else _("メモは%(n)s文字以内にしてください。", n=MAX_NOTE)
        return _render_detail(submission, 422, kept={"note": body}, error=error)
    note = SubmissionNote(submission_id=submission.id, staff_id=g.staff.id, body=body)
    dbs.add(note)
    dbs.flush()
    common.audit("submission.note", "submission", submission.reference, note=note.id)
    dbs.commit()
    flash(_("メモを追加しました。"), "success")
    return redirect(url_for(".detail", reference=reference) + "#notes")


@bp.get("/submissions/<reference>/files/<token>")
@staff_required()
def download(reference: str, token: str):
    dbs = db.session()
    submission = common.submission_or_404(reference)
    upload = dbs.scalar(select(UploadedFile).where(UploadedFile.token == token,
                                                   UploadedFile.submission_id == submission.id))
    if upload is None:
        abort(404)
    common.audit("file.download", "submission", submission.reference, file=upload.token, filename=upload.filename,
                 field=upload.field_id, sha256=upload.sha256)
    dbs.commit()
    return send_file(
        file_path(current_app.config["UPLOAD_DIR"], upload),
        mimetype=upload.content_type,
        as_attachment=True,
        download_name=safe_filename(upload.filename),  # names stored before uploads were cleaned too
    )


@bp.get("/submissions/<reference>/print")
@staff_required()
def print_summary(reference: str):
    """A clean summary to print and hand to the resident to confirm (and sign at the counter)."""
    submission = common.submission_or_404(reference)
    common.audit("submission.print", "submission", submission.reference)
    db.session().commit()
    definition = definition_of(submission.definition)
    answers = submission.answers
    sections = answer_sections(definition, answers)
    return render_template(
        "backoffice/print.html",
        nav="queue",
        submission=submission,
        definition=definition,
        sections=sections,
        names=common.staff_names(g.municipality.id),
        channel_labels=common.CHANNEL_LABELS,
        verification_labels=common.VERIFICATION_LABELS,
        contact_labels=common.CONTACT_LABELS,
    )

