"""A registration's ticket: the QR code (a signed opaque token) and a calendar file per session. Routes on the
``events`` blueprint; only the signed-in resident whose registration it is sees them (others: 404)."""
from __future__ import annotations

from datetime import UTC

from flask import Response, abort, current_app, g, render_template
from sqlalchemy import select

from portal import db
from portal.clock import now
from portal.events import applying, presenting, tickets
from portal.events.models import EventSession, RegistrationSession
from portal.events.web.resident import bp
from portal.identity import resident_required
from portal.identity.models import Resident


def _own_confirmed_or_404(reference: str):
    registration = applying.own(db.session(), g.municipality.id, g.resident, reference)
    if registration is None or registration.status != "confirmed" or not registration.ticket_secret:
        abort(404)
    return registration


@bp.get("/registrations/<reference>/ticket")
@resident_required
def ticket(reference: str):
    registration = _own_confirmed_or_404(reference)
    dbs = db.session()
    response = Response(render_template(
        "events/ticket.html", registration=registration, k=presenting.context(dbs, registration, now()),
        qr=tickets.qr_svg(tickets.token(registration.ticket_secret)),
        name=applying.person_name(registration, dbs.get(Resident, registration.resident_id))))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(registration, session: EventSession, title: str, venue: str, public_url: str) -> str:
    """An iCalendar (RFC 5545) file of one session, times in UTC."""
    host = public_url.split("://", 1)[-1].split("/", 1)[0]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kakanai-portal//events//JA", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "BEGIN:VEVENT",
             f"UID:event-registration-{registration.id}-session-{session.id}@{host}",
             f"DTSTAMP:{_utc(registration.updated_at or registration.created_at)}",
             f"DTSTART:{_utc(session.starts_at)}", f"DTEND:{_utc(session.ends_at)}",
             f"SUMMARY:{_escape(title)}", f"LOCATION:{_escape(venue)}",
             f"DESCRIPTION:{_escape(f'受付番号 {registration.reference}')}", "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"


@bp.get("/registrations/<reference>/sessions/<int:session_id>.ics")
@resident_required
def ics(reference: str, session_id: int):
    registration = _own_confirmed_or_404(reference)
    dbs = db.session()
    held = dbs.scalar(select(RegistrationSession).where(RegistrationSession.registration_id == registration.id,
                                                        RegistrationSession.session_id == session_id)) \
        if session_id < 2**31 else None
    if held is None or held.session.status != "open":
        abort(404)
    lang = registration.lang or "ja"
    body = calendar(registration, held.session, applying.title(registration.event, lang),
                    applying.venue(dbs, registration.event, lang), current_app.config["PUBLIC_URL"])
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="event-{registration.reference}-{session_id}.ics"'})
