"""Facility administration for a municipality's admins: facility settings, bookable units, closures.

Plain arguments in, rows out; the caller (a view, a test) writes the audit entry and commits. Anything
refused raises :class:`Invalid` with Japanese errors shaped like the forms' (``href`` = the field's id).
A unit that ever had a reservation slot or is named in a lottery application is never deleted — it is
deactivated, so past bookings and published draw records keep pointing at it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.booking.models import (
    Facility,
    FacilityClosure,
    FacilityUnit,
    LotteryApplication,
    LotteryRound,
    ReservationSlot,
)
from portal.booking.services import date_range, facility_form as admin_form

UNIT_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


class Invalid(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors

    @classmethod
    def one(cls, href: str, message: str) -> Invalid:
        return cls([{"href": href, "message": message}])


# --- facilities ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FacilityRow:
    facility: Facility
    units: int
    active_units: int


def facility_rows(dbs: Session, municipality_id: int) -> list[FacilityRow]:
    counts = dict(dbs.execute(
        select(FacilityUnit.facility_id, func.count()).join(Facility)
        .where(Facility.municipality_id == municipality_id).group_by(FacilityUnit.facility_id)).all())
    active = dict(dbs.execute(
        select(FacilityUnit.facility_id, func.count()).join(Facility)
        .where(Facility.municipality_id == municipality_id, FacilityUnit.active.is_(True))
        .group_by(FacilityUnit.facility_id)).all())
    facilities = dbs.scalars(select(Facility).where(Facility.municipality_id == municipality_id)
                             .order_by(Facility.name_kana, Facility.name)).all()
    return [FacilityRow(f, counts.get(f.id, 0), active.get(f.id, 0)) for f in facilities]


def facility_of(dbs: Session, municipality_id: int, facility_id: int) -> Facility | None:
    """The facility only if it belongs to this municipality (anything else reads as "not found")."""
    return dbs.scalar(select(Facility).where(Facility.id == facility_id, Facility.municipality_id == municipality_id))


def save_facility(dbs: Session, municipality_id: int, values: dict,
                  facility: Facility | None = None) -> tuple[Facility, dict]:
    """Create (``facility=None``) or update a facility from the form's values.

    Returns the facility and what changed ({column: {"before", "after"}}; for a new one every column's value).
    """
    parsed = admin_form.parse(values)
    errors = list(parsed.errors)
    slug = unicodedata.normalize("NFKC", values.get("slug", "")).strip().lower()
    taken = dbs.scalar(select(Facility.id).where(Facility.municipality_id == municipality_id, Facility.slug == slug,
                                                 Facility.id != (facility.id if facility else -1)))
    if taken is not None:
        errors.insert(0, {"href": "#f-slug", "message": _("このURL用の名前は別の施設で使われています")})
    if errors:
        raise Invalid(errors)
    data = parsed.data
    if facility is None:
        facility = Facility(municipality_id=municipality_id, **data)
        dbs.add(facility)
        dbs.flush()
        return facility, data
    changes = {name: {"before": getattr(facility, name), "after": value}
               for name, value in data.items() if getattr(facility, name) != value}
    for name, change in changes.items():
        setattr(facility, name, change["after"])
    dbs.flush()
    return facility, changes


# --- units -----------------------------------------------------------------------------------------------

def unit_of(facility: Facility, unit_id: int) -> FacilityUnit | None:
    return next((u for u in facility.units if u.id == unit_id), None)


def _unit_fields(name: str, name_en: str, capacity: str, href: str) -> tuple[str, str, int | None]:
    name, name_en = name.strip(), name_en.strip()
    errors = []
    if not name or len(name) > 200:
        errors.append({"href": f"#{href}-name", "message": _("区画の名前を200文字以内で入力してください")})
    if len(name_en) > 200:
        errors.append({"href": f"#{href}-name_en", "message": _("区画の名前（英語）は200文字以内で入力してください")})
    text = unicodedata.normalize("NFKC", capacity).strip()
    if text and not (text.isdigit() and 1 <= int(text) <= 100_000):
        errors.append({"href": f"#{href}-capacity",
                       "message": _("区画の定員は1以上の整数で入力するか、空欄にしてください")})
    if errors:
        raise Invalid(errors)
    return name, name_en, int(text) if text else None


def add_unit(dbs: Session, facility: Facility, slug: str, name: str, name_en: str = "",
             capacity: str = "") -> FacilityUnit:
    slug = unicodedata.normalize("NFKC", slug).strip().lower()
    errors = []
    if not UNIT_SLUG.match(slug):
        errors.append({"href": "#f-unit-slug",
                       "message": _("区画の記号は半角英小文字・数字・「-」で入力してください（例：court-a）")})
    elif any(u.slug == slug for u in facility.units):
        errors.append({"href": "#f-unit-slug", "message": _("この記号の区画はすでにあります")})
    try:
        name, name_en, number = _unit_fields(name, name_en, capacity, "f-unit")
    except Invalid as invalid:
        errors.extend(invalid.errors)
    if errors:
        raise Invalid(errors)
    unit = FacilityUnit(slug=slug, name=name, name_en=name_en, capacity=number, active=True,
                        sort_order=max((u.sort_order for u in facility.units), default=-1) + 1)
    facility.units.append(unit)
    dbs.flush()
    return unit


def update_unit(unit: FacilityUnit, name: str, name_en: str = "", capacity: str = "") -> dict:
    """Rename a unit or change its capacity; its ``slug`` stays, as lottery preferences and draw records name it."""
    name, name_en, number = _unit_fields(name, name_en, capacity, f"unit-{unit.id}")
    changes = {k: {"before": getattr(unit, k), "after": v}
               for k, v in (("name", name), ("name_en", name_en), ("capacity", number)) if getattr(unit, k) != v}
    for key, change in changes.items():
        setattr(unit, key, change["after"])
    return changes


def move_unit(facility: Facility, unit: FacilityUnit, direction: str) -> bool:
    """One place up or down in the order residents see; False when it is already at that end."""
    units = list(facility.units)
    index = units.index(unit)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if other is None or not 0 <= other < len(units):
        return False
    units[index], units[other] = units[other], units[index]
    for position, each in enumerate(units):
        each.sort_order = position
    return True


def upcoming_slot_count(dbs: Session, unit_ids: list[int], since: datetime,
                        until: datetime | None = None) -> int:
    """Active reservation slots of these units starting from ``since`` (and before ``until``)."""
    if not unit_ids:
        return 0
    query = select(func.count()).select_from(ReservationSlot).where(
        ReservationSlot.unit_id.in_(unit_ids), ReservationSlot.active.is_(True), ReservationSlot.starts_at >= since)
    if until is not None:
        query = query.where(ReservationSlot.starts_at < until)
    return dbs.scalar(query) or 0


def set_unit_active(dbs: Session, unit: FacilityUnit, active: bool, now: datetime) -> int:
    """Take a unit out of (or back into) booking. Returns how many booked slots from now on it still has:
    deactivating cancels nothing, staff contact those residents."""
    unit.active = active
    return upcoming_slot_count(dbs, [unit.id], now)


def units_in_use(dbs: Session, facility: Facility) -> set[int]:
    """Units that must never be deleted: they have reservation slots or appear in lottery applications."""
    ids = {u.id for u in facility.units}
    used = set(dbs.scalars(select(ReservationSlot.unit_id).where(ReservationSlot.unit_id.in_(ids)).distinct()))
    preferences = dbs.scalars(select(LotteryApplication.preferences).join(LotteryRound)
                              .where(LotteryRound.facility_id == facility.id))
    named = {key.split("/", 1)[0] for prefs in preferences for key in prefs or []}
    return used | {u.id for u in facility.units if u.slug in named}


def delete_unit(dbs: Session, facility: Facility, unit: FacilityUnit) -> None:
    if unit.id in units_in_use(dbs, facility):
        raise Invalid.one(f"#unit-{unit.id}", _("「%(name)s」には予約や抽選の申込の記録があるため削除できません。"
                                                 "予約を受け付けないようにするには「無効にする」を使ってください。",
                                                 name=unit.name))
    facility.units.remove(unit)
    dbs.delete(unit)
    dbs.flush()


# --- closures --------------------------------------------------------------------------------------------

def closure_of(facility: Facility, closure_id: int) -> FacilityClosure | None:
    return next((c for c in facility.closures if c.id == closure_id), None)


def parse_closure(first_day: str, last_day: str, reason: str, today: date) -> tuple[date, date, str]:
    """The closure's first and last day (inclusive; a blank last day: one day) and its reason."""
    errors: list[dict] = []
    first, last = date_range.parse_range(first_day, last_day, today, errors)
    reason = reason.strip()
    if not reason or len(reason) > 200:
        errors.append({"href": "#f-reason",
                       "message": _("休館の理由（住民に表示されます）を200文字以内で入力してください")})
    if errors:
        raise Invalid(errors)
    return first, last, reason


def add_closure(dbs: Session, facility: Facility, first: date, last: date, reason: str) -> FacilityClosure:
    """Only for days without residents' bookings: closing over bookings cancels and refunds them, which is
    the staff closing flow's work (``staff_service.close``)."""
    closure = FacilityClosure(first_day=first, last_day=last, reason=reason)
    facility.closures.append(closure)
    dbs.flush()
    return closure


def remove_closure(dbs: Session, facility: Facility, closure: FacilityClosure, today: date) -> None:
    """Only closures that have not begun: a past closure is the record of why slots were shut."""
    if closure.first_day <= today:
        raise Invalid.one(f"#closure-{closure.id}", _("始まった休館日や過ぎた休館日は削除できません"))
    facility.closures.remove(closure)
    dbs.delete(closure)
    dbs.flush()
