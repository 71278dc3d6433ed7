"""An event held at a facility of the booking module blocks the facility's slots while its sessions run.

Each open session of a published event with a facility venue holds the slots of every active unit that overlap
its [starts_at, ends_at) as booking blocks (``kind="block"`` reservations, fee 0), made by the booking's
:func:`portal.booking.services.staff.block_span`. A block's note names the event and ends with the session's
marker (「イベント: 親子料理教室［回#12］」): that is how a session finds its blocks again, so no schema links them.
Slots a resident (or anyone else) already holds are never taken away: they are reported with who holds them, for
staff to arrange. Everything here is idempotent: :func:`sync_session` brings a session's blocks to what the event
now says (published or not, open or cancelled, its times, its facility) and blocks only what is still missing.

Functions that change something take an ``audit`` callable (views pass ``portal.backoffice.common.audit``) and
commit, as the booking's block functions do: call them after the event's own change is committed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.booking.domain.slots import Slot
from portal.booking.models import Facility, Reservation
from portal.booking.services import inventory, staff as booking_staff
from portal.booking.services.holders import Holder, holder
from portal.events.models import Event, EventSession

Audit = Callable[..., None]
NOTE_PREFIX = "イベント: "


def marker(session_id: int) -> str:
    return f"［回#{session_id}］"


def note_of(event: Event, session: EventSession) -> str:
    """The block's note as the facility's day sheet shows it: 「イベント: 親子料理教室［回#12］」."""
    tail = marker(session.id)
    return f"{NOTE_PREFIX}{event.title[:500 - len(NOTE_PREFIX) - len(tail)]}{tail}"


def blocks_of(dbs: Session, municipality_id: int, session_id: int) -> list[Reservation]:
    """The session's live blocks, at whichever facility (the venue may have changed since)."""
    return list(dbs.scalars(select(Reservation).where(
        Reservation.municipality_id == municipality_id, Reservation.kind == "block",
        Reservation.status == "confirmed", Reservation.note.endswith(marker(session_id), autoescape=True))
        .order_by(Reservation.id)))


def venue_of(dbs: Session, event: Event) -> Facility | None:
    if event.facility_id is None:
        return None
    facility = dbs.get(Facility, event.facility_id)
    return facility if facility is not None and facility.municipality_id == event.municipality_id else None


def wants_blocks(event: Event, session: EventSession) -> bool:
    return event.status == "published" and session.status == "open" and event.facility_id is not None


def _within(block: Reservation, session: EventSession) -> bool:
    """Every slot of the block still overlaps the session's time (it has not been moved away from them)."""
    return all(row.starts_at < session.ends_at and row.ends_at > session.starts_at
               for row in block.slots if row.active)


@dataclass
class VenueResult:
    """What one sync did for a session: slots newly blocked, slots someone else holds, blocks released."""

    session_id: int
    facility: Facility | None = None
    blocked: list[Slot] = field(default_factory=list)
    refused: list[tuple[Slot, Holder]] = field(default_factory=list)
    released: int = 0


def _release(dbs: Session, blocks: list[Reservation], now: datetime, audit: Audit) -> int:
    return sum(1 for block in blocks if booking_staff.release_block(dbs, block, now, audit))


def sync_session(dbs: Session, session: EventSession, now: datetime, *, staff_id: int | None,
                 audit: Audit) -> VenueResult:
    """Make the session's blocks what the event now says: released when the event is not published, the session
    is cancelled, the venue is no facility or another one, or the session moved away from a block's slots; then,
    if it should block, every overlapping slot not yet held is blocked (held ones are reported). A session that is
    over is left as it is. Commits."""
    event = session.event
    facility = venue_of(dbs, event)
    want = wants_blocks(event, session) and facility is not None
    result = VenueResult(session.id, facility)
    if session.ends_at <= now:
        return result  # over: its blocks are the day sheet's history now
    stale = [b for b in blocks_of(dbs, event.municipality_id, session.id)
             if not want or b.facility_id != facility.id or not _within(b, session)]
    result.released = _release(dbs, stale, now, audit)
    if want:
        for block in blocks_of(dbs, event.municipality_id, session.id):
            booking_staff.rename_block(dbs, block, note_of(event, session), audit)  # the event was renamed
        span = booking_staff.block_span(dbs, facility, now, starts_at=session.starts_at, ends_at=session.ends_at,
                                        note=note_of(event, session), staff_id=staff_id, audit=audit)
        ours = {b.id for b in blocks_of(dbs, event.municipality_id, session.id)}
        result.blocked = span.blocked
        result.refused = [(slot, who) for slot, who in span.refused if who.reservation.id not in ours]
    if result.blocked or result.refused:
        audit("event.venue_blocked", "event_session", session.id, event_id=event.id, facility=facility.slug,
              blocked=[s.key for s in result.blocked], refused=[s.key for s, _ in result.refused],
              refused_reservations=sorted({who.reservation.id for _, who in result.refused}))
        dbs.commit()
    if result.released:
        audit("event.venue_released", "event_session", session.id, event_id=event.id, blocks=result.released)
        dbs.commit()
    return result


