"""The event lottery (申込多数の場合は抽選): the facility lottery's published procedure, for seats counted in people.

1. **Commit** — once applications have closed, an :class:`EventDraw` row is made (one per event: a unique
   constraint) with a fresh 256-bit seed; its SHA-256 ``seed_commitment`` and the digest of the pseudonymised
   inputs are published at once, and the inputs themselves are frozen in ``record``.
2. **Draw** — :data:`DRAW_AFTER` later, ``portal.events.domain.draw.draw_seats`` runs over those inputs with the
   committed seed: party sizes against each session's free seats, the ranked dates of a choice event, the whole
   series as one prize, one application per verified person (a person's later applications lose as
   ``duplicate``). Winners take their seats through :mod:`portal.events.seats` and are ``confirmed`` (free) or
   ``pending_payment`` until ``pay_by``; the others are ``waiting`` in draw order when the event keeps a waiting
   list — so a missed payment or a cancellation offers the seat to the next drawn — else ``lost``. One
   transaction, claimed by a conditional UPDATE of the draw's status: a second run, or a second worker at the
   same moment, finds it drawn and does nothing. Everyone is emailed in the language they applied in.
3. **Record** — the seed, algorithm, capacities, pseudonymised inputs and the trace are published
   (``events.draw_record``); :func:`verify` is what anyone can do with them.

An application cancelled between the commit and the draw stays in the frozen inputs (the digest must match);
if it wins, its seats go to the waiting list right after the draw.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.audit.service import SYSTEM, record as audit
from portal.booking.domain.calendar import to_local
from portal.booking.domain.draw import new_seed, seed_commitment, verify_commitment
from portal.events import applying, seats, tickets
from portal.events.domain.draw import ALGORITHM, WON, EventApplication, draw_seats
from portal.events.models import Event, EventDraw, EventRegistration, EventSession, RegistrationSession
from portal.events.registration import fee_for, offer_next
from portal.notifications import mail

#: the commitment is public this long before the draw runs (and the record page says when that is)
DRAW_AFTER = timedelta(hours=1)
#: a series is applied for as a whole: one prize whose free seats are the fewest of any of its sessions
SERIES = "series"
#: a person's second application to one event: it loses without being drawn
DUPLICATE = "duplicate"
WIN_CAP_PER_PERSON = 1


def draw_at(event: Event) -> datetime:
    return event.closes_at + DRAW_AFTER


def draw_of(dbs: Session, event_id: int) -> EventDraw | None:
    return dbs.scalar(select(EventDraw).where(EventDraw.event_id == event_id))


def pseudonym(event_id: int, sub: str) -> str:
    """What the record shows for a person: fixed within one event's draw (the cap counts per person), different
    in every event (nobody can follow a person from draw to draw), and not reversible without the portal's key."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"event-lottery-person\x1f{event_id}\x1f{sub}".encode(), hashlib.sha256).hexdigest()[:16]


def pseudonym_of(registration: EventRegistration) -> str:
    """The line a resident looks for in the published record (their registration's page may show it)."""
    return pseudonym(registration.event_id, registration.person_sub or f"registration-{registration.id}")


# --- the inputs ----------------------------------------------------------------------------------------------------

def _preferences(event: Event, registration: EventRegistration) -> list[str]:
    if event.session_mode == "series":
        return [SERIES]
    return [str(seat.session_id) for seat in sorted(registration.seats, key=lambda s: (s.rank, s.session_id))]


def draw_inputs(event: Event, registrations: list[EventRegistration]) -> list[list]:
    """The published inputs, one ``[application id, person pseudonym, party size, [session keys best first]]`` per
    application, by id."""
    return [[r.id, pseudonym_of(r), r.party_size, _preferences(event, r)]
            for r in sorted(registrations, key=lambda r: r.id)]


def inputs_digest(applications: list[list]) -> str:
    """SHA-256 of the canonical inputs, published with the seed's commitment: no application can be added, dropped
    or changed once the seed exists."""
    canonical = {"algorithm": ALGORITHM, "applications": sorted(applications, key=lambda a: a[0])}
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def split_duplicates(applications: list[list]) -> tuple[list[list], list[int | str]]:
    """One application per person: each person's first (lowest id) is drawn, the others are duplicates."""
    kept, duplicates, seen = [], [], set()
    for application in sorted(applications, key=lambda a: a[0]):
        if application[1] in seen:
            duplicates.append(application[0])
        else:
            seen.add(application[1])
            kept.append(application)
    return kept, duplicates


