"""Template helpers for the booking pages (and the booking summary on the procedure pages)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask
from flask_babel import gettext as _

from portal.booking.calendar import TOKYO
from portal.booking.labels import (
    APPLICATION_STATUS_LABELS,
    GROUP_STATUS_LABELS,
    RESERVATION_STATUS_LABELS,
    ROUND_STATUS_LABELS,
)
from portal.booking.terms import booking_terms
from portal.clock import now as clock_now
from portal.i18n import current_lang

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_MARKS = {"free": "○", "lottery": "△", "booked": "×", "closed": "休", "not_open": "－", "past": "－"}


def weekday(day: date) -> str:
    return WEEKDAYS_EN[day.weekday()] if current_lang() == "en" else WEEKDAYS_JA[day.weekday()]


def weekdays() -> list[str]:
    return list(WEEKDAYS_EN) if current_lang() == "en" else list(WEEKDAYS_JA)


def bands_of(days) -> list[str]:
    """Every time band that occurs in the week, in order (a Saturday may have fewer)."""
    seen: dict[str, None] = {}
    for day in days:
        for band, _cells in day.bands():
            seen.setdefault(band, None)
    return sorted(seen)


def month_weeks(days, leading: int) -> list[list]:
    cells = [None] * leading + list(days)
    cells += [None] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


def moment(value: datetime) -> str:
    """A lottery or hold moment as residents read it: 「12月12日（土）10:00」."""
    local = value.astimezone(TOKYO)
    if current_lang() == "en":
        return f"{weekday(local.date())} {local:%-d %b %H:%M}"
    return f"{local:%-m月%-d日}（{weekday(local.date())}）{local:%H:%M}"


def long_date(day: date) -> str:
    """「2026年12月9日（水）」 / "Wed 9 Dec 2026"."""
    if current_lang() == "en":
        return f"{weekday(day)} {day:%-d %b %Y}"
    return f"{day:%Y年%-m月%-d日}（{weekday(day)}）"


def deadline(value: datetime) -> str:
    """An exclusive end instant; midnight reads as 24:00 of the day before (「12月10日（木）24:00」), which is
    what "until the 10th" means — 「12月11日 0:00」 invites a day's misunderstanding."""
    local = value.astimezone(TOKYO)
    if local.hour or local.minute:
        return moment(value)
    day = (local - timedelta(days=1)).date()
    if current_lang() == "en":
        return f"{weekday(day)} {day:%-d %b}, end of day"
    return f"{day:%-m月%-d日}（{weekday(day)}）24:00"


def month_day(day: date) -> str:
    """「12月8日（火）」 / "Tue 8 Dec": the day of a booking in an email's subject."""
    if current_lang() == "en":
        return f"{weekday(day)} {day:%-d %b}"
    return f"{day:%-m月%-d日}（{weekday(day)}）"


def booking_title(facility, rows) -> str:
    """What and when in a few words, for an email's subject: 「中央公民館 第1会議室 12月8日（火）」, with 「ほか」 when
    the slots run over several days."""
    lang = current_lang()
    units = " ".join(dict.fromkeys(row.unit.display_name(lang) for row in rows))
    days = sorted({row.starts_at.astimezone(TOKYO).date() for row in rows})
    if not days:
        return facility.display_name(lang)
    when = month_day(days[0]) if len(days) == 1 else _("%(day)sほか", day=month_day(days[0]))
    if lang == "en":
        return f"{facility.display_name(lang)}, {units}, {when}"
    return f"{facility.display_name(lang)} {units} {when}"


def short_day(day: date) -> str:
    """「12/8（火）」 / "Tue 8 Dec"."""
    if current_lang() == "en":
        return f"{weekday(day)} {day:%-d %b}"
    return f"{day:%-m/%-d}（{weekday(day)}）"


def slot_row_label(row) -> str:
    """「2026/12/8（火）09:00–11:00」 / "Tue 8 Dec 2026 09:00–11:00"."""
    return slot_span(row.starts_at, row.ends_at)


def slot_span(starts_at: datetime, ends_at: datetime) -> str:
    start, end = starts_at.astimezone(TOKYO), ends_at.astimezone(TOKYO)
    if current_lang() == "en":
        return f"{weekday(start.date())} {start:%-d %b %Y} {start:%H:%M}–{end:%H:%M}"
    return f"{start:%Y/%-m/%-d}（{weekday(start.date())}）{start:%H:%M}–{end:%H:%M}"


def slot_key_label(facility, key: str) -> str:
    """A stored slot key ("court-a/2027-02-06 09:00") as residents read it: 「2027年2月6日（土）09:00〜 A面」."""
    unit_slug, _sep, start = key.partition("/")
    unit = next((u for u in facility.units if u.slug == unit_slug), None)
    name = unit.display_name(current_lang()) if unit else unit_slug
    try:
        starts = datetime.strptime(start, "%Y-%m-%d %H:%M")
    except ValueError:
        return key
    return f"{long_date(starts.date())}{starts:%H:%M}〜 {name}" if current_lang() == "ja" \
        else f"{long_date(starts.date())} from {starts:%H:%M}, {name}"


def reservation_status(reservation, now: datetime) -> str:
    """A held reservation whose hold has run out reads as expired even before the job has run."""
    if reservation.status == "held" and reservation.hold_expires_at is not None and reservation.hold_expires_at <= now:
        return "expired"
    return reservation.status


def outcome_label(outcome: str) -> str:
    return {"won": _("当選"), "all_taken": _("落選（希望枠が埋まっていた）"), "person_cap": _("落選（当選数の上限）"),
            "group_cap": _("落選（団体の当選数の上限）")}.get(outcome, outcome)


def reservation_for(draft=None, submission=None):
    """The reservation behind a booking procedure's draft or submission (None for other procedures)."""
    from portal import db
    from portal.booking import service

    if submission is not None and submission.definition.kind == "booking":
        return service.for_submission(db.session(), submission)
    if draft is not None and draft.definition.kind == "booking":
        return service.for_draft(db.session(), draft)
    return None


def hold_state(reservation) -> str:
    """live | lapsed | taken | cancelled (``service.hold_state``), for the draft's pages."""
    from portal import db
    from portal.booking import service
    from portal.clock import now

    return service.hold_state(db.session(), reservation, now())


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        reservation_for=reservation_for, hold_state=hold_state,
        booking_terms=lambda reservation: booking_terms(reservation, clock_now()),
        weekday=weekday, weekdays=weekdays, bands_of=bands_of, month_weeks=month_weeks,
        month_mark=lambda mark: MONTH_MARKS.get(mark, ""), month_marks=MONTH_MARKS,
        slot_row_label=slot_row_label, moment=moment,
        deadline=deadline, long_date=long_date, short_day=short_day, slot_key_label=slot_key_label,
        month_day=month_day, booking_title=booking_title,
        outcome_label=outcome_label,
        round_status_label=lambda s: str(ROUND_STATUS_LABELS.get(s, s)),
        application_status_label=lambda s: str(APPLICATION_STATUS_LABELS.get(s, s)),
        group_status_label=lambda s: str(GROUP_STATUS_LABELS.get(s, s)),
        reservation_status_label=lambda r, now: str(RESERVATION_STATUS_LABELS[reservation_status(r, now)]),
        reservation_tag=lambda r, now: {"held": "waiting_payment", "confirmed": "completed"}.get(
            reservation_status(r, now), "withdrawn"),
    )
