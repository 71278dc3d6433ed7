"""受付 (check-in) on a staff phone: read the ticket's QR code or type the 受付番号, search by name, walk-ins, live
counts. Routes on the ``events_staff`` blueprint.

The page works with plain forms: one POST per action (check in a code, undo, add a walk-in) answers the page again
with what happened. ``static/js/event-checkin.js`` adds the camera (``BarcodeDetector``, where the browser has it:
the QR code's token is posted in the same field) and refreshes the counts from ``checkin_counts``. Every check-in,
refusal that names someone, search, undo and walk-in is audited.
"""
from __future__ import annotations

from flask import flash, g, jsonify, request
from flask_babel import gettext as _

from portal import db
from portal.backoffice import common
from portal.clock import TOKYO, now
from portal.events import checkin as service, participants
from portal.events.models import RegistrationSession
from portal.events.web.staff import bp, render, session_or_404
from portal.i18n import current_lang
from portal.params import parse_int
from portal.staff.auth import staff_required

MAX_QUERY = 100
RECENT = 5


def refusal_message(refused: service.CheckInRefused) -> str:
    seat = refused.seat
    if refused.code == "already" and seat is not None and seat.checked_in_at is not None:
        at = seat.checked_in_at.astimezone(TOKYO).strftime("%H:%M")
        if seat.checked_in_by:
            return _("受付済み（%(time)s、%(staff)s）", time=at, staff=seat.checked_in_by)
        return _("受付済み（%(time)s）", time=at)
    messages = {
        "unreadable": _("受付番号として読み取れません。E-から始まる8文字の受付番号を入力してください。"),
        "unknown": _("この受付番号の申込は見つかりません。番号をもう一度確かめてください。"),
        "other_event": _("別のイベントの受付番号です。"),
        "other_session": _("この回の申込ではありません（別の日時の回の申込です）。"),
        "session_cancelled": _("この回は中止になっています。"),
        "cancelled": _("この申込はキャンセルされています。"),
        "withdrawn": _("この申込は取り下げられています。"),
        "lost": _("この申込は抽選に外れています（落選）。"),
        "waiting": _("キャンセル待ちの申込です。参加は確定していません。"),
        "applied": _("抽選前の申込です。参加は確定していません。"),
        "offered": _("繰り上げの案内に回答がないため、参加は確定していません。"),
        "lapsed": _("繰り上げの期限が過ぎたため、参加は確定していません。"),
        "draft": _("申込が完了していません。"),
    }
    return messages.get(refused.code, _("この申込は受付できません。"))


def walk_in_message(refused: service.WalkInRefused) -> str:
    if refused.code == "full":
        return _("満席のため当日参加を受け付けられません（残り%(n)s席）。", n=refused.remaining)
    return {
        "name": _("参加者の氏名を入力してください。"),
        "party": _("人数を0以上の数字で入力し、1人以上にしてください。"),
        "party_too_large": _("1件の申込は%(n)s人までです。", n=refused.remaining),
        "session_closed": _("この回は受付していません（中止または非公開）。"),
    }.get(refused.code, _("当日参加を受け付けられません。"))


def _recent(event_session, rows):
    arrived = [p for p in rows if p.seat.checked_in_at is not None]
    return sorted(arrived, key=lambda p: p.seat.checked_in_at, reverse=True)[:RECENT]


def _page(event_session, status: int = 200, *, result=None, refusal: str = "", refused=None, walk_in_form=None,
          walk_in_error: str = "", query: str | None = None):
    dbs = db.session()
    rows = participants.roster(dbs, event_session, payments=False, lang=current_lang())
    found = participants.search(rows, query) if query else None
    recent = _recent(event_session, rows)
    shown = {p.registration.id for p in (found or []) + recent}
    if result is not None:
        shown.add(result.registration.id)
    if refused is not None and refused.registration is not None:
        shown.add(refused.registration.id)
    if query:
        common.audit("event.checkin_search", "event_session", event_session.id, query=query,
                     registrations=sorted(p.registration.id for p in found))
    elif recent:
        common.audit("event.checkin_view", "event_session", event_session.id, registrations=sorted(shown))
    dbs.commit()
    by_id = {p.registration.id: p for p in rows}
    return render("checkin.html", status, event_session=event_session, event=event_session.event,
                  counts=participants.counts(dbs, event_session.id), recent=recent, found=found, query=query or "",
                  result=by_id.get(result.registration.id) if result is not None else None, refusal=refusal,
                  refused=_refused_person(dbs, event_session, refused),
                  walk_in_form=walk_in_form or {}, walk_in_error=walk_in_error,
                  staff_name=g.staff.display_name)


