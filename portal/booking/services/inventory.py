"""Which slots are taken, and taking them so that no slot is ever held twice.

``take`` inserts the reservation's slot rows and lets the database decide: the partial unique index on
(unit, start) over active rows (and PostgreSQL's exclusion constraint on overlapping ranges) refuses the
second of two concurrent takers, which gets :class:`SlotsTaken` — nothing of its attempt is left behind.
A hold that has run out is released lazily by whoever wants its slots (and by ``release_expired`` from the
scheduler), so an expired hold never blocks anyone even if the job has not run yet.

Functions that say they commit need a session with nothing pending: a failed insert rolls everything back.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.booking.domain import config
from portal.booking.domain.calendar import TOKYO, UTC, jst, local_date
from portal.booking.domain.slots import Slot
from portal.booking.models import TAKING, BookingGroup, Facility, FacilityUnit, Reservation, ReservationSlot
from portal.identity.models import Resident


class SlotsTaken(Exception):
    """Someone else holds (some of) the requested slots: "just taken"."""

    def __init__(self, keys: Sequence[str]):
        super().__init__(", ".join(keys))
        self.keys = list(keys)


class UnknownSlot(ValueError):
    """A slot key that is not a slot of this facility (tampered form, or the pattern changed)."""


# --- slot keys ---------------------------------------------------------------------------------------------

def parse_key(key: str) -> tuple[str, datetime]:
    """"court-a/2026-12-05 09:00" → ("court-a", aware UTC start)."""
    try:
        unit_slug, when = key.split("/", 1)
        local = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=TOKYO)
    except ValueError:
        raise UnknownSlot(key) from None
    return unit_slug, local.astimezone(UTC)


def resolve(facility: Facility, keys: Iterable[str]) -> list[Slot]:
    """The facility's slots named by ``keys`` (closed slots included: rules say why they cannot be had)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return []
    parsed = [parse_key(k) for k in wanted]
    days = [local_date(start) for _, start in parsed]
    units = {u.slug: u for u in facility.units if u.active}
    if any(slug not in units for slug, _ in parsed):
        raise UnknownSlot(next(k for k, (slug, _) in zip(wanted, parsed) if slug not in units))
    by_key = {s.key: s for s in config.slots_of(facility, min(days), max(days),
                                                 units=[units[slug] for slug in {s for s, _ in parsed}])}
    missing = [k for k in wanted if k not in by_key]
    if missing:
        raise UnknownSlot(missing[0])
    return [by_key[k] for k in wanted]


# --- what is taken -----------------------------------------------------------------------------------------

def _live(now: datetime):
    """Active slot rows whose reservation still takes them (an expired hold does not)."""
    return and_(ReservationSlot.active.is_(True),
                or_(Reservation.status == "confirmed",
                    and_(Reservation.status == "held",
                         or_(Reservation.hold_expires_at.is_(None), Reservation.hold_expires_at > now))))


def taken(dbs: Session, facility: Facility, start_date: date, end_date: date, now: datetime) -> dict[str, Reservation]:
    """Slot key → the reservation taking it, for the facility's units between two Tokyo dates (inclusive)."""
    return _taken(dbs, facility, start_date, end_date, now, Reservation)


def taken_by(dbs: Session, facility: Facility, start_date: date, end_date: date,
             now: datetime) -> dict[str, str | None]:
    """Slot key → the person (``sub``) taking it: what the availability grid needs, without loading whole
    reservations (a month of a busy facility is hundreds of them)."""
    return _taken(dbs, facility, start_date, end_date, now, Reservation.person_sub)


def _taken(dbs: Session, facility: Facility, start_date: date, end_date: date, now: datetime, what) -> dict:
    units = {u.id: u.slug for u in facility.units}
    if not units:
        return {}
    rows = dbs.execute(
        select(ReservationSlot.unit_id, ReservationSlot.starts_at, what)
        .join(Reservation, Reservation.id == ReservationSlot.reservation_id)
        .where(ReservationSlot.unit_id.in_(units), _live(now),
               ReservationSlot.starts_at >= jst(start_date, time(0, 0)),
               ReservationSlot.starts_at < jst(end_date + timedelta(days=1), time(0, 0)))).all()
    return {f"{units[unit_id]}/{starts_at.astimezone(TOKYO):%Y-%m-%d %H:%M}": value
            for unit_id, starts_at, value in rows}


