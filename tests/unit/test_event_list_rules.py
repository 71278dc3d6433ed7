"""The list's pure parts: filters from hostile query strings, month arithmetic at the calendar's edges, the fee
text, the card's seat badge for single, choice and series events, and the month grid."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.events import listing
from portal.events.models import Event, EventSession

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
START = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)


def event(capacities=(10,), taken=(0,), **fields) -> Event:
    defaults = {"participant_types": [{"key": "adult", "price": 0}], "session_mode": "single", "waitlist": True,
                "opens_at": NOW - timedelta(days=1), "closes_at": START - timedelta(days=1),
                "allocation": "first_come", "title": "講座", "category": "course"}
    e = Event(**{**defaults, **fields})
    e.sessions = [EventSession(starts_at=START + timedelta(days=7 * i), ends_at=START + timedelta(days=7 * i, hours=2),
                               capacity=c, taken=t, status="open") for i, (c, t) in enumerate(zip(capacities, taken,
                                                                                                   strict=True))]
    return e


def test_filters_keep_known_values_and_drop_the_rest():
    f = listing.parse_filters({"category": "ict", "target": "elderly", "fee": "free", "state": "lottery",
                               "from": "2026-12-01", "to": "2026-12-31", "page": "3"})
    assert (f.category, f.target, f.fee, f.state, f.page) == ("ict", "elderly", "free", "lottery", 3)
    assert (f.date_from, f.date_to) == (date(2026, 12, 1), date(2026, 12, 31))
    hostile = listing.parse_filters({"category": "' OR 1=1", "target": "x", "fee": "0", "state": "\x00",
                                     "from": "0001-01-01", "to": "9999-12-31", "page": "-5"})
    assert hostile == listing.Filters()
    assert not hostile.active
    assert listing.parse_filters({"page": "99999999999999999999"}).page == 1


def test_a_range_given_backwards_is_turned_round():
    f = listing.parse_filters({"from": "2026-12-31", "to": "2026-12-01"})
    assert (f.date_from, f.date_to) == (date(2026, 12, 1), date(2026, 12, 31))


def test_filter_args_round_trip_and_drop_empty_values():
    f = listing.parse_filters({"category": "ict", "from": "2026-12-01", "page": "2"})
    assert f.args() == {"category": "ict", "from": "2026-12-01", "page": "2"}
    assert f.args(page=1, date_from=None) == {"category": "ict"}
    assert listing.parse_filters(f.args()) == f


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12", date(2026, 12, 1)), ("2027-1", date(2027, 1, 1)), ("0001-01", date(2026, 12, 1)),
    ("9999-12", date(2026, 12, 1)), ("garbage", date(2026, 12, 1)), (None, date(2026, 12, 1)),
])
def test_calendar_month(text, expected):
    assert listing.parse_calendar_month(text, date(2026, 12, 2)) == expected


def test_months_stop_at_the_calendar_edges():
    assert listing.add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert listing.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert listing.add_months(date(2199, 12, 1), 1) is None
    assert listing.add_months(date(1900, 1, 1), -1) is None


def test_fee_text():
    def yen(n):
        return f"{n:,}円"

    assert listing.fee_text(event(), yen) == "無料"
    assert listing.fee_text(event(participant_types=[{"key": "a", "price": 1200}]), yen) == "1,200円"
    two = [{"key": "a", "price": 1200}, {"key": "c", "price": 600}]
    assert listing.fee_text(event(participant_types=two), yen) == "600円〜"
    with_free = [{"key": "a", "price": 1200}, {"key": "baby", "price": 0}]
    assert listing.fee_text(event(participant_types=with_free), yen) == "1,200円〜"
    assert listing.is_free(event()) and not listing.is_free(event(participant_types=two))


def test_window_state():
    e = event()
    assert listing.window_state(e, NOW - timedelta(days=2)) == "upcoming"
    assert listing.window_state(e, NOW) == "open"
    assert listing.window_state(e, e.closes_at) == "closed"


@pytest.mark.parametrize(("capacity", "taken", "waitlist", "badge"), [
    (10, 0, True, "available"), (10, 7, True, "available"), (10, 8, True, "few_left"),
    (100, 80, True, "few_left"), (100, 79, True, "available"), (10, 10, True, "full_waitlist"),
    (10, 10, False, "full"),
])
def test_seat_badge_of_one_session(capacity, taken, waitlist, badge):
    assert listing.seat_badge(event((capacity,), (taken,), waitlist=waitlist), NOW) == badge


def test_a_choice_shows_its_best_date_and_a_series_its_worst_session():
    assert listing.seat_badge(event((10, 10), (10, 0), session_mode="choice"), NOW) == "available"
    assert listing.seat_badge(event((10, 10), (10, 0), session_mode="series"), NOW) == "full_waitlist"


def test_no_waiting_list_once_the_window_closed_and_no_badge_when_all_is_over():
    e = event((10,), (10,))
    assert listing.seat_badge(e, e.closes_at) == "full"
    assert listing.seat_badge(e, START + timedelta(days=1)) is None


def test_dates_text_for_single_series_and_choice():
    assert listing.dates_text(event(), "ja") == "12月20日（日） 10:00〜12:00"
    assert listing.dates_text(event((5, 5, 5), (0, 0, 0), session_mode="series"), "ja") == \
        "全3回 12月20日（日）〜1月3日（日）"
    assert listing.dates_text(event((5, 5, 5), (0, 0, 0), session_mode="series"), "ja", 2026) == \
        "全3回 2026年12月20日（日）〜2027年1月3日（日）"
    assert listing.dates_text(event(), "en") == "Sun 20 Dec 10:00–12:00"


def test_month_grid_is_monday_first_with_the_count_of_each_day():
    e = event((5, 5), (0, 0), session_mode="series")
    counts = listing.day_counts([e, event()], date(2026, 12, 1), date(2026, 12, 31))
    assert counts == {date(2026, 12, 20): 2, date(2026, 12, 27): 1}
    weeks = listing.month_grid(date(2026, 12, 1), counts)
    assert all(len(w) == 7 for w in weeks)
    assert weeks[0][0] is None and weeks[0][1].day == date(2026, 12, 1)     # 1 December 2026 is a Tuesday
    days = {d.day: d.count for w in weeks for d in w if d}
    assert len(days) == 31 and days[date(2026, 12, 20)] == 2 and days[date(2026, 12, 21)] == 0
    last_month = [d for w in listing.month_grid(date(2199, 12, 1), {}) for d in w if d]
    assert len(last_month) == 31 and last_month[-1].day == date(2199, 12, 31)
