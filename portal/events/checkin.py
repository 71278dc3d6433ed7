"""受付 at the door: find the registration from what staff typed or scanned, check it in once, undo a mistake, and
add walk-ins (当日参加) while seats remain.

A check-in is one conditional UPDATE of the registration's session row — ``checked_in_at = now WHERE
checked_in_at IS NULL`` and the registration still holding its seat — so two phones scanning one ticket at once
cannot both succeed: the database decides, the loser is told when and by whom the ticket was taken. Walk-ins take
their seats through :mod:`portal.events.seats` like every other registration. Functions work inside the caller's
transaction and never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from portal.events import seats, tickets
from portal.events.models import EventRegistration, EventSession, RegistrationSession

MAX_NAME = 100
MAX_TYPED = 200
#: registration statuses that may be checked in (an unpaid seat too: the fee may be taken at the door, the page
#: says it is unpaid)
ADMITTED = ("confirmed", "pending_payment")


class CheckInRefused(Exception):
    """Why a ticket is not checked in. ``code``: unreadable | unknown | other_event | other_session |
    session_cancelled | already | <the registration's status> (cancelled, lost, waiting, offered, …)."""

    def __init__(self, code: str, registration: EventRegistration | None = None,
                 seat: RegistrationSession | None = None):
        super().__init__(code)
        self.code = code
        self.registration = registration
        self.seat = seat


class WalkInRefused(Exception):
    """``code``: name | party | party_too_large | session_closed | full (``remaining`` seats left)."""

    def __init__(self, code: str, remaining: int = 0):
        super().__init__(code)
        self.code = code
        self.remaining = remaining


@dataclass(frozen=True)
class CheckedIn:
    registration: EventRegistration
    seat: RegistrationSession


# --- finding the registration --------------------------------------------------------------------------------

def find(dbs: Session, session: EventSession, typed: str) -> tuple[EventRegistration, RegistrationSession]:
    """The registration and its row for ``session`` from a 受付番号 as typed (lower case, no hyphens, O for 0)
    or the QR code's token; raises :class:`CheckInRefused` (unreadable, unknown, other_event, other_session)."""
    typed = (typed or "").strip()[:MAX_TYPED]
    event = session.event
    registration = None
    if "." in typed:   # the QR code's signed token
        secret = tickets.secret_of(typed)
        if secret is None:
            raise CheckInRefused("unreadable")
        registration = dbs.scalar(select(EventRegistration).where(EventRegistration.ticket_secret == secret))
    else:
        reference = tickets.normalise_reference(typed)
        if not reference:
            raise CheckInRefused("unreadable")
        registration = dbs.scalar(select(EventRegistration).where(EventRegistration.reference == reference))
    if registration is None or registration.municipality_id != event.municipality_id:
        raise CheckInRefused("unknown")
    if registration.event_id != event.id:
        raise CheckInRefused("other_event", registration)
    seat = next((s for s in registration.seats if s.session_id == session.id), None)
    if seat is None:
        raise CheckInRefused("other_session", registration)
    return registration, seat


# --- checking in -----------------------------------------------------------------------------------------------

def check_in(dbs: Session, session: EventSession, typed: str, *, now: datetime, by: str) -> CheckedIn:
    """Check in the ticket ``typed`` (a 受付番号 or the QR token) for ``session``: the first phone wins; raises
    :class:`CheckInRefused` — ``already`` with the seat's first check-in time and who, or the registration's status
    when it holds no seat (cancelled, lost, waiting, …)."""
    registration, seat = find(dbs, session, typed)
    return check_in_seat(dbs, session, registration, seat, now=now, by=by)


def check_in_seat(dbs: Session, session: EventSession, registration: EventRegistration, seat: RegistrationSession,
                  *, now: datetime, by: str) -> CheckedIn:
    if session.status != "open" or session.event.status == "cancelled":
        raise CheckInRefused("session_cancelled", registration, seat)
    if seat.checked_in_at is not None:
        raise CheckInRefused("already", registration, seat)
    if registration.status not in ADMITTED:
        raise CheckInRefused(registration.status, registration, seat)
    still_admitted = exists().where(EventRegistration.id == registration.id,
                                    EventRegistration.status.in_(ADMITTED))
    claimed = dbs.execute(
        update(RegistrationSession)
        .where(RegistrationSession.id == seat.id, RegistrationSession.checked_in_at.is_(None), still_admitted)
        .values(checked_in_at=now, checked_in_by=by[:MAX_NAME]),
        execution_options={"synchronize_session": False}).rowcount == 1
    dbs.expire(seat)
    dbs.expire(registration)
    if not claimed:
        # another phone was first, or the registration was cancelled meanwhile: say which
        if seat.checked_in_at is not None:
            raise CheckInRefused("already", registration, seat)
        raise CheckInRefused(registration.status, registration, seat)
    return CheckedIn(registration, seat)


def undo(dbs: Session, seat: RegistrationSession) -> bool:
    """Take back a mistaken check-in; False when it was not checked in (a second click changes nothing)."""
    undone = dbs.execute(
        update(RegistrationSession)
        .where(RegistrationSession.id == seat.id, RegistrationSession.checked_in_at.is_not(None))
        .values(checked_in_at=None, checked_in_by=""),
        execution_options={"synchronize_session": False}).rowcount == 1
    dbs.expire(seat)
    return undone


# --- walk-ins (当日参加) -----------------------------------------------------------------------------------------

def parse_party(event, form: dict[str, str]) -> dict[str, int]:
    """The party per participant type from a form's ``party_<key>`` values; raises WalkInRefused('party')."""
    party = {}
    for kind in event.participant_types:
        raw = (form.get(f"party_{kind['key']}") or "0").strip()
        if not raw.isascii() or not raw.isdigit() or len(raw) > 3:
            raise WalkInRefused("party")
        if int(raw):
            party[kind["key"]] = int(raw)
    if not party:
        raise WalkInRefused("party")
    return party


def walk_in(dbs: Session, session: EventSession, name: str, party: dict[str, int], *, now: datetime, by: str,
            lang: str = "ja") -> EventRegistration:
    """Add someone at the door: seats taken for this session only if they remain (raises
    :class:`WalkInRefused` — ``full`` with the seats left, never a split party), confirmed and checked in at once,
    with a 受付番号 and a ticket secret like every registration."""
    name = " ".join((name or "").split())[:MAX_NAME]
    if not name:
        raise WalkInRefused("name")
    event = session.event
    keys = {t["key"] for t in event.participant_types}
    if not party or any(k not in keys or not isinstance(n, int) or n < 0 for k, n in party.items()):
        raise WalkInRefused("party")
    size = sum(party.values())
    if size < 1:
        raise WalkInRefused("party")
    if size > max(event.max_party, 1):
        raise WalkInRefused("party_too_large", event.max_party)
    if session.status != "open" or event.status != "published":
        raise WalkInRefused("session_closed")
    try:
        seats.take(dbs, [session.id], size)
    except seats.SeatsGone as gone:
        raise WalkInRefused("full", gone.remaining) from None
    registration = EventRegistration(
        municipality_id=event.municipality_id, event_id=event.id, resident_id=None, person_sub=None,
        party=dict(party), party_size=size, status="confirmed", walk_in=True, walk_in_name=name, lang=lang,
        reference=tickets.new_reference(), ticket_secret=tickets.new_secret())
    registration.seats = [RegistrationSession(session_id=session.id, rank=1, checked_in_at=now,
                                              checked_in_by=by[:MAX_NAME])]
    dbs.add(registration)
    dbs.flush()
    return registration
