"""The day-before reminder of an event: every confirmed registration is emailed once per session (a series has
several), from 9:00 Tokyo time on the day before the session, in the language applied in.

A periodic task runs it (portal.tasks). The reminder of a session is claimed by an UPDATE of its
``reminded_at`` in the transaction that queues the email, so two consumers at once never send one twice."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.booking.domain.calendar import jst, local_date, to_local
from portal.booking.models import Facility
from portal.events.models import Event, EventRegistration, EventSession, RegistrationSession
from portal.notifications import mail
from portal.payments.service import public_url
from portal.templating import jst as moment_label

SEND_FROM = time(9, 0)


def due(dbs: Session, now: datetime) -> list[tuple[RegistrationSession, EventRegistration, EventSession]]:
    if to_local(now).time() < SEND_FROM:
        return []
    tomorrow = local_date(now) + timedelta(days=1)
    return list(dbs.execute(
        select(RegistrationSession, EventRegistration, EventSession)
        .join(EventRegistration, EventRegistration.id == RegistrationSession.registration_id)
        .join(EventSession, EventSession.id == RegistrationSession.session_id)
        .where(EventRegistration.status == "confirmed", RegistrationSession.reminded_at.is_(None),
               EventSession.status == "open", EventSession.starts_at >= jst(tomorrow, time(0, 0)),
               EventSession.starts_at < jst(tomorrow + timedelta(days=1), time(0, 0)))
        .order_by(RegistrationSession.id)).all())


def send_due(dbs: Session, now: datetime) -> list[int]:
    """Queue the reminders that are due; returns the registration-session ids reminded."""
    reminded = []
    for seat, registration, session in due(dbs, now):
        claimed = dbs.execute(update(RegistrationSession)
                              .where(RegistrationSession.id == seat.id, RegistrationSession.reminded_at.is_(None))
                              .values(reminded_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            dbs.rollback()   # another consumer reminded it first
            continue
        event = dbs.get(Event, registration.event_id)
        municipality = event.municipality
        lang = registration.lang
        with force_locale(lang):
            when = f"{moment_label(session.starts_at)}–{to_local(session.ends_at):%H:%M}"
        mail.queue(dbs, registration.contact_email, "event_reminder", lang, municipality.id,
                   municipality=municipality, event=event, registration=registration, when=when,
                   event_title=(event.title_en or event.title) if lang == "en" else event.title,
                   venue=_venue(dbs, event, lang),
                   mypage_url=public_url("mypage.index", municipality=municipality.slug))
        dbs.commit()
        reminded.append(seat.id)
    return reminded


def _venue(dbs: Session, event: Event, lang: str) -> str:
    if event.facility_id is not None:
        facility = dbs.get(Facility, event.facility_id)
        return f"{facility.display_name(lang)} {facility.address}".strip()
    return " ".join(part for part in (event.venue_name, event.venue_address) if part)
