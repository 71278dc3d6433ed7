"""Cancelling one slot of a two-slot booking on a phone (390×844, axe on every page): the resident ticks the
slot on the booking page, sees its fee and refund on the confirmation page, confirms; the slot is freed, the
refund is made and the email says what was cancelled and what is still booked."""
from __future__ import annotations

import re

from tests.e2e.steps import sign_in_with_card
from tests.e2e.test_booking_journey import answer_booking_questions, open_reservation, pay_by_card


def test_cancel_one_slot_of_two(booking, a11y, mail_sink):
    live, url = booking.live, booking.live.portal_url
    page = booking.phone()
    page.goto(url + "/ichinomiya/facilities/test-tennis?date=2026-12-08")
    page.get_by_role("link", name="ログイン").click()
    sign_in_with_card(page, "yamada-hanako")
    page.wait_for_url("**/facilities/test-tennis?date=2026-12-08")
    page.get_by_role("group", name="09:00–11:00").get_by_label(re.compile("A面")).check()
    page.get_by_role("group", name="11:00–13:00").get_by_label(re.compile("A面")).check()
    page.get_by_role("button", name="選んだ枠を予約する").click()
    answer_booking_questions(page, a11y, "two-slots", "hanako@example.jp")
    pay_by_card(page, live, "1,200円")
    open_reservation(page, a11y, "two-slots")

    choice = page.get_by_role("group", name="一部の枠だけを取り消す")
    choice.get_by_label(re.compile("11:00–13:00")).check()
    page.get_by_role("button", name="選んだ枠の取消内容を確認する").click()
    page.wait_for_url("**/cancel-slots?slot=*")
    a11y.check(page, "cancel-slots-confirm")
    assert page.get_by_role("heading", name="選んだ枠の取消の確認").is_visible()
    assert page.get_by_text("選ばなかった枠の予約はそのまま残ります。").is_visible()
    assert page.locator(".summary-list__row", has_text="返金額").get_by_text("600円").is_visible()
    page.get_by_label("選んだ枠を取り消します").check()
    page.get_by_role("button", name="選んだ枠を取り消す").click()

    page.wait_for_url(re.compile(r"/mypage/bookings/\d+$"))
    a11y.check(page, "partly-cancelled")
    assert page.get_by_text("選んだ枠を取り消しました。600円を返金します。").is_visible()
    assert page.get_by_text("予約確定", exact=True).is_visible()
    assert page.locator("del", has_text="11:00–13:00").is_visible()
    assert live.emulator.wait_for_webhooks(timeout=20)
    message = mail_sink.wait_for(lambda m: "一部を取り消しました" in m["Subject"], timeout=10)
    assert "返金: 600円" in message.get_content()