def person_slot_starts(dbs: Session, person_sub: str, facility: Facility, now: datetime) -> list[datetime]:
    """Start times of the person's live slots at this facility (for the monthly cap)."""
    return list(dbs.scalars(
        select(ReservationSlot.starts_at)
        .join(Reservation, Reservation.id == ReservationSlot.reservation_id)
        .where(Reservation.person_sub == person_sub, Reservation.facility_id == facility.id, _live(now))))


def lock_person(dbs: Session, person_sub: str) -> None:
    """Serialise one person's bookings, so two tabs cannot both pass the monthly cap check. A no-op UPDATE
    rather than ``SELECT … FOR UPDATE``: it takes the row lock on PostgreSQL and, on SQLite (which ignores FOR
    UPDATE), begins the write transaction, so the reads that follow see every earlier booking."""
    dbs.execute(update(Resident).where(Resident.sub == person_sub).values(sub=Resident.sub),
                execution_options={"synchronize_session": False})


def lock_group(dbs: Session, group_id: int) -> None:
    """Serialise a registered group's lottery applications (its members apply from their own accounts), so two
    members cannot both pass the group's cap; taken after the person's lock, always in that order."""
    dbs.execute(update(BookingGroup).where(BookingGroup.id == group_id)
                .values(status=BookingGroup.status, updated_at=BookingGroup.updated_at),
                execution_options={"synchronize_session": False})


# --- taking and releasing ------------------------------------------------------------------------------------

def _release_expired_on(dbs: Session, unit_ids: list[int], starts: list[datetime], now: datetime) -> None:
    """Expire the run-out holds that sit on the wanted slots, so their rows no longer block the insert."""
    stale = (select(Reservation.id)
             .where(Reservation.status == "held", Reservation.hold_expires_at.is_not(None),
                    Reservation.hold_expires_at <= now,
                    exists().where(ReservationSlot.reservation_id == Reservation.id,
                                   ReservationSlot.active.is_(True),
                                   ReservationSlot.unit_id.in_(unit_ids),
                                   ReservationSlot.starts_at.in_(starts))))
    ids = list(dbs.scalars(stale))
    if ids:
        _expire(dbs, ids, now)


def _expire(dbs: Session, reservation_ids: list[int], now: datetime) -> None:
    dbs.execute(update(ReservationSlot).where(ReservationSlot.reservation_id.in_(reservation_ids))
                .values(active=False))
    dbs.execute(update(Reservation).where(Reservation.id.in_(reservation_ids), Reservation.status == "held")
                .values(status="expired", updated_at=now, lock_version=Reservation.lock_version + 1),
                execution_options={"synchronize_session": False})


def take(dbs: Session, facility: Facility, slots: Sequence[Slot], *, kind: str, status: str, now: datetime,
         fees: dict[str, int] | None = None, hold_expires_at: datetime | None = None, **fields) -> Reservation:
    """Create a reservation holding ``slots`` and commit; :class:`SlotsTaken` if any is taken.

    ``fields``: the other Reservation columns (resident_id, person_sub, is_resident, group_name, staff_id,
    note, …). ``fees``: slot key → fee; the reservation's fee is their sum.
    """
    try:
        reservation = insert(dbs, facility, slots, kind=kind, status=status, now=now, fees=fees,
                             hold_expires_at=hold_expires_at, **fields)
        dbs.commit()
    except IntegrityError:
        dbs.rollback()
        raise taken_error(dbs, facility, slots, now) from None
    return reservation


