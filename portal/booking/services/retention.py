"""Lottery applications hold who applied (the resident, their sub, the result email): they are deleted
``retention_submissions_years`` after the round was drawn. The round's published record keeps the draw
verifiable: it holds the pseudonymous inputs and the trace, never a person.

An anonymised submission's reservation keeps its slots (the facility's use statistics), not who booked them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from portal.audit.service import SYSTEM, record
from portal.booking.models import LotteryApplication, LotteryRound, Reservation
from portal.retention.policy import years_before
from portal.retention.purge import Purged, Report
from portal.tenancy.models import Municipality


def purge_lottery_applications(session, report: Report, municipality: Municipality, now: datetime) -> None:
    years = municipality.retention_submissions_years
    cutoff = years_before(now, years)
    rounds = session.scalars(select(LotteryRound.id).where(
        LotteryRound.municipality_id == municipality.id, LotteryRound.drawn_at.is_not(None),
        LotteryRound.drawn_at < cutoff).order_by(LotteryRound.id)).all()
    if not rounds:
        return
    of_rounds = LotteryApplication.round_id.in_(rounds)
    count = session.scalar(select(func.count()).select_from(LotteryApplication).where(of_rounds))
    if not count:
        return
    rule = f"submissions_years={years} (municipality)"
    session.execute(delete(LotteryApplication).where(of_rounds))
    report.items.append(Purged(municipality.slug, "", "lottery_applications", count,
                               f"{count} lottery application(s)", rule, cutoff, 0))
    record(session, SYSTEM, "retention.lottery_applications_deleted", "lottery_round", ",".join(map(str, rounds)),
           municipality_id=municipality.id,
           detail={"rule": rule, "count": count, "rounds": list(rounds), "drawn_before": cutoff.isoformat(),
                   "at": now.isoformat()})


def anonymise_reservations(session, submission) -> None:
    session.execute(update(Reservation).where(Reservation.submission_id == submission.id)
                    .values(resident_id=None, person_sub=None, contact_name="", contact_phone="", note="",
                            group_name="", group_id=None).execution_options(synchronize_session=False))
