"""The lottery as staff see it: a facility's rounds, a round's applications with the real name beside the
pseudonym the public record shows, and the applications with their results as CSV (UTF-8 with BOM, CRLF)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import excel_csv
from portal.backoffice.common import csv_cell
from portal.booking.models import Facility, LotteryApplication, LotteryRound
from portal.booking.presentation.formatting import outcome_label
from portal.booking.presentation.labels import APPLICATION_STATUS_LABELS, RESERVATION_STATUS_LABELS
from portal.booking.services.lottery import Month
from portal.booking.services.settings import settings_of
from portal.booking.services.staff import key_label
from portal.clock import TOKYO
from portal.identity.models import Resident


@dataclass(frozen=True)
class RoundRow:
    round: LotteryRound
    applications: int
    won: int

    @property
    def month(self) -> Month:
        return Month(self.round.year, self.round.month)


def rounds(dbs: Session, facility: Facility) -> list[RoundRow]:
    """Newest month first; withdrawn applications are not counted."""
    counts = dict(dbs.execute(
        select(LotteryApplication.round_id, func.count()).join(LotteryRound)
        .where(LotteryRound.facility_id == facility.id, LotteryApplication.status != "withdrawn")
        .group_by(LotteryApplication.round_id)).all())
    won = dict(dbs.execute(
        select(LotteryApplication.round_id, func.count()).join(LotteryRound)
        .where(LotteryRound.facility_id == facility.id, LotteryApplication.status.in_(("won", "declined")))
        .group_by(LotteryApplication.round_id)).all())
    found = dbs.scalars(select(LotteryRound).where(LotteryRound.facility_id == facility.id)
                        .order_by(LotteryRound.year.desc(), LotteryRound.month.desc()))
    return [RoundRow(r, counts.get(r.id, 0), won.get(r.id, 0)) for r in found]


def round_of(dbs: Session, facility: Facility, month: Month) -> LotteryRound | None:
    return dbs.scalar(select(LotteryRound).where(LotteryRound.facility_id == facility.id,
                                                 LotteryRound.year == month.year, LotteryRound.month == month.month))


def seed_published(round_: LotteryRound) -> bool:
    """The seed stays secret until the draw, for staff as for everyone (its hash is public from the close)."""
    return round_.status in ("drawn", "finished")


@dataclass(frozen=True)
class ApplicationRow:
    application: LotteryApplication
    pseudonym: str
    name: str
    #: the won slot's reservation status (held until confirmed and paid), "" without one
    reservation_status: str


def applications(dbs: Session, round_: LotteryRound) -> list[ApplicationRow]:
    rows = dbs.execute(select(LotteryApplication, Resident)
                       .join(Resident, Resident.id == LotteryApplication.resident_id)
                       .where(LotteryApplication.round_id == round_.id).order_by(LotteryApplication.id)).all()
    return [ApplicationRow(a, a.person_key, (r.claims or {}).get("name", ""),
                           a.reservation.status if a.reservation is not None else "") for a, r in rows]


def outcome_text(outcome: str) -> str:
    """The draw's outcome, and what became of a win afterwards."""
    later = {"declined": _("当選後に辞退"), "unconfirmed": _("当選（期限までに確定されず取消）")}
    return later.get(outcome) or (outcome_label(outcome) if outcome else "")


def preference_columns(facility: Facility, rows: list[ApplicationRow]) -> int:
    lottery = settings_of(facility).lottery
    return max([lottery.policy.max_preferences if lottery else 1] + [len(r.application.preferences) for r in rows])


def applications_csv(facility: Facility, rows: list[ApplicationRow]) -> Iterator[str]:
    max_preferences = preference_columns(facility, rows)
    header = (["申込番号", "仮名ID", "氏名", "市内・市外", "団体名", "メールアドレス"]
              + [f"第{i}希望" for i in range(1, max_preferences + 1)]
              + ["状況", "結果", "当選した枠", "当選した希望順位", "予約の状況", "申込日時"])
    return excel_csv.chunks(header, _application_cells(facility, rows, max_preferences))


def _application_cells(facility: Facility, rows: list[ApplicationRow], max_preferences: int) -> Iterator[list[str]]:
    for row in rows:
        a = row.application
        preferences = [key_label(facility, k) for k in a.preferences]
        preferences += [""] * (max_preferences - len(preferences))
        yield [csv_cell(v) for v in [
            a.id, row.pseudonym, row.name, "市内" if a.is_resident else "市外", a.group_name, a.contact_email,
            *preferences,
            str(APPLICATION_STATUS_LABELS.get(a.status, a.status)), outcome_text(a.outcome),
            key_label(facility, a.won_slot_key) if a.won_slot_key else "", a.won_rank or "",
            str(RESERVATION_STATUS_LABELS.get(row.reservation_status, row.reservation_status)),
            a.created_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")]]