def capacities(event: Event, sessions: list[EventSession]) -> dict[str, int]:
    """Free seats per prize at the draw: every open session's (seats already taken, e.g. by staff, are honoured);
    for a series, the fewest free seats of any session (a cancelled one: none)."""
    free = {str(s.id): max(0, s.capacity - s.taken) if s.status == "open" else 0 for s in sessions}
    if event.session_mode == "series":
        return {SERIES: min(free.values(), default=0)}
    return free


def compute(seed: str, record: dict):
    """Re-run the draw from a record's inputs and capacities (what :func:`verify` and the draw itself do)."""
    kept, _duplicates = split_duplicates(record["applications"])
    applications = [EventApplication(a[0], a[1], a[2], tuple(a[3])) for a in kept]
    return draw_seats(seed, applications, record["capacity"], record.get("win_cap_per_person", WIN_CAP_PER_PERSON))


def _applied(dbs: Session, event_id: int) -> list[EventRegistration]:
    return list(dbs.scalars(select(EventRegistration).options(selectinload(EventRegistration.seats))
                            .where(EventRegistration.event_id == event_id, EventRegistration.status == "applied")
                            .order_by(EventRegistration.id)))


# --- the steps -------------------------------------------------------------------------------------------------------

def commit(dbs: Session, event_id: int, now: datetime) -> bool:
    """Applications have closed: make the seed, publish its hash and the inputs' digest. Returns whether this call
    did it (another runner, or an earlier run, may have). Commits."""
    event = dbs.get(Event, event_id)
    if event is None or event.allocation != "lottery" or event.status != "published" or now < event.closes_at \
            or draw_of(dbs, event_id) is not None:
        dbs.rollback()
        return False
    applications = draw_inputs(event, _applied(dbs, event_id))
    seed = new_seed()
    dbs.add(EventDraw(event_id=event_id, status="committed", algorithm=ALGORITHM, seed=seed,
                      seed_commitment=seed_commitment(seed), inputs_digest=inputs_digest(applications),
                      record={"algorithm": ALGORITHM, "applications": applications}, committed_at=now))
    audit(dbs, SYSTEM, "event.lottery_committed", "event", event_id, {"applications": len(applications)},
          municipality_id=event.municipality_id)
    try:
        dbs.commit()
    except IntegrityError:
        dbs.rollback()   # another runner made the event's draw at the same moment: its seed stands
        return False
    return True


def _move(dbs: Session, registration_id: int, source: str, target: str, **values) -> bool:
    result = dbs.execute(update(EventRegistration)
                         .where(EventRegistration.id == registration_id, EventRegistration.status == source)
                         .values(status=target, **values), execution_options={"synchronize_session": False})
    return result.rowcount == 1


def _keep_sessions(dbs: Session, registration_id: int, session_ids: list[int]) -> None:
    """A choice application keeps the date it won (or waits for its first choice): the other ranks go."""
    dbs.execute(delete(RegistrationSession).where(RegistrationSession.registration_id == registration_id,
                                                  RegistrationSession.session_id.not_in(session_ids)),
                execution_options={"synchronize_session": False})


