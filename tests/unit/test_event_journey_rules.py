"""The journey's plain rules: whose birth dates a rule on answers reads, the party said in words, the payment
deadline never past the start, the application window."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.events import applying
from portal.events.models import Event, EventSession

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
PAID = [{"key": "adult", "label": "大人", "label_en": "Adult", "price": 1200},
        {"key": "child", "label": "子ども", "label_en": "Child", "price": 600}]


def event(**fields) -> Event:
    values = {"title": "親子クッキング", "title_en": "Family cooking", "participant_types": PAID, "max_party": 3,
              "opens_at": NOW - timedelta(days=1), "closes_at": NOW + timedelta(days=10), "pay_within_hours": 72,
              **fields}
    return Event(**values)


def test_a_rule_on_child_birth_date_reads_every_numbered_child():
    pattern = applying._numbered("child_birth_date")
    assert [k for k in ("child_birth_date", "child2_birth_date", "child3_birth_date", "child_name",
                        "childbirth_date", "parent_birth_date") if pattern.match(k)] == \
        ["child_birth_date", "child2_birth_date", "child3_birth_date"]


def test_the_party_in_words_in_the_events_order_of_types():
    e = event()
    assert applying.party_text(e, {"child": 2, "adult": 1}, "ja") == "大人1人・子ども2人"
    assert applying.party_text(e, {"child": 2, "adult": 1}, "en") == "Adult 1, Child 2"
    assert applying.party_text(e, {"adult": 1, "child": 0}, "ja") == "大人1人"


def test_the_fee_lines_name_each_priced_type():
    assert applying.fee_items(event(), {"adult": 1, "child": 2}, "ja") == [
        ("親子クッキング 大人 1,200円 × 1人", 1200), ("親子クッキング 子ども 600円 × 2人", 1200)]
    free = event(participant_types=[{"key": "adult", "label": "大人", "price": 0}])
    assert applying.fee_items(free, {"adult": 2}, "ja") == []


def test_the_payment_deadline_is_never_past_the_first_session():
    soon = EventSession(starts_at=NOW + timedelta(hours=30), ends_at=NOW + timedelta(hours=32), capacity=5)
    later = EventSession(starts_at=NOW + timedelta(days=20), ends_at=NOW + timedelta(days=20, hours=2), capacity=5)
    assert applying.pay_deadline(event(), [later], NOW) == NOW + timedelta(hours=72)
    assert applying.pay_deadline(event(), [later, soon], NOW) == NOW + timedelta(hours=30)


def test_the_window_before_open_and_closed():
    e = event()
    assert applying.window_state(e, NOW - timedelta(days=2)) == "before"
    assert applying.window_state(e, NOW) == "open"
    assert applying.window_state(e, e.closes_at) == "closed"
