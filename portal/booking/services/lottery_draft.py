"""The slots a resident has picked for one month's lottery before applying, kept server-side: each pick is a
page of its own (the month's days, then a day's slots), so a phone never loads every slot of the month."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.booking.models import Facility, LotteryPreferenceDraft
from portal.booking.services.lottery import Month
from portal.identity.models import Resident


def _find(dbs: Session, facility: Facility, resident: Resident, month: Month) -> LotteryPreferenceDraft | None:
    return dbs.scalar(select(LotteryPreferenceDraft).where(
        LotteryPreferenceDraft.resident_id == resident.id, LotteryPreferenceDraft.facility_id == facility.id,
        LotteryPreferenceDraft.year == month.year, LotteryPreferenceDraft.month == month.month))


def preferences(dbs: Session, facility: Facility, resident: Resident, month: Month) -> list[str]:
    found = _find(dbs, facility, resident, month)
    return list(found.preferences) if found else []


def choose(dbs: Session, facility: Facility, resident: Resident, month: Month, rank: int, key: str,
           max_preferences: int) -> list[str]:
    """Put ``key`` at ``rank`` (1-based): a new last rank, or in place of the slot there. A slot chosen at
    another rank moves here, so no slot is ever at two ranks. Commits; returns the preferences."""
    chosen = preferences(dbs, facility, resident, month)
    if not 1 <= rank <= min(len(chosen) + 1, max_preferences):
        raise ValueError("rank out of range")
    if key in chosen:
        chosen[chosen.index(key)] = ""
    if rank > len(chosen):
        chosen.append(key)
    else:
        chosen[rank - 1] = key
    return _store(dbs, facility, resident, month, [k for k in chosen if k])


def remove(dbs: Session, facility: Facility, resident: Resident, month: Month, rank: int) -> list[str]:
    """Take the slot at ``rank`` out; the ones after it move up a rank. Commits."""
    chosen = preferences(dbs, facility, resident, month)
    if 1 <= rank <= len(chosen):
        del chosen[rank - 1]
    return _store(dbs, facility, resident, month, chosen)


def clear(dbs: Session, facility: Facility, resident: Resident, month: Month) -> None:
    """Once applied, the picks are the application's; the caller commits."""
    found = _find(dbs, facility, resident, month)
    if found is not None:
        dbs.delete(found)


def _store(dbs: Session, facility: Facility, resident: Resident, month: Month, chosen: list[str]) -> list[str]:
    found = _find(dbs, facility, resident, month)
    if found is None:
        dbs.add(LotteryPreferenceDraft(municipality_id=facility.municipality_id, facility_id=facility.id,
                                       resident_id=resident.id, year=month.year, month=month.month,
                                       preferences=chosen))
    else:
        found.preferences = chosen
    try:
        dbs.commit()
    except IntegrityError:  # the same resident's other tab made the row a moment ago: write over it
        dbs.rollback()
        _find(dbs, facility, resident, month).preferences = chosen
        dbs.commit()
    return chosen
