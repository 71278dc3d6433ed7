"""Staff cancel a session or a whole event: every participant is told in their language, paid fees are refunded
through the payment flow, and those without email are listed to phone. Routes on the ``events_staff`` blueprint.

GET shows what will happen (registrations, people, how many paid and the total to refund) with a reason field;
POST cancels and redirects back to GET, which — the session or event now cancelled — shows what was done and the
printable list of people to phone. A second POST finds it cancelled and changes nothing. Acting needs an admin or
a staff member who processes the event's questions procedure (403 otherwise); another municipality's is a 404.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from portal import db
from portal.backoffice import common
from portal.clock import now
from portal.events import cancellation
from portal.events.models import Event, EventSession
from portal.events.web.staff import bp
from portal.payments.gateway import gateway
from portal.staff.auth import staff_required

NAV = "events"
STATUS_LABELS = {
    "pending_payment": _l("お支払い待ち"), "confirmed": _l("参加確定"), "offered": _l("繰り上げのご案内中"),
    "waiting": _l("キャンセル待ち"), "applied": _l("抽選申込"), "cancelled": _l("取消済み"),
    "withdrawn": _l("取消済み"),
}
MONEY_LABELS = {
    "refund": _l("全額返金"), "staff": _l("職員が返金"), "cash": _l("窓口で返金"), "voucher": _l("払込票を無効に"),
    "unpaid": _l("未払い（請求を取消）"), "none": "—",
}


def _acting_on(event: Event) -> Event:
    if event.municipality_id != g.municipality.id:
        abort(404)
    if not common.may_process(g.staff, event.procedure_key):
        abort(403)
    return event


def _session_or_404(session_id: int) -> EventSession:
    session = db.session().get(EventSession, session_id)
    if session is None:
        abort(404)
    _acting_on(session.event)
    return session


def _event_or_404(event_id: int) -> Event:
    event = db.session().get(Event, event_id)
    if event is None:
        abort(404)
    return _acting_on(event)


def _render(template: str, status: int = 200, **context):
    return render_template(f"events/staff/{template}", nav=NAV, status_labels=STATUS_LABELS,
                           money_labels=MONEY_LABELS, label=cancellation.session_label, now=now(), **context), status


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@staff_required()
def cancel_session(session_id: int):
    """Cancel one session (a date of the event): every registration on it, a series' with it."""
    session = _session_or_404(session_id)
    return _cancel(session.event, session)


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@staff_required()
def cancel_event(event_id: int):
    """Cancel the event: every session and every registration."""
    return _cancel(_event_or_404(event_id), None)


def _cancel(event: Event, session: EventSession | None):
    dbs = db.session()
    here = url_for(".cancel_session", session_id=session.id) if session else url_for(".cancel_event", event_id=event.id)
    done = (session.status if session else event.status) == "cancelled"
    if request.method == "POST" and done:
        flash(_("すでに中止しています。変更はありません。"), "info")
        return redirect(here, 303)
    if done:
        return _done(event, session)
    scope = {"session": session} if session else {"event": event}
    registrations = cancellation.affected(dbs, **scope)
    reason = request.form.get("reason", "") if request.method == "POST" else ""
    error = None
    if request.method == "POST":
        reason, error = cancellation.parse_reason(reason)
        if error is None:
            if session:
                report = cancellation.cancel_session(dbs, gateway, session, reason, g.staff.id, now=now(),
                                                     audit=common.audit)
            else:
                report = cancellation.cancel_event(dbs, gateway, event, reason, g.staff.id, now=now(),
                                                   audit=common.audit)
            if report is None:
                flash(_("すでに中止しています。変更はありません。"), "info")
            else:
                flash(_("中止して、%(n)s件のお申込みを取り消しました。", n=len(report.cancelled)), "success")
            return redirect(here, 303)
    found = cancellation.preview(dbs, registrations)
    common.audit("events.cancel_preview", "event_session" if session else "event", session.id if session else event.id,
                 registrations=[r.id for r in registrations])
    dbs.commit()
    open_sessions = [s for s in event.sessions if s.status == "open"]
    return _render("cancel.html", 422 if error else 200, event=event, session=session, found=found,
                   reason=reason, error=error, action=here, last_open=session is not None and len(open_sessions) == 1)


def _done(event: Event, session: EventSession | None):
    dbs = db.session()
    scope = {"session": session} if session else {"event": event}
    registrations = cancellation.cancelled_by_staff(dbs, **scope)
    states = {r.id: cancellation.refund_state(dbs, r) for r in registrations}
    phone = cancellation.to_phone(dbs, registrations)
    common.audit("events.cancel_phone_list", "event_session" if session else "event",
                 session.id if session else event.id, registrations=[p.registration.id for p in phone])
    dbs.commit()
    return _render("cancel_done.html", event=event, session=session, registrations=registrations,
                   reason=next((r.cancel_reason for r in registrations), ""),
                   refunded=sum(p.refund for p in states.values() if p.outcome == "refund"),
                   failures=[(r, states[r.id]) for r in registrations if states[r.id].outcome == "staff"],
                   emailed=sum(1 for r in registrations if r.contact_email), phone=phone)
