"""Event list filters and pagination."""

from __future__ import annotations

import pytest
import stripe


def test_event_list_filters_and_pagination(make_session, client, emulator) -> None:
    first = make_session()
    emulator.outcome(first.id, "card_success")
    start = emulator.advance_clock(hours=1)["now"]
    second = make_session()
    emulator.outcome(second.id, "paypay_success")

    everything = client.v1.events.list(params={"limit": 100})
    assert everything.object == "list" and everything.url == "/v1/events" and everything.has_more is False
    assert len(everything.data) == 8
    assert all(e.object == "event" and e.livemode is False and e.id.startswith("evt_") for e in everything.data)
    created = [e.created for e in everything.data]
    assert created == sorted(created, reverse=True)  # newest first

    completed = client.v1.events.list(params={"type": "checkout.session.completed"})
    assert [e.data.object.id for e in completed.data] == [second.id, first.id]

    wildcard = client.v1.events.list(params={"type": "payment_intent.*"})
    assert {e.type for e in wildcard.data} == {"payment_intent.created", "payment_intent.succeeded"}
    several = client.v1.events.list(params={"types": ["charge.succeeded", "checkout.session.completed"]})
    assert len(several.data) == 4

    recent = client.v1.events.list(params={"created": {"gte": start}, "limit": 100})
    assert {e.data.object.id for e in recent.data if e.type == "checkout.session.completed"} == {second.id}
    assert len(recent.data) == 4

    page1 = client.v1.events.list(params={"limit": 3})
    assert page1.has_more is True and len(page1.data) == 3
    page2 = client.v1.events.list(params={"limit": 3, "starting_after": page1.data[-1].id})
    assert page2.data[0].id == everything.data[3].id
    back = client.v1.events.list(params={"limit": 3, "ending_before": page2.data[0].id})
    assert [e.id for e in back.data] == [e.id for e in page1.data]

    # auto_paging_iter walks every page via starting_after.
    assert [e.id for e in client.v1.events.list(params={"limit": 2}).auto_paging_iter()] == \
        [e.id for e in everything.data]

    one = client.v1.events.retrieve(completed.data[0].id)
    assert one.type == "checkout.session.completed" and one.api_version


def test_event_list_rejects_unknown_filters(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.events.list(params={"typo": "x"})
    assert info.value.param == "typo"


def test_unknown_event_is_404(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.events.retrieve("evt_nope")
    assert info.value.http_status == 404
