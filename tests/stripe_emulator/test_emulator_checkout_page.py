"""The hosted checkout and voucher pages, driven over plain HTTP."""

from __future__ import annotations

import re

import pytest
import requests


def _nonce(html: str) -> str:
    match = re.search(r'name="nonce" value="([^"]+)"', html)
    assert match, "form has no nonce"
    return match.group(1)


@pytest.fixture
def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def test_page_renders_amount_items_and_allowed_buttons(make_session, http) -> None:
    session = make_session(
        payment_method_types=["card", "paypay"],
        payment_method_options={},
        line_items=[
            {"price_data": {"currency": "jpy", "unit_amount": 1300,
                            "product_data": {"name": "<script>alert(1)</script>戸籍謄本"}}, "quantity": 1}
        ],
    )
    response = http.get(session.url, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert '<html lang="ja">' in html and 'name="viewport"' in html
    assert "¥1,300" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;戸籍謄本" in html and "<script>" not in html
    assert 'value="card_success"' in html and 'value="card_declined"' in html
    assert 'value="paypay_success"' in html
    assert 'value="konbini_issued"' not in html
    assert "カード決済 成功" in html and "Card payment succeeds" in html
    # Self-contained: no scripts, stylesheets, images or fonts from elsewhere.
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert "src=" not in html


def test_decline_then_success_via_buttons(make_session, client, http) -> None:
    session = make_session()
    page = http.get(session.url, timeout=5).text
    nonce = _nonce(page)

    declined = http.post(session.url, data={"nonce": nonce, "outcome": "card_declined"}, allow_redirects=False,
                         timeout=5)
    assert declined.status_code == 402
    assert 'role="alert"' in declined.text and "カードが拒否されました" in declined.text
    new_nonce = _nonce(declined.text)
    assert new_nonce != nonce
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"

    stale = http.post(session.url, data={"nonce": nonce, "outcome": "card_success"}, allow_redirects=False, timeout=5)
    assert stale.status_code == 409
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"

    ok = http.post(session.url, data={"nonce": new_nonce, "outcome": "card_success"}, allow_redirects=False, timeout=5)
    assert ok.status_code == 303
    assert ok.headers["Location"] == f"http://portal.test/payments/done?session_id={session.id}"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"

    done = http.get(session.url, timeout=5)
    assert "完了" in done.text and 'name="outcome"' not in done.text


def test_cancel_redirects_and_keeps_session_open(make_session, client, http) -> None:
    session = make_session()
    nonce = _nonce(http.get(session.url, timeout=5).text)
    response = http.post(session.url, data={"nonce": nonce, "outcome": "cancel"}, allow_redirects=False, timeout=5)
    assert response.status_code == 303
    assert response.headers["Location"] == "http://portal.test/payments/cancel"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_konbini_voucher_page_flow(make_session, client, emulator, http) -> None:
    session = make_session(payment_method_types=["konbini"])
    nonce = _nonce(http.get(session.url, timeout=5).text)
    issued = http.post(session.url, data={"nonce": nonce, "outcome": "konbini_issued", "store": "seicomart"},
                       allow_redirects=False, timeout=5)
    assert issued.status_code == 303

    pi = client.v1.payment_intents.retrieve(session.payment_intent)
    voucher_url = pi.next_action.konbini_display_details.hosted_voucher_url
    voucher = http.get(voucher_url, timeout=5)
    assert voucher.status_code == 200
    assert pi.next_action.konbini_display_details.stores.lawson.payment_code in voucher.text
    assert "¥1,050" in voucher.text

    paid = http.post(voucher_url, data={"nonce": _nonce(voucher.text), "store": "lawson"}, allow_redirects=True,
                     timeout=5)
    assert paid.status_code == 200 and "お支払い済み" in paid.text
    pi = client.v1.payment_intents.retrieve(session.payment_intent, params={"expand": ["latest_charge"]})
    assert pi.status == "succeeded"
    assert pi.latest_charge.payment_method_details.konbini.store.chain == "lawson"


def test_expired_and_missing_pages(make_session, client, http, emulator) -> None:
    session = make_session()
    client.v1.checkout.sessions.expire(session.id)
    expired = http.get(f"{emulator.base_url}/checkout/{session.id}", timeout=5)
    assert "有効期限が切れました" in expired.text and 'name="outcome"' not in expired.text
    assert http.get(f"{emulator.base_url}/checkout/cs_test_missing", timeout=5).status_code == 404
    assert http.get(f"{emulator.base_url}/voucher/pi_missing", timeout=5).status_code == 404
