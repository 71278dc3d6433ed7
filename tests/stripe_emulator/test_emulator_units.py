"""Unit tests for form decoding, signing and konbini expiry maths."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import pytest
import stripe

from devtools.stripe_emulator.errors import StripeAPIError
from devtools.stripe_emulator.forms import decode_pairs
from devtools.stripe_emulator.payments import JST, konbini_expiry
from devtools.stripe_emulator.webhooks import endpoint_wants, sign_payload


def sdk_pairs(params: dict) -> list[tuple[str, str]]:
    """Encode exactly like the SDK does on the wire."""
    from stripe._encode import _api_encode

    return [(k, str(v)) for k, v in _api_encode(params)]


def test_decodes_sdk_encoding_round_trip() -> None:
    params = {
        "line_items": [
            {"price_data": {"currency": "jpy", "unit_amount": 300, "product_data": {"name": "証明書"}}, "quantity": 2},
            {"price_data": {"currency": "jpy", "unit_amount": 50, "product_data": {"name": "送料"}}, "quantity": 1},
        ],
        "payment_method_types": ["card", "konbini"],
        "payment_method_options": {"konbini": {"expires_after_days": 5}},
        "metadata": {"a": "1"},
    }
    decoded = decode_pairs(sdk_pairs(params))
    assert decoded["line_items"][1]["price_data"]["product_data"]["name"] == "送料"
    assert decoded["line_items"][0]["quantity"] == "2"
    assert decoded["payment_method_types"] == ["card", "konbini"]
    assert decoded["payment_method_options"]["konbini"]["expires_after_days"] == "5"


def test_decodes_empty_brackets_and_keeps_numeric_metadata_keys() -> None:
    decoded = decode_pairs([("expand[]", "payment_intent"), ("expand[]", "line_items"), ("metadata[0]", "x"),
                            ("metadata[1]", "y")])
    assert decoded["expand"] == ["payment_intent", "line_items"]
    assert decoded["metadata"] == {"0": "x", "1": "y"}


def test_list_indices_sort_numerically() -> None:
    pairs = [(f"items[{i}]", str(i)) for i in (10, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9)]
    assert decode_pairs(pairs)["items"] == [str(i) for i in range(11)]


def test_conflicting_value_and_hash_is_a_400() -> None:
    with pytest.raises(StripeAPIError) as info:
        decode_pairs([("a", "1"), ("a[b]", "2")])
    assert info.value.status == 400


def test_signature_verifies_with_official_sdk() -> None:
    payload = '{"id": "evt_1", "object": "event", "type": "x", "data": {"object": {}}}'
    header = sign_payload(payload, "whsec_abc")
    assert header.startswith("t=") and ",v1=" in header
    assert stripe.WebhookSignature.verify_header(payload, header, "whsec_abc", tolerance=300)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(payload, header, "whsec_other", tolerance=300)


def test_endpoint_event_filters() -> None:
    assert endpoint_wants({"enabled_events": ["*"]}, "charge.refunded")
    assert endpoint_wants({"enabled_events": ["checkout.session.*"]}, "checkout.session.completed")
    assert not endpoint_wants({"enabled_events": ["checkout.session.completed"]}, "charge.refunded")


def test_konbini_voucher_expires_at_end_of_jst_day() -> None:
    # 2026-04-01 23:30 JST + 2 days -> 2026-04-03 23:59:59 JST
    issued = int(datetime(2026, 4, 1, 23, 30, tzinfo=JST).timestamp())
    expires = datetime.fromtimestamp(konbini_expiry(issued, 2), JST)
    assert (expires.year, expires.month, expires.day, expires.hour, expires.minute, expires.second) == \
        (2026, 4, 3, 23, 59, 59)


def test_urlencoded_query_with_brackets_decodes() -> None:
    query = urlencode([("created[gte]", "10"), ("limit", "3")])
    from urllib.parse import parse_qsl

    decoded = decode_pairs(parse_qsl(query))
    assert decoded == {"created": {"gte": "10"}, "limit": "3"}