def _refused_person(dbs, event_session, refused):
    """Who a refused ticket belongs to, when it is this event's: (person, registration, the dates it is for)."""
    registration = refused.registration if refused is not None else None
    if registration is None or registration.event_id != event_session.event_id:
        return None
    dates = [s.session for s in registration.seats] if refused.code == "other_session" else []
    return participants.person(dbs, registration), registration, dates


@bp.route("/sessions/<int:session_id>/checkin", methods=["GET", "POST"])
@staff_required()
def checkin(session_id: int):
    event_session = session_or_404(session_id)
    if request.method == "GET":
        query = (request.args.get("q") or "").strip()[:MAX_QUERY]
        return _page(event_session, query=query or None)
    action = request.form.get("action", "code")
    if action == "walk_in":
        return _walk_in(event_session)
    if action == "undo":
        return _undo(event_session)
    return _check_in(event_session)


def _check_in(event_session):
    dbs = db.session()
    typed = (request.form.get("code") or "").strip()
    try:
        done = service.check_in(dbs, event_session, typed, now=now(), by=g.staff.display_name)
    except service.CheckInRefused as refused:
        dbs.rollback()
        if refused.registration is not None:
            common.audit("event.checkin_refused", "event_registration", refused.registration.id,
                         session=event_session.id, reason=refused.code)
        return _page(event_session, 409 if refused.registration is not None else 422, refusal=refusal_message(refused),
                     refused=refused)
    common.audit("event.checkin", "event_registration", done.registration.id, session=event_session.id,
                 via="qr" if "." in typed else "reference")
    dbs.commit()
    return _page(event_session, result=done)


def _undo(event_session):
    dbs = db.session()
    seat_id = parse_int(request.form.get("seat_id"))
    seat = dbs.get(RegistrationSession, seat_id) if seat_id else None
    if seat is None or seat.session_id != event_session.id:
        return _page(event_session, 404, refusal=_("取り消す受付が見つかりません。"))
    was = seat.checked_in_at
    if service.undo(dbs, seat):
        common.audit("event.checkin_undone", "event_registration", seat.registration_id, session=event_session.id,
                     checked_in_at=was.isoformat() if was else None)
        dbs.commit()
        flash(_("受付を取り消しました（%(reference)s）。", reference=seat.registration.reference or ""), "success")
    return _page(event_session)


def _walk_in(event_session):
    dbs = db.session()
    form = {key: request.form.get(key, "") for key in request.form if key == "name" or key.startswith("party_")}
    try:
        party = service.parse_party(event_session.event, form)
        registration = service.walk_in(dbs, event_session, form.get("name", ""), party, now=now(),
                                       by=g.staff.display_name)
    except service.WalkInRefused as refused:
        dbs.rollback()
        return _page(event_session, 409 if refused.code == "full" else 422, walk_in_form=form,
                     walk_in_error=walk_in_message(refused))
    common.audit("event.walk_in", "event_registration", registration.id, session=event_session.id,
                 party=registration.party)
    dbs.commit()
    return _page(event_session, result=service.CheckedIn(registration, registration.seats[0]))


@bp.get("/sessions/<int:session_id>/checkin/counts.json")
@staff_required()
def checkin_counts(session_id: int):
    """来場 / 申込 (people) for the page's script to refresh; no names."""
    event_session = session_or_404(session_id)
    counts = participants.counts(db.session(), event_session.id)
    response = jsonify({"arrived": counts.arrived, "registered": counts.registered, "capacity": counts.capacity,
                        "remaining": counts.remaining, "waiting": counts.waiting})
    response.headers["Cache-Control"] = "no-store"
    return response
