"""Withdrawing and giving up on a phone (390×844, axe on every page): a resident who paid ¥900 for 住民票 withdraws
it — the confirmation page says the fee is refunded, the withdrawal refunds it at the (emulated) Stripe and the
email says so. Another resident's booking hold runs out (the portal's clock moves on): the check page says so
and one button holds the same slot again; then they delete the draft from マイページ, which frees the slot."""
from __future__ import annotations

import re
from datetime import date, time, timedelta

from sqlalchemy import select

from portal import db as portal_db
from portal.booking.domain.calendar import jst
from portal.booking.models import Reservation
from portal.payments.models import Payment
from tests.e2e.steps import next_step, sign_in_with_card
from tests.e2e.test_payment_journey import request_juminhyo
from tests.integration.booking_factory import make_facility

TODAY = jst(date(2026, 12, 1), time(10, 0))


def test_withdrawing_a_paid_request_refunds_it_and_says_so(world, a11y, mail_sink):
    live, url = world.live, world.live.portal_url
    page = world.phone()
    reference = request_juminhyo(page, url, "yamada-hanako", 3, a11y, "withdraw")
    page.get_by_role("button", name="手数料 900円 を支払う").click()
    page.wait_for_url(f"{live.emulator.base_url}/checkout/**")
    page.get_by_role("button", name=re.compile("カード決済 成功")).click()
    page.wait_for_url("**/payments/*/return**")
    assert live.emulator.wait_for_webhooks(timeout=20)
    page.get_by_role("link", name="申請の状況を見る").click()
    page.wait_for_url(f"**/mypage/submissions/{reference}")
    a11y.check(page, "withdraw-mypage-paid")

    page.get_by_role("link", name="申請を取り下げる").click()
    page.wait_for_url(f"**/mypage/submissions/{reference}/withdraw")
    a11y.check(page, "withdraw-confirm")
    assert page.get_by_role("heading", name="申請を取り下げますか").is_visible()
    assert page.locator("#withdraw-money").inner_text() == \
        "お支払いいただいた手数料 900円 は、取り下げるとすぐに全額を自動で返金します。"
    # "do not withdraw" changes nothing
    page.get_by_role("link", name="取り下げない").click()
    page.wait_for_url(f"**/mypage/submissions/{reference}")
    page.get_by_role("link", name="申請を取り下げる").click()
    page.get_by_role("button", name="取り下げる", exact=True).click()
    page.wait_for_url(f"**/mypage/submissions/{reference}")
    a11y.check(page, "withdraw-done")
    assert page.get_by_text("申請を取り下げました。お支払いいただいた手数料 900円 を全額返金しました。").is_visible()
    assert page.locator("#fee-status").inner_text() == "返金済み"
    assert page.get_by_role("link", name="申請を取り下げる").count() == 0

    with live.portal.app_context():
        payment = portal_db.session().scalar(select(Payment))
        assert (payment.status, payment.refunded_amount) == ("refunded", 900)
    message = mail_sink.wait_for(lambda m: reference in m["Subject"] and "取り下げ" in m["Subject"], timeout=10)
    body = message.get_content()
    for expected in ("住民票の写しの交付請求", f"受付番号: {reference}", "手数料: 900円",
                     "お支払いいただいた手数料 900円 を全額返金しました。",
                     f"{url}/ichinomiya/mypage/submissions/{reference}"):
        assert expected in body, expected


def test_a_run_out_hold_is_taken_again_then_the_draft_is_deleted(world, a11y):
    live, url = world.live, world.live.portal_url
    app = live.portal
    with app.app_context():
        make_facility(portal_db.session(), slug="test-tennis")
    moment = {"now": TODAY}
    app.extensions["clock"] = lambda: moment["now"]
    try:
        page = world.phone()
        page.goto(url + "/ichinomiya/facilities/test-tennis?date=2026-12-08")
        page.get_by_role("group", name="09:00–11:00").get_by_label(re.compile("A面")).check()
        page.get_by_role("button", name="選んだ枠を予約する").click()
        page.wait_for_url("**/login?**")
        sign_in_with_card(page, "sato-masao")
        page.wait_for_url("**/facilities/test-tennis?**")
        page.get_by_role("button", name="選んだ枠を予約する").click()
        page.wait_for_url("**/steps/use")
        page.get_by_label("スポーツ・運動").check()
        page.get_by_label("具体的な内容").fill("ソフトテニスの練習")
        page.get_by_label("利用人数").fill("4")
        next_step(page)
        page.get_by_label("当日連絡がとれる電話番号").fill("090-1234-5678")
        page.get_by_label("メールアドレス").fill("sato@example.jp")
        next_step(page)
        page.get_by_role("group", name="施設の利用規則と取消の条件を確認しました").get_by_label("同意します").check()
        next_step(page)
        page.wait_for_url("**/check")

        moment["now"] = TODAY + timedelta(minutes=31)  # the resident left the phone on the table
        page.reload()
        a11y.check(page, "hold-lapsed-check")
        assert page.get_by_role("heading", name="仮予約の保持時間が過ぎました").is_visible()
        assert page.get_by_role("button", name="この内容で申請する").count() == 0
        page.get_by_role("button", name="同じ枠をもう一度確保する").click()
        page.wait_for_url("**/check")
        a11y.check(page, "hold-taken-again")
        assert page.get_by_text(re.compile("同じ枠をもう一度確保しました。")).is_visible()
        assert page.get_by_role("button", name="この内容で申請する").is_visible()

        # they change their mind: delete the draft from their page
        page.goto(url + "/ichinomiya/mypage/")
        a11y.check(page, "mypage-draft")
        page.get_by_role("link", name=re.compile("この下書きを削除する")).click()
        page.wait_for_url("**/mypage/drafts/*/delete")
        a11y.check(page, "delete-draft-confirm")
        assert page.get_by_text("すぐに解放され", exact=False).is_visible()
        page.get_by_role("button", name="削除する", exact=True).click()
        page.wait_for_url("**/mypage/")
        a11y.check(page, "draft-deleted")
        assert page.get_by_text("下書きを削除しました。").is_visible()
        with app.app_context():
            reservation = portal_db.session().scalar(select(Reservation))
            assert reservation.status == "cancelled" and not any(s.active for s in reservation.slots)
    finally:
        app.extensions.pop("clock", None)
