"""Applying for an event, cancelling, and the waiting list — service functions over one database session.

Each function works inside the caller's transaction and leaves the commit to it, so a view, a CLI command and a
periodic task share them. Seats move only through :mod:`portal.events.seats`; a registration changes status only
through a conditional UPDATE on its current status (:func:`_claim`), so two workers, or a worker and a resident
cancelling at the same moment, never move one registration twice or offer one seat to two people.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.events import seats
from portal.events.domain import waitlist
from portal.events.domain.fees import ParticipantType, fee_lines, total
from portal.events.models import (
    HOLDING_SEATS,
    Event,
    EventDraw,
    EventRegistration,
    EventSession,
    RegistrationSession,
)
from portal.identity.models import Resident


class RegistrationRefused(Exception):
    """Why an application cannot be taken: ``code`` names the reason for the page."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Outcome:
    registration: EventRegistration
    #: confirmed (free, seat taken) | pending_payment (seat taken, fee due) | waiting | applied (lottery)
    status: str
    fee: int


def participant_types(event: Event) -> list[ParticipantType]:
    return [ParticipantType(t["key"], int(t.get("price", 0))) for t in event.participant_types]


def fee_for(event: Event, party: dict[str, int]) -> int:
    return total(fee_lines(participant_types(event), party, max_party=event.max_party))


def _sessions_applied_for(event: Event, chosen: Sequence[int]) -> list[EventSession]:
    open_sessions = {s.id: s for s in event.sessions if s.status == "open"}
    if event.session_mode == "series":
        if any(s.status != "open" for s in event.sessions):
            raise RegistrationRefused("session_cancelled")
        return list(event.sessions)
    picked = [open_sessions[i] for i in dict.fromkeys(chosen) if i in open_sessions]
    if not picked or len(picked) != len(chosen):
        raise RegistrationRefused("choose_session")
    if event.allocation != "lottery" and len(picked) > 1:
        raise RegistrationRefused("choose_session")   # first come: one date; the lottery ranks several
    return picked


def _lock_person(dbs: Session, person_sub: str) -> None:
    # A no-op UPDATE takes the resident's row lock (PostgreSQL) or the write lock (SQLite): two tabs of one person
    # are serialised, so the one-registration-per-event check below sees the other tab's commit.
    dbs.execute(update(Resident).where(Resident.sub == person_sub).values(sub=Resident.sub),
                execution_options={"synchronize_session": False})


def active_registration(dbs: Session, event: Event, person_sub: str) -> EventRegistration | None:
    return dbs.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.person_sub == person_sub,
        EventRegistration.status.in_((*HOLDING_SEATS, "waiting", "applied"))))


def apply(dbs: Session, event: Event, resident: Resident, party: dict[str, int], session_ids: Sequence[int], *,
          now: datetime, lang: str = "ja", contact_email: str = "",
          registration: EventRegistration | None = None) -> Outcome:
    """Take the party's seats (first come), or enter it in the lottery / on the waiting list. ``registration``: a
    draft registration (status ``draft``, sessions chosen) to fill instead of making a new one — the event's page
    makes it with the draft of the questions; its sessions must be the ones ``session_ids`` name."""
    if event.status != "published":
        raise RegistrationRefused("not_published")
    if now < event.opens_at:
        raise RegistrationRefused("not_open_yet", opens_at=event.opens_at)
    if now >= event.closes_at:
        raise RegistrationRefused("closed", closes_at=event.closes_at)
    fee = fee_for(event, party)
    size = sum(party.values())
    sessions = _sessions_applied_for(event, session_ids)
    _lock_person(dbs, resident.sub)
    if active_registration(dbs, event, resident.sub) is not None:
        raise RegistrationRefused("already_registered")

    if registration is None:
        registration = EventRegistration(municipality_id=event.municipality_id, event_id=event.id,
                                         resident_id=resident.id, person_sub=resident.sub, party=dict(party),
                                         party_size=size, status="applied", lang=lang, contact_email=contact_email)
        registration.seats = [RegistrationSession(session_id=s.id, rank=rank) for rank, s in enumerate(sessions, 1)]
    else:
        chosen = [seat.session_id for seat in sorted(registration.seats, key=lambda seat: seat.rank)]
        if registration.status != "draft" or registration.event_id != event.id \
                or chosen != [s.id for s in sessions]:
            raise RegistrationRefused("choose_session")
        registration.resident_id, registration.person_sub = resident.id, resident.sub
        registration.party, registration.party_size, registration.status = dict(party), size, "applied"
        registration.lang, registration.contact_email = lang, contact_email
    if event.allocation == "first_come":
        try:
            seats.take(dbs, [s.id for s in sessions], size)
        except seats.SeatsGone as gone:
            if not event.waitlist:
                raise RegistrationRefused("full", remaining=gone.remaining) from None
            registration.status = "waiting"
        else:
            registration.status = "pending_payment" if fee else "confirmed"
    dbs.add(registration)
    dbs.flush()
    return Outcome(registration, registration.status, fee)


def _claim(dbs: Session, registration_id: int, source: str, target: str, **values) -> bool:
    """Move a registration from ``source`` to ``target`` if nobody has moved it first."""
    if source in waitlist.TRANSITIONS and target in waitlist.TRANSITIONS:
        waitlist.check_transition(source, target)
    result = dbs.execute(update(EventRegistration)
                         .where(EventRegistration.id == registration_id, EventRegistration.status == source)
                         .values(status=target, **values), execution_options={"synchronize_session": False})
    claimed = result.rowcount == 1
    if claimed:
        loaded = dbs.identity_map.get(dbs.identity_key(EventRegistration, registration_id))
        if loaded is not None:
            dbs.expire(loaded)
    return claimed


