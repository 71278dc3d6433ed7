"""The booking helpers every page's templates may call: the booking pages' own, and the booking kind's partials
on the procedure, my page and back-office pages."""
from __future__ import annotations

from flask import Flask

from portal import db
from portal.booking.presentation.formatting import (
    MONTH_MARKS,
    bands_of,
    booking_title,
    deadline,
    long_date,
    moment,
    month_day,
    month_weeks,
    outcome_label,
    reservation_status,
    short_day,
    slot_key_label,
    slot_row_label,
    weekday,
    weekdays,
)
from portal.booking.presentation.labels import (
    APPLICATION_STATUS_LABELS,
    GROUP_STATUS_LABELS,
    RESERVATION_STATUS_LABELS,
    ROUND_STATUS_LABELS,
)
from portal.booking.services import booking as service
from portal.booking.services.terms import booking_terms
from portal.clock import now


def hold_state(reservation) -> str:
    """live | lapsed | taken | cancelled (``service.hold_state``), for the draft's pages."""
    return service.hold_state(db.session(), reservation, now())


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        hold_state=hold_state,
        booking_terms=lambda reservation: booking_terms(reservation, now()),
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