def draw(dbs: Session, event_id: int, now: datetime) -> bool:
    """Draw a committed event whose draw time has come; returns whether this call drew it. One transaction, which
    it commits; a second run (or a second worker at the same moment) finds the draw taken and does nothing."""
    event = dbs.get(Event, event_id)
    if event is None or event.status != "published" or now < draw_at(event):
        dbs.rollback()
        return False
    dbs.rollback()   # the claim below is this transaction's first statement (SQLite: it takes the write lock)
    claimed = dbs.execute(update(EventDraw).where(EventDraw.event_id == event_id, EventDraw.status == "committed")
                          .values(status="drawn", drawn_at=now), execution_options={"synchronize_session": False})
    if claimed.rowcount != 1:
        dbs.rollback()
        return False
    event_draw = dbs.scalar(select(EventDraw).where(EventDraw.event_id == event_id)
                            .execution_options(populate_existing=True))
    event = dbs.get(Event, event_id, populate_existing=True)
    # the sessions' counters are read under their row locks (PostgreSQL; SQLite's write lock is already ours)
    sessions = list(dbs.scalars(select(EventSession).where(EventSession.event_id == event_id)
                                .order_by(EventSession.id).with_for_update()
                                .execution_options(populate_existing=True)))
    frozen = event_draw.record or {}
    applications = frozen.get("applications", [])
    if inputs_digest(applications) != event_draw.inputs_digest:
        dbs.rollback()
        raise RuntimeError(f"event {event_id}: the lottery's inputs changed after the seed was committed")
    record = {"algorithm": ALGORITHM, "applications": applications, "capacity": capacities(event, sessions),
              "win_cap_per_person": WIN_CAP_PER_PERSON}
    result = compute(event_draw.seed, record)
    _kept, duplicates = split_duplicates(applications)
    by_size = {a[0]: a[2] for a in applications}
    first_choice = {a[0]: a[3][0] for a in applications if a[3]}
    live = {r.id: r for r in _applied(dbs, event_id) if r.id in by_size}   # still applied, and in the inputs
    all_sessions = [s.id for s in sessions]

    def sessions_of(key: str) -> list[int]:
        return all_sessions if key == SERIES else [int(key)]

    decided: dict[int, str] = {}
    withdrawn_winners = []
    for step in result.trace:
        application_id, outcome, key = step[3], step[4], step[5]
        registration = live.get(application_id)
        if outcome != WON:
            continue
        if registration is None:
            withdrawn_winners.append(application_id)   # cancelled since the commit: its seats go to the list
            continue
        won = sessions_of(key)
        seats.take(dbs, won, by_size[application_id])   # SeatsGone: the whole draw rolls back (capacities moved)
        fee = fee_for(event, registration.party)
        # the fee is due within the event's hours, and never after the (first) date won has started
        starts = min(s.starts_at for s in sessions if s.id in won)
        values = {"pay_by": min(now + timedelta(hours=event.pay_within_hours), starts)} if fee else {}
        if registration.reference is None:
            values.update(reference=tickets.new_reference(), ticket_secret=tickets.new_secret())
        target = "pending_payment" if fee else "confirmed"
        if not _move(dbs, application_id, "applied", target, **values):
            seats.give_back(dbs, won, by_size[application_id])   # the resident cancelled at this very moment
            continue
        _keep_sessions(dbs, application_id, won)
        decided[application_id] = target

    waiting_order = []
    for step in result.trace:
        application_id, outcome = step[3], step[4]
        if outcome == WON or application_id not in live:
            continue
        target = "waiting" if event.waitlist else "lost"
        if _move(dbs, application_id, "applied", target):
            decided[application_id] = target
            if target == "waiting":
                _keep_sessions(dbs, application_id, sessions_of(first_choice[application_id]))
                waiting_order.append(application_id)
    for application_id in duplicates:
        if application_id in live and _move(dbs, application_id, "applied", "lost", cancel_reason=DUPLICATE):
            decided[application_id] = "lost"

    record.update({
        "duplicates": duplicates,
        "trace": [list(step) for step in result.trace],
        "rounds": result.rounds,
        "winners": {str(k): [w.session_key, w.rank] for k, w in sorted(result.winners.items())},
        "waiting": waiting_order,
        "withdrawn_before_draw": sorted(set(by_size) - set(live)),
    })
    event_draw.record = record
    audit(dbs, SYSTEM, "event.lottery_drawn", "event", event_id,
          {"applications": len(applications), "winners": len(result.winners), "waiting": len(waiting_order)},
          municipality_id=event.municipality_id)
    dbs.flush()
    for registration in live.values():
        dbs.expire(registration)
    for application_id, status in decided.items():
        if status == "pending_payment":   # the application's submission now asks for the fee
            winner = live[application_id]
            applying.fee_falls_due(dbs, winner, now=now, pay_by=winner.pay_by)
    _queue_emails(dbs, event, [live[i] for i in sorted(decided)], waiting_order)
    if withdrawn_winners:
        offer_next(dbs, event_id, now=now)
    dbs.commit()
    return True


def due_commits(dbs: Session, now: datetime, municipality_id: int | None = None, slug: str | None = None) -> list[int]:
    query = (select(Event.id).outerjoin(EventDraw, EventDraw.event_id == Event.id)
             .where(Event.allocation == "lottery", Event.status == "published", Event.closes_at <= now,
                    EventDraw.id.is_(None)))
    return list(dbs.scalars(_narrow(query, municipality_id, slug).order_by(Event.id)))


def due_draws(dbs: Session, now: datetime, municipality_id: int | None = None, slug: str | None = None) -> list[int]:
    query = (select(Event.id).join(EventDraw, EventDraw.event_id == Event.id)
             .where(EventDraw.status == "committed", Event.status == "published",
                    Event.closes_at <= now - DRAW_AFTER))
    return list(dbs.scalars(_narrow(query, municipality_id, slug).order_by(Event.id)))