def _session_ids(dbs: Session, registration_id: int) -> list[int]:
    return list(dbs.scalars(select(RegistrationSession.session_id)
                            .where(RegistrationSession.registration_id == registration_id)))


def cancel(dbs: Session, registration: EventRegistration, *, now: datetime) -> bool:
    """The resident (or staff) cancels; seats go back and the waiting list is offered them. False: already
    cancelled or otherwise ended (a second click changes nothing)."""
    status, size, reg_id = registration.status, registration.party_size, registration.id
    if status not in (*HOLDING_SEATS, "waiting", "applied"):
        return False
    if not _claim(dbs, reg_id, status, "cancelled" if status not in ("waiting", "offered") else "withdrawn"):
        return False
    if status in HOLDING_SEATS:
        sessions = _session_ids(dbs, reg_id)
        seats.give_back(dbs, sessions, size)
        offer_next(dbs, registration.event_id, now=now)
    return True


def offer_next(dbs: Session, event_id: int, *, now: datetime) -> list[int]:
    """Offer freed seats to the waiting list, earliest first, each party whole (first fit); returns the ids
    offered. Safe to run twice or on two workers at once: the claim and the seat counter both decide."""
    event = dbs.get(Event, event_id)
    if event is None or not event.waitlist or event.status != "published":
        return []
    offered: list[int] = []
    for session in event.sessions:
        if session.status != "open":
            continue
        deadline = waitlist.offer_deadline(now, hold=timedelta(hours=event.offer_hold_hours),
                                           starts_at=session.starts_at,
                                           closes_before=timedelta(hours=event.offer_closes_before_hours))
        if deadline is None:
            continue
        queue = dbs.execute(
            select(EventRegistration.id, EventRegistration.party_size)
            .join(RegistrationSession, RegistrationSession.registration_id == EventRegistration.id)
            .where(RegistrationSession.session_id == session.id, EventRegistration.status == "waiting")
            .order_by(EventRegistration.created_at, EventRegistration.id)).all()
        if event.allocation == "lottery":
            queue = _in_draw_order(dbs, event.id, queue)
        free = seats.remaining(dbs, session.id)
        for entry_id in waitlist.to_offer([waitlist.Waiting(r.id, r.party_size) for r in queue], free_seats=free):
            size = next(r.party_size for r in queue if r.id == entry_id)
            entry_sessions = _session_ids(dbs, entry_id)
            try:
                seats.take(dbs, entry_sessions, size)
            except seats.SeatsGone:
                continue   # someone else took the seats meanwhile: the entry keeps its place
            if not _claim(dbs, entry_id, waitlist.WAITING, waitlist.OFFERED, offer_expires_at=deadline):
                seats.give_back(dbs, entry_sessions, size)   # another worker offered it first
                continue
            offered.append(entry_id)
    for entry_id in offered:
        for listener in _offer_listeners.values():
            listener(dbs, dbs.get(EventRegistration, entry_id, populate_existing=True))
    return offered


def _in_draw_order(dbs: Session, event_id: int, queue: list) -> list:
    """A drawn lottery's waiting list in draw order (rows with ``.id``; others after, in their own order)."""
    record = dbs.scalar(select(EventDraw.record).where(EventDraw.event_id == event_id))
    order = (record or {}).get("waiting", [])
    if not order:
        return list(queue)
    position = {registration_id: i for i, registration_id in enumerate(order)}
    return sorted(queue, key=lambda row: position.get(row.id, len(position)))


#: called with (session, registration) for every seat offered, whoever freed it — the offer email
#: (portal.events.mailing) listens. A listener rather than an import: mailing presents this module's results.
_offer_listeners: dict[str, Callable[[Session, EventRegistration], None]] = {}


def listen_for_offers(name: str, listener: Callable[[Session, EventRegistration], None]) -> None:
    _offer_listeners[name] = listener


def accept_offer(dbs: Session, registration: EventRegistration, *, now: datetime) -> bool:
    """The offered resident takes the seat: confirmed, or pending payment when a fee is due."""
    if registration.status != waitlist.OFFERED or registration.offer_expires_at is None \
            or registration.offer_expires_at <= now:
        return False
    fee = fee_for(registration.event, registration.party)
    target = "pending_payment" if fee else waitlist.CONFIRMED
    return _claim(dbs, registration.id, waitlist.OFFERED, target, offer_expires_at=None)


def lapse_offers(dbs: Session, *, now: datetime) -> list[int]:
    """Offers not taken in time lapse; their seats go to the next on the list. The periodic job."""
    due = dbs.execute(select(EventRegistration.id, EventRegistration.event_id, EventRegistration.party_size)
                      .where(EventRegistration.status == waitlist.OFFERED,
                             EventRegistration.offer_expires_at <= now)).all()
    lapsed = []
    for row in due:
        if _claim(dbs, row.id, waitlist.OFFERED, waitlist.LAPSED):
            seats.give_back(dbs, _session_ids(dbs, row.id), row.party_size)
            lapsed.append(row.id)
    for event_id in sorted({row.event_id for row in due}):
        offer_next(dbs, event_id, now=now)
    return lapsed