def insert(dbs: Session, facility: Facility, slots: Sequence[Slot], *, kind: str, status: str, now: datetime,
           fees: dict[str, int] | None = None, hold_expires_at: datetime | None = None, **fields) -> Reservation:
    """``take`` without the commit, for callers that write several reservations in one transaction (the
    draw); an ``IntegrityError`` from the flush means a slot is taken, and the caller must roll back."""
    if not slots:
        raise ValueError("a reservation needs at least one slot")
    units = {u.slug: u for u in facility.units}
    fees = fees or {}
    _release_expired_on(dbs, [units[s.unit_id].id for s in slots], [s.starts_at for s in slots], now)
    reservation = Reservation(municipality_id=facility.municipality_id, facility_id=facility.id, kind=kind,
                              status=status, hold_expires_at=hold_expires_at,
                              fee_amount=sum(fees.get(s.key, 0) for s in slots),
                              confirmed_at=now if status == "confirmed" else None, **fields)
    # Rows go in one canonical order, so two bookings of overlapping slots wait for each other instead of
    # deadlocking (each would hold one slot's index entry and wait for the other's).
    ordered = sorted(slots, key=lambda s: (units[s.unit_id].id, s.starts_at))
    reservation.slots = [ReservationSlot(unit_id=units[s.unit_id].id, starts_at=s.starts_at, ends_at=s.ends_at,
                                         fee=fees.get(s.key, 0), active=True) for s in ordered]
    dbs.add(reservation)
    dbs.flush()
    return reservation


def retake(dbs: Session, reservation: Reservation, now: datetime, hold_expires_at: datetime | None = None) -> None:
    """Give a reservation whose hold ran out its slots back, if nobody took them meanwhile (late payment,
    a resident taking them again after the hold); :class:`SlotsTaken` otherwise. ``hold_expires_at``: the new
    hold, set in the same transaction. Commits."""
    facility = reservation.facility
    by_id = {u.id: u.slug for u in facility.units}
    keys = [f"{by_id[r.unit_id]}/{r.starts_at.astimezone(TOKYO):%Y-%m-%d %H:%M}" for r in reservation.slots]
    try:
        if reservation.status == "held":
            # it still owns its rows: anyone taking them would first have expired it (bumping its version)
            if hold_expires_at is None:
                return
            reservation.hold_expires_at = hold_expires_at
            dbs.commit()
            return
        _release_expired_on(dbs, [r.unit_id for r in reservation.slots], [r.starts_at for r in reservation.slots],
                            now)
        # the bulk updates above bypass the identity map (and bump lock versions): reload before changing
        dbs.refresh(reservation)
        for row in reservation.slots:
            dbs.refresh(row)
            row.active = True
        reservation.status = "held"
        if hold_expires_at is not None:
            reservation.hold_expires_at = hold_expires_at
        dbs.flush()
        dbs.commit()
    except (IntegrityError, StaleDataError):
        dbs.rollback()
        raise SlotsTaken(keys) from None


def taken_error(dbs: Session, facility: Facility, slots: Sequence[Slot], now: datetime) -> SlotsTaken:
    busy = taken(dbs, facility, min(s.local_date for s in slots), max(s.local_date for s in slots), now)
    return SlotsTaken([s.key for s in slots if s.key in busy] or [s.key for s in slots])


def release(reservation: Reservation, status: str, now: datetime) -> None:
    """Let go of every slot (cancelled / expired); the caller commits."""
    if reservation.status not in TAKING:
        raise ValueError(f"reservation {reservation.id} is {reservation.status}, it holds nothing")
    reservation.status = status
    if status == "cancelled":
        reservation.cancelled_at = now
    for row in reservation.slots:
        row.active = False


def release_expired(dbs: Session, now: datetime, *, keep: Iterable[int] = ()) -> list[int]:
    """Expire every run-out hold (except ``keep``: e.g. holds with a konbini payment still in progress);
    returns their ids. The caller commits."""
    keep = set(keep)
    ids = [i for i in dbs.scalars(select(Reservation.id).where(
        Reservation.status == "held", Reservation.hold_expires_at.is_not(None),
        Reservation.hold_expires_at <= now)) if i not in keep]
    if ids:
        _expire(dbs, ids, now)
    return ids


def facility_with_units(dbs: Session, municipality_id: int, slug: str) -> Facility | None:
    return dbs.scalar(select(Facility).where(Facility.municipality_id == municipality_id, Facility.slug == slug)
                      .options(selectinload(Facility.units), selectinload(Facility.closures)))


def unit_by_slug(facility: Facility, slug: str) -> FacilityUnit | None:
    return next((u for u in facility.units if u.slug == slug), None)
