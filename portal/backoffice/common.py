"""Helpers every back-office view shares: the staff scope, submissions in scope, audit with actor and IP."""
from __future__ import annotations

from flask import abort, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db
from portal.audit.service import record
from portal.backoffice import queue
from portal.procedures.catalogue import definition_of, latest_versions
from portal.procedures.models import Submission
from portal.staff import auth
from portal.staff.models import StaffUser

ROLE_LABELS = {"staff": _l("職員"), "admin": _l("管理者")}
CHANNEL_LABELS = {"online": _l("オンライン"), "counter": _l("窓口（書かない窓口）")}
VERIFICATION_LABELS = {
    "mynumber_card": _l("マイナンバーカード（窓口で提示）"),
    "drivers_license": _l("運転免許証"),
    "other": _l("その他の本人確認書類"),
}
#: how a counter applicant wants to hear from us (``Submission.contact_method``)
CONTACT_LABELS = {
    "phone": _l("電話"),
    "post": _l("郵送"),
    "counter": _l("窓口で受け取り（連絡は不要）"),
    "email": _l("メール"),
}


def scope() -> queue.Scope:
    if "staff_scope" not in g:
        g.staff_scope = queue.scope_for(db.session(), g.staff)
    return g.staff_scope


def may_process(staff: StaffUser, key: str) -> bool:
    return staff.is_admin or key in staff.procedure_keys


def submission_or_404(reference: str) -> Submission:
    """A submission of this municipality that this staff member may process; anything else is a 404."""
    submission = db.session().scalar(
        select(Submission).where(Submission.reference == reference, Submission.municipality_id == g.municipality.id)
    )
    if submission is None or not queue.in_scope(scope(), submission):
        abort(404)
    return submission


def audit(action: str, object_type: str = "", object_id: str | int = "", **detail) -> None:
    record(db.session(), auth.actor(g.staff), action, object_type, object_id, detail, auth.client_ip(),
           g.municipality.id)


def staff_names(municipality_id: int) -> dict[int, str]:
    rows = db.session().execute(
        select(StaffUser.id, StaffUser.display_name).where(StaffUser.municipality_id == municipality_id)
    ).all()
    return {row.id: row.display_name for row in rows}


def procedures_in_scope(include_unpublished: bool = True) -> list:
    """(row, definition) of the newest version of each procedure this staff member may process."""
    rows = latest_versions(db.session(), g.municipality, include_unpublished=include_unpublished)
    items = [(row, definition_of(row)) for row in rows if may_process(g.staff, row.key)]
    return sorted(items, key=lambda item: item[1].title)


def csv_cell(value) -> str:
    """Text as Excel should show it: a leading = + - @ would be run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
