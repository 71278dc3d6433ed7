"""Hosted checkout page and konbini voucher page (plain HTML, no JS).

The tester picks an outcome with submit buttons; each form carries a
per-session nonce that rotates after every attempt so a double-submitted or
stale form cannot pay twice. Only self-contained HTML/CSS is served so the
page works offline and under strict CSP.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template_string, request

from .errors import StripeAPIError
from .payments import JST, KONBINI_STORES, format_yen

bp = Blueprint("stripe_emulator_checkout", __name__)

STORE_LABELS = {
    "familymart": "ファミリーマート FamilyMart",
    "lawson": "ローソン Lawson",
    "ministop": "ミニストップ Ministop",
    "seicomart": "セイコーマート Seicomart",
}

_LAYOUT = """<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} | Stripe emulator</title>
<style>
  :root { color-scheme: light; --accent: #1d4ed8; --danger: #b91c1c; --text: #111827; --muted: #4b5563; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: system-ui, -apple-system, "Hiragino Sans", "Noto Sans JP", sans-serif;
         color: var(--text); background: #f3f4f6; line-height: 1.6; font-size: 1rem; }
  .banner { background: #fef3c7; border-bottom: 2px solid #92400e; padding: .5rem 1rem; font-size: .9rem; }
  main { max-width: 36rem; margin: 1rem auto; padding: 1rem; background: #fff; border-radius: .5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  h2 { font-size: 1.15rem; margin: 1.25rem 0 .5rem; }
  .en { display: block; font-size: .85em; color: var(--muted); font-weight: normal; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: .4rem .25rem; border-bottom: 1px solid #d1d5db; vertical-align: top; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  .total { font-size: 1.3rem; margin: .75rem 0; }
  fieldset { border: 1px solid #9ca3af; border-radius: .5rem; margin: 1rem 0; padding: .75rem; }
  legend { font-weight: bold; padding: 0 .25rem; }
  button, .button { display: block; width: 100%; min-height: 3rem; margin: .5rem 0; padding: .6rem 1rem;
           font: inherit; font-weight: bold; border-radius: .5rem; border: 2px solid var(--accent);
           background: var(--accent); color: #fff; cursor: pointer; text-align: center; text-decoration: none; }
  button.secondary { background: #fff; color: var(--accent); }
  button.danger { background: #fff; color: var(--danger); border-color: var(--danger); }
  button .en, .button .en { color: inherit; }
  button:focus-visible, a:focus-visible, select:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  .alert { border: 2px solid var(--danger); background: #fef2f2; color: var(--danger); padding: .75rem; border-radius: .5rem; }
  .notice { border: 2px solid var(--accent); background: #eff6ff; padding: .75rem; border-radius: .5rem; }
  label { display: block; font-weight: bold; margin-top: .5rem; }
  select { width: 100%; min-height: 2.75rem; font: inherit; }
  .muted { color: var(--muted); font-size: .9rem; }
  .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
</style>
</head>
<body>
<a class="skip" href="#main">本文へ移動 / Skip to content</a>
<header class="banner" role="banner">
  <strong>テスト環境</strong>（Stripe エミュレーター）— 実際の請求は発生しません。
  <span lang="en" class="en">Test mode (Stripe emulator) — no real money moves.</span>
</header>
<main id="main">
{{ body|safe }}
</main>
</body>
</html>
"""

_SUMMARY = """
<section aria-labelledby="summary-heading">
  <h2 id="summary-heading">ご請求内容 <span lang="en" class="en">Order summary</span></h2>
  <table>
    <thead><tr>
      <th scope="col">品目 <span lang="en" class="en">Item</span></th>
      <th scope="col" class="num">数量 <span lang="en" class="en">Qty</span></th>
      <th scope="col" class="num">金額 <span lang="en" class="en">Amount</span></th>
    </tr></thead>
    <tbody>
    {% for item in items %}
      <tr><td>{{ item.description }}</td><td class="num">{{ item.quantity }}</td><td class="num">{{ yen(item.amount_total) }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  <p class="total">合計 <span lang="en">Total</span>: <strong>{{ yen(total) }}</strong></p>
</section>
"""

_CHECKOUT = """
<h1>お支払い <span lang="en" class="en">Payment</span></h1>
{% if decline %}
<div role="alert" class="alert" id="decline">
  {% if decline.method == "card" %}カードが拒否されました。別のカードでもう一度お試しください。
  <span lang="en" class="en">Your card was declined. Please try again.</span>
  {% else %}PayPay でのお支払いができませんでした。もう一度お試しください。
  <span lang="en" class="en">The PayPay payment failed. Please try again.</span>{% endif %}
</div>
{% endif %}
{% if stale %}
<div role="alert" class="alert">このフォームは古くなっています。内容を確認してもう一度お選びください。
  <span lang="en" class="en">This form was out of date. Please review and choose again.</span></div>
{% endif %}
""" + _SUMMARY + """
<p class="muted">有効期限 <span lang="en">Expires</span>: {{ expires }}</p>
<form method="post" action="{{ action }}">
  <input type="hidden" name="nonce" value="{{ nonce }}">
  <h2>結果を選択 <span lang="en" class="en">Choose the outcome</span></h2>
  {% if "card" in methods %}
  <fieldset>
    <legend>クレジットカード <span lang="en">Card</span></legend>
    <button type="submit" name="outcome" value="card_success">カード決済 成功 <span lang="en" class="en">Card payment succeeds</span></button>
    <button type="submit" name="outcome" value="card_declined" class="danger">カード 拒否 <span lang="en" class="en">Card is declined</span></button>
  </fieldset>
  {% endif %}
  {% if "konbini" in methods %}
  <fieldset>
    <legend>コンビニ払い <span lang="en">Konbini (convenience store)</span></legend>
    <label for="store">支払うコンビニ <span lang="en" class="en">Store</span></label>
    <select id="store" name="store">
      {% for key, label in stores %}<option value="{{ key }}">{{ label }}</option>{% endfor %}
    </select>
    <button type="submit" name="outcome" value="konbini_issued">コンビニ払込票を発行 <span lang="en" class="en">Issue konbini voucher</span></button>
  </fieldset>
  {% endif %}
  {% if "paypay" in methods %}
  <fieldset>
    <legend>PayPay</legend>
    <button type="submit" name="outcome" value="paypay_success">PayPay 成功 <span lang="en" class="en">PayPay payment succeeds</span></button>
    <button type="submit" name="outcome" value="paypay_failed" class="danger">PayPay 失敗 <span lang="en" class="en">PayPay payment fails</span></button>
  </fieldset>
  {% endif %}
  <button type="submit" name="outcome" value="cancel" class="secondary">キャンセル <span lang="en" class="en">Cancel and go back</span></button>
</form>
"""

_CLOSED = """
<h1>{{ heading_ja }} <span lang="en" class="en">{{ heading_en }}</span></h1>
<div class="notice" role="status"><p>{{ message_ja }}</p><p lang="en" class="en">{{ message_en }}</p></div>
""" + _SUMMARY + """
{% if link %}<p><a class="button" href="{{ link }}">{{ link_ja }} <span lang="en" class="en">{{ link_en }}</span></a></p>{% endif %}
"""

_VOUCHER = """
<h1>コンビニ払込票 <span lang="en" class="en">Konbini payment voucher</span></h1>
{% if paid %}
<div class="notice" role="status">お支払い済みです。<span lang="en" class="en">This voucher has been paid.</span></div>
{% elif pending %}
<p>以下のコンビニで、期限までにお支払いください。<span lang="en" class="en">Pay at one of these stores before the deadline.</span></p>
{% else %}
<div class="alert" role="alert">この払込票は無効です（期限切れ）。<span lang="en" class="en">This voucher is no longer valid (expired).</span></div>
{% endif %}
<p class="total">金額 <span lang="en">Amount</span>: <strong>{{ yen(amount) }}</strong></p>
{% if details %}
<p>支払期限 <span lang="en">Pay by</span>: <strong>{{ expires }}</strong></p>
<table>
  <thead><tr><th scope="col">コンビニ <span lang="en" class="en">Store</span></th>
  <th scope="col">お支払い番号 <span lang="en" class="en">Payment code</span></th>
  <th scope="col">確認番号 <span lang="en" class="en">Confirmation no.</span></th></tr></thead>
  <tbody>
  {% for key, codes in details.stores.items() %}
    <tr><td>{{ labels[key] }}</td><td>{{ codes.payment_code }}</td><td>{{ codes.confirmation_number }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endif %}
{% if pending %}
<form method="post" action="{{ action }}">
  <input type="hidden" name="nonce" value="{{ nonce }}">
  <h2>テスト操作 <span lang="en" class="en">Test controls</span></h2>
  <label for="store">支払ったコンビニ <span lang="en" class="en">Store paid at</span></label>
  <select id="store" name="store">
    {% for key, label in stores %}<option value="{{ key }}">{{ label }}</option>{% endfor %}
  </select>
  <button type="submit">コンビニで支払う（シミュレーション） <span lang="en" class="en">Simulate paying at the store</span></button>
</form>
{% endif %}
"""


def emulator():
    return current_app.extensions["stripe_emulator"]


def _jst(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, JST).strftime("%Y-%m-%d %H:%M (JST)")


def _page(title: str, body_template: str, status: int = 200, **context: Any) -> Response:
    body = render_template_string(body_template, yen=format_yen, **context)
    html = render_template_string(_LAYOUT, title=title, body=body)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    # No form-action: browsers apply it to the redirect after submit, which
    # would block the hop back to the portal's success_url.
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                                                   "frame-ancestors 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _not_found() -> Response:
    return _page(
        "見つかりません",
        "<h1>お支払い手続きが見つかりません <span lang='en' class='en'>Checkout not found</span></h1>",
        status=404,
    )


def _store_choices() -> list[tuple[str, str]]:
    return [(key, STORE_LABELS[key]) for key in KONBINI_STORES]


def _render_session(session_id: str, *, decline: dict[str, Any] | None = None, stale: bool = False,
                    status: int = 200) -> Response:
    emu = emulator()
    with emu.store.lock:
        emu.payments.process_due()
        session = emu.store.get(session_id, "checkout.session")
        if session is None:
            return _not_found()
        private = emu.store.private_of(session_id)
        summary = {"items": private.get("line_items", []), "total": session["amount_total"]}
        if session["status"] == "open":
            return _page(
                "お支払い",
                _CHECKOUT,
                status=status,
                decline=decline if decline is not None else private.get("decline"),
                stale=stale,
                methods=session["payment_method_types"],
                nonce=private["nonce"],
                action=f"/checkout/{session_id}",
                expires=_jst(session["expires_at"]),
                stores=_store_choices(),
                **summary,
            )
        if session["status"] == "complete":
            success = session["success_url"]
            return _page(
                "お支払い手続き完了",
                _CLOSED,
                status=status,
                heading_ja="お支払い手続きは完了しています",
                heading_en="Checkout complete",
                message_ja="この手続きはすでに完了しています。",
                message_en="This checkout has already been completed.",
                link=success.replace("{CHECKOUT_SESSION_ID}", session_id) if success else None,
                link_ja="サービスに戻る",
                link_en="Return to the service",
                **summary,
            )
        return _page(
            "有効期限切れ",
            _CLOSED,
            status=status,
            heading_ja="有効期限が切れました",
            heading_en="Checkout expired",
            message_ja="このお支払い手続きは有効期限が切れています。最初からやり直してください。",
            message_en="This checkout has expired. Please start again.",
            link=session["cancel_url"],
            link_ja="サービスに戻る",
            link_en="Return to the service",
            **summary,
        )


@bp.get("/checkout/<session_id>")
def show_checkout(session_id: str) -> Response:
    return _render_session(session_id)


@bp.post("/checkout/<session_id>")
def submit_checkout(session_id: str) -> Response:
    emu = emulator()
    with emu.store.lock:
        session = emu.store.get(session_id, "checkout.session")
        if session is None:
            return _not_found()
        expected = emu.store.private_of(session_id).get("nonce", "")
        given = request.form.get("nonce", "")
        if session["status"] != "open" or not secrets.compare_digest(expected, given):
            return _render_session(session_id, stale=session["status"] == "open", status=409)
        outcome = request.form.get("outcome", "")
        try:
            result = emu.payments.apply_outcome(session_id, outcome, konbini_store=request.form.get("store") or None)
        except StripeAPIError:
            return _render_session(session_id, stale=True, status=400)
    if result["decline"]:
        return _render_session(session_id, decline=result["decline"], status=402)
    if result["redirect_url"]:
        return redirect(result["redirect_url"], code=303)
    if outcome == "cancel":
        return _page(
            "キャンセル",
            "<h1>キャンセルしました <span lang='en' class='en'>Cancelled</span></h1>"
            "<p class='notice' role='status'>お支払いは行われていません。"
            "<span lang='en' class='en'>No payment was made.</span></p>",
        )
    return _render_session(session_id)


def _render_voucher(pi_id: str, *, status: int = 200) -> Response:
    emu = emulator()
    with emu.store.lock:
        emu.payments.process_due()
        pi = emu.store.get(pi_id, "payment_intent")
        private = emu.store.private.get(pi_id, {})
        if pi is None or "voucher_nonce" not in private:
            return _not_found()
        action = pi.get("next_action") or {}
        details = action.get("konbini_display_details")
        return _page(
            "コンビニ払込票",
            _VOUCHER,
            status=status,
            paid=pi["status"] == "succeeded",
            pending=details is not None,
            amount=pi["amount"],
            details=details,
            expires=_jst(details["expires_at"]) if details else "",
            labels=STORE_LABELS,
            stores=_store_choices(),
            nonce=private["voucher_nonce"],
            action=f"/voucher/{pi_id}",
        )


@bp.get("/voucher/<pi_id>")
def show_voucher(pi_id: str) -> Response:
    return _render_voucher(pi_id)


@bp.post("/voucher/<pi_id>")
def pay_voucher(pi_id: str) -> Response:
    emu = emulator()
    with emu.store.lock:
        private = emu.store.private.get(pi_id, {})
        if not private.get("voucher_nonce"):
            return _not_found()
        if not secrets.compare_digest(private["voucher_nonce"], request.form.get("nonce", "")):
            return _render_voucher(pi_id, status=409)
        try:
            emu.payments.pay_konbini(pi_id, request.form.get("store") or None)
        except StripeAPIError:
            return _render_voucher(pi_id, status=400)
        private["voucher_nonce"] = secrets.token_urlsafe(16)
    return redirect(f"/voucher/{pi_id}", code=303)
