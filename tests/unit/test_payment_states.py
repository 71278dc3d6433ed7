"""The payment state machine: every (from, to) pair for every source, allowed or refused."""
from __future__ import annotations

import itertools

import pytest

from portal.payments import states
from portal.payments.models import Payment

PROVIDER = {"webhook", "return_page", "reconciliation"}

# The table as the issue describes it, written out independently of the module under test.
EXPECTED = {
    ("created", "open"): PROVIDER | {"resident"},
    ("created", "failed"): {"resident"},
    ("created", "canceled"): {"resident", "staff", "reconciliation"},
    ("open", "processing"): PROVIDER,
    ("open", "paid"): PROVIDER,
    ("open", "expired"): PROVIDER,
    ("open", "failed"): PROVIDER,
    ("open", "canceled"): {"resident", "staff", "reconciliation"},
    # our own expiry, when the provider's webhook about it was handled first
    ("expired", "canceled"): {"resident", "staff", "reconciliation"},
    ("processing", "paid"): PROVIDER,
    ("processing", "expired"): PROVIDER,
    ("processing", "failed"): PROVIDER,
    # a konbini voucher we cancelled (the resident withdrew the request)
    ("processing", "canceled"): {"resident", "staff", "reconciliation"},
    ("expired", "paid"): PROVIDER,
    ("failed", "paid"): PROVIDER,
    ("canceled", "paid"): PROVIDER,
    # a resident refunds by cancelling a booking within its terms
    ("paid", "partially_refunded"): PROVIDER | {"staff", "resident"},
    ("paid", "refunded"): PROVIDER | {"staff", "resident"},
    ("partially_refunded", "refunded"): PROVIDER | {"staff", "resident"},
    ("partially_refunded", "paid"): PROVIDER,
    ("refunded", "partially_refunded"): PROVIDER,
    ("refunded", "paid"): PROVIDER,
}

ALL = list(itertools.product(states.STATUSES, states.STATUSES, states.SOURCES))


def _payment(status: str) -> Payment:
    return Payment(amount=900, currency="jpy", status=status, refunded_amount=0, idempotency_key="k")


@pytest.mark.parametrize(("frm", "to", "source"), ALL, ids=[f"{f}->{t}[{s}]" for f, t, s in ALL])
def test_every_pair_for_every_source(frm, to, source):
    payment = _payment(frm)
    if source in EXPECTED.get((frm, to), set()):
        record = states.transition(payment, to, source, event_id="evt_1", actor_id=7)
        assert payment.status == to
        assert (record.from_status, record.to_status, record.source, record.event_id, record.actor_id) == (
            frm, to, source, "evt_1", 7)
        assert payment.transitions[-1] is record
    else:
        with pytest.raises(states.IllegalPaymentTransition):
            states.transition(payment, to, source)
        assert payment.status == frm and payment.transitions == []


def test_the_table_is_exactly_the_expected_one():
    assert {k: set(v) for k, v in states.TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize("status", states.STATUSES)
def test_nothing_moves_to_itself_or_back_to_created(status):
    for source in states.SOURCES:
        assert not states.allowed(status, status, source)
        assert not states.allowed(status, "created", source)


def test_paid_is_never_undone_except_by_refunds():
    for to in ("open", "processing", "expired", "failed", "canceled", "created"):
        for source in states.SOURCES:
            assert not states.allowed("paid", to, source)


def test_unknown_status_or_source_is_refused():
    with pytest.raises(states.IllegalPaymentTransition):
        states.transition(_payment("open"), "lost", "webhook")
    with pytest.raises(states.IllegalPaymentTransition):
        states.transition(_payment("open"), "paid", "carrier pigeon")


def test_paid_at_is_set_once():
    payment = _payment("open")
    states.transition(payment, "paid", "webhook")
    first = payment.paid_at
    assert first is not None
    states.transition(payment, "refunded", "staff")
    states.transition(payment, "paid", "reconciliation")  # the refund failed
    assert payment.paid_at == first


@pytest.mark.parametrize(("frm", "to", "source", "route"), [
    ("open", "paid", "webhook", ["paid"]),
    ("open", "refunded", "webhook", ["paid", "refunded"]),
    ("created", "processing", "reconciliation", ["open", "processing"]),
    ("created", "partially_refunded", "return_page", ["open", "paid", "partially_refunded"]),
    ("processing", "processing", "webhook", []),
    ("paid", "open", "webhook", None),
    ("refunded", "expired", "reconciliation", None),
    ("open", "paid", "staff", None),
])
def test_path_through_intermediate_statuses(frm, to, source, route):
    assert states.path(frm, to, source) == route