def _narrow(query, municipality_id, slug):
    if municipality_id is not None:
        query = query.where(Event.municipality_id == municipality_id)
    if slug is not None:
        query = query.where(Event.slug == slug)
    return query


def run_due(dbs: Session, now: datetime, *, municipality_id: int | None = None,
            slug: str | None = None) -> dict[str, int]:
    """What the periodic job and ``flask events draw`` do: commit every lottery whose applications closed, then draw
    every one whose draw time has come. Every step is idempotent."""
    done = {"committed": 0, "drawn": 0}
    for event_id in due_commits(dbs, now, municipality_id, slug):
        done["committed"] += commit(dbs, event_id, now)
    dbs.rollback()
    for event_id in due_draws(dbs, now, municipality_id, slug):
        try:
            done["drawn"] += draw(dbs, event_id, now)
        except seats.SeatsGone:
            dbs.rollback()   # seats moved while drawing: the next run draws on the new counts
    return done


def verify(event_draw: EventDraw) -> bool:
    """What anyone can do with the published record: the seed matches the hash published before the draw, the
    inputs match their digest, and re-running the draw gives the published trace."""
    record = event_draw.record or {}
    if event_draw.status != "drawn" or not event_draw.seed or "trace" not in record:
        return False
    if not verify_commitment(event_draw.seed, event_draw.seed_commitment or "") \
            or inputs_digest(record["applications"]) != event_draw.inputs_digest:
        return False
    return [list(step) for step in compute(event_draw.seed, record).trace] == record["trace"]


def waiting_number(dbs: Session, registration: EventRegistration) -> int | None:
    """A waiting registration's place on its date's list (1 = the next offered), in draw order; None when it is
    not waiting on a drawn event's list."""
    event_draw = draw_of(dbs, registration.event_id)
    record = (event_draw.record or {}) if event_draw is not None else {}
    order = record.get("waiting", [])
    if registration.status != "waiting" or registration.id not in order:
        return None
    first = {a[0]: a[3][0] for a in record.get("applications", []) if a[3]}
    ahead = [i for i in order[:order.index(registration.id)] if first.get(i) == first.get(registration.id)]
    if not ahead:
        return 1
    return 1 + len(dbs.scalars(select(EventRegistration.id).where(EventRegistration.id.in_(ahead),
                                                                  EventRegistration.status == "waiting")).all())


# --- the emails ------------------------------------------------------------------------------------------------------

def _venue(dbs: Session, event: Event, lang: str) -> str:
    if event.facility_id is not None:
        from portal.booking.models import Facility

        facility = dbs.get(Facility, event.facility_id)
        return f"{facility.display_name(lang)} {facility.address}".strip()
    return " ".join(part for part in (event.venue_name, event.venue_address) if part)


def _queue_emails(dbs: Session, event: Event, registrations: list[EventRegistration], waiting: list[int]) -> None:
    from portal.payments.service import public_url
    from portal.templating import jst

    municipality = event.municipality
    sessions = {s.id: s for s in event.sessions}
    record_url = public_url("events.draw_record", municipality=municipality.slug, slug=event.slug)
    for registration in registrations:
        if not registration.contact_email:
            continue   # staff phone those without email (the participant list shows them)
        lang = registration.lang
        with force_locale(lang):
            when = [f"{jst(sessions[seat.session_id].starts_at)}–{to_local(sessions[seat.session_id].ends_at):%H:%M}"
                    for seat in sorted(registration.seats, key=lambda s: sessions[s.session_id].starts_at)]
            pay_by = jst(registration.pay_by) if registration.pay_by else ""
        status = registration.status
        template = "event_lottery_won" if status in ("confirmed", "pending_payment") else "event_lottery_not_won"
        mail.queue(dbs, registration.contact_email, template, lang, municipality.id,
                   municipality=municipality, event=event, registration=registration, when=when,
                   event_title=(event.title_en or event.title) if lang == "en" else event.title,
                   venue=_venue(dbs, event, lang), fee=fee_for(event, registration.party), pay_by=pay_by,
                   waiting_number=waiting_number(dbs, registration),
                   record_url=record_url,
                   registration_url=public_url("events.registration", municipality=municipality.slug,
                                               reference=registration.reference) if registration.reference else "")