def sync_event(dbs: Session, event: Event, now: datetime, *, staff_id: int | None,
               audit: Audit) -> list[VenueResult]:
    """:func:`sync_session` for every session of the event (after publishing, unpublishing, a venue change)."""
    return [sync_session(dbs, session, now, staff_id=staff_id, audit=audit) for session in list(event.sessions)]


def release_blocks_of(dbs: Session, municipality_id: int, session_id: int, now: datetime, audit: Audit) -> int:
    """Release every block of the session (also of one just deleted: only its id is needed); how many. Commits."""
    released = _release(dbs, blocks_of(dbs, municipality_id, session_id), now, audit)
    if released:
        audit("event.venue_released", "event_session", session_id, blocks=released)
        dbs.commit()
    return released


def release_session_blocks(dbs: Session, session: EventSession, now: datetime, audit: Audit) -> int:
    """The session is cancelled (or will not take place at the facility): its slots are free again. Commits."""
    return release_blocks_of(dbs, session.event.municipality_id, session.id, now, audit)


def release_event_blocks(dbs: Session, event: Event, now: datetime, audit: Audit) -> int:
    """The whole event is off: every session's blocks are released. Commits."""
    return sum(release_blocks_of(dbs, event.municipality_id, s.id, now, audit) for s in list(event.sessions))


# --- what the sessions page shows -------------------------------------------------------------------------------

@dataclass
class VenueState:
    """A session's slots at the facility from now on, as they stand."""

    #: held by the session's own blocks
    blocked: list[Slot] = field(default_factory=list)
    #: held by someone else (a resident, a counter booking, another block)
    refused: list[tuple[Slot, Holder]] = field(default_factory=list)
    #: held by nobody (freed since the event was published, or a block released by hand): can be blocked again
    free: list[Slot] = field(default_factory=list)

    @property
    def state(self) -> str:
        """``blocked`` (施設の枠を確保済み), ``partial`` (一部確保できません) or ``none`` (no slot overlaps)."""
        if self.refused or self.free:
            return "partial"
        return "blocked" if self.blocked else "none"


def venue_states(dbs: Session, event: Event, now: datetime) -> dict[int, VenueState]:
    """Session id → its state, for the open sessions still to come of a published event at a facility."""
    facility = venue_of(dbs, event)
    if facility is None or event.status != "published":
        return {}
    states: dict[int, VenueState] = {}
    holders: dict[int, Holder] = {}
    for session in event.sessions:
        if session.status != "open" or session.ends_at <= now:
            continue
        slots = [s for s in booking_staff.span_slots(facility, session.starts_at, session.ends_at)
                 if not s.is_closed and s.starts_at > now]
        state = states[session.id] = VenueState()
        if not slots:
            continue
        taken = inventory.taken(dbs, facility, min(s.local_date for s in slots), max(s.local_date for s in slots),
                                now)
        ours = {b.id for b in blocks_of(dbs, event.municipality_id, session.id)}
        for slot in slots:
            reservation = taken.get(slot.key)
            if reservation is None:
                state.free.append(slot)
            elif reservation.id in ours:
                state.blocked.append(slot)
            else:
                holders.setdefault(reservation.id, holder(dbs, reservation))
                state.refused.append((slot, holders[reservation.id]))
    return states
