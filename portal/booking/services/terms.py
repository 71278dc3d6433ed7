"""What a resident agrees to when booking, told before they agree and before they pay: the facility's 利用規則
and its cancellation terms as the dates they fall on for this booking (「12月1日（火）までは無料…」)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from portal.booking.domain.calendar import local_date
from portal.booking.domain.pricing import cancellation_dates, cancellation_terms
from portal.booking.presentation.formatting import weekday
from portal.booking.services.settings import settings_of
from portal.i18n import current_lang


@dataclass(frozen=True)
class BookingTerms:
    usage_rules: str
    #: the cancellation terms, one sentence each, in the current language
    cancellation: list[str]
    #: set when, at the moment asked about, cancelling would already cost a fee or is no longer possible
    warning: str = ""


def day_label(day: date) -> str:
    """「12月1日（火）」 / "Tue 1 Dec"."""
    if current_lang() == "en":
        return f"{weekday(day)} {day:%-d %b}"
    return f"{day.month}月{day.day}日（{weekday(day)}）"


def booking_terms(reservation, now: datetime) -> BookingTerms:
    facility = reservation.facility
    rules = (facility.usage_rules_en if current_lang() == "en" and facility.usage_rules_en else facility.usage_rules)
    rows = sorted((row for row in reservation.slots if row.active), key=lambda row: row.starts_at)
    if not rows:
        return BookingTerms(rules, [])
    policy = settings_of(facility).cancellation
    late_fee = sum(policy.late_fee(row.fee) for row in rows)
    return BookingTerms(rules, _sentences(policy, rows, late_fee), _warning(policy, rows, now))


def _sentences(policy, rows, late_fee: int) -> list[str]:
    from portal.templating import yen

    dates = cancellation_dates(policy, rows[0].starts_at)
    no_cancel = dates.no_cancel_from
    # A late period that is empty (no fee, or refused from the very day the free period ends) is not one.
    late = late_fee > 0 and (no_cancel is None or no_cancel > dates.late_from)
    found = []
    if late:
        found.append(_("%(day)sまでは無料で取り消せます。", day=day_label(dates.free_until)))
        if policy.late_fee_percent:
            found.append(_("%(day)sからは使用料の%(percent)s%%（%(amount)s）の取消料がかかります。",
                           day=day_label(dates.late_from), percent=policy.late_fee_percent, amount=yen(late_fee)))
        else:
            found.append(_("%(day)sからは取消料%(amount)sがかかります。", day=day_label(dates.late_from),
                           amount=yen(late_fee)))
    elif no_cancel is not None:
        found.append(_("%(day)sまでは無料で取り消せます。", day=day_label(no_cancel - timedelta(days=1))))
    else:
        found.append(_("利用開始まで無料で取り消せます。"))
    if no_cancel is not None:
        found.append(_("%(day)sからは取り消せません。", day=day_label(no_cancel)))
    if len({local_date(row.starts_at) for row in rows}) > 1:
        found.append(_("期限は枠ごとにその利用日から数えます。上の日付は最初の利用日（%(day)s）のものです。",
                       day=day_label(local_date(rows[0].starts_at))))
    return found


def _warning(policy, rows, now: datetime) -> str:
    from portal.templating import yen

    terms = [cancellation_terms(now, row.starts_at, policy, row.fee) for row in rows]
    if not all(t.allowed for t in terms):
        return _("この予約は、すでに取り消せない期間に入っています。お支払いのあとは取り消しも返金もできません。")
    fee = sum(t.fee for t in terms)
    if fee:
        return _("この予約は、すでに取消料がかかる期間に入っています。お支払いのあとに取り消すと、"
                 "取消料%(fee)sを差し引いた%(refund)sの返金になります。",
                 fee=yen(fee), refund=yen(sum(row.fee for row in rows) - fee))
    return ""
