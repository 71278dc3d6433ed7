"""On a phone (390×844, axe on each page): a resident booking a court two days ahead reads the facility's rules
and the cancellation terms on this booking's dates before agreeing, is warned that the booking is already inside
the late-fee window, and sees the same on the check page, in Japanese and in English."""
from __future__ import annotations

from datetime import date, time
from types import SimpleNamespace

import pytest

from portal import db as portal_db
from portal.booking.domain.calendar import jst
from tests.e2e.steps import next_step, sign_in_with_card
from tests.integration.booking_factory import make_facility

TODAY = jst(date(2026, 12, 1), time(10, 0))   # Tuesday; the facility is free to cancel until 3 days before
RULES = ("利用できるのは予約した時間だけです。準備と片付けも時間内に済ませてください。\n"
         "テニスシューズで利用してください。\nごみは持ち帰ってください。")
RULES_EN = ("Use the courts only during the booked time, setting up and clearing away included.\n"
            "Wear tennis shoes.\nTake your rubbish home.")


@pytest.fixture
def booking(world):
    app = world.live.portal
    with app.app_context():
        make_facility(portal_db.session(), usage_rules=RULES, usage_rules_en=RULES_EN)
    app.extensions["clock"] = lambda: TODAY
    yield SimpleNamespace(live=world.live, phone=world.phone)
    app.extensions.pop("clock", None)


def test_rules_dated_terms_and_the_late_fee_warning_before_agreeing_and_paying(booking, a11y):
    url, page = booking.live.portal_url, booking.phone()
    page.goto(url + "/ichinomiya/facilities/test-tennis?date=2026-12-03")
    page.get_by_role("group", name="09:00–11:00").get_by_label("A面").check()
    page.get_by_role("group", name="11:00–13:00").get_by_label("A面").check()
    page.get_by_role("button", name="選んだ枠を予約する").click()
    page.wait_for_url("**/login?**")
    sign_in_with_card(page, "yamada-hanako")
    page.wait_for_url("**/facilities/test-tennis?**")
    page.get_by_role("button", name="選んだ枠を予約する").click()

    page.wait_for_url("**/steps/use")
    page.get_by_label("スポーツ・運動").check()
    page.get_by_label("具体的な内容").fill("ソフトテニスの練習")
    page.get_by_label("利用人数").fill("4")
    next_step(page)
    page.wait_for_url("**/steps/contact")
    page.get_by_label("当日連絡がとれる電話番号").fill("090-1234-5678")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    next_step(page)

    page.wait_for_url("**/steps/rules")
    a11y.check(page, "step-rules")
    terms = page.locator("#cancellation-terms")
    assert terms.get_by_text("11月30日（月）までは無料で取り消せます。").is_visible()
    assert terms.get_by_text("12月1日（火）からは使用料の50%（600円）の取消料がかかります。").is_visible()
    assert terms.get_by_text("12月3日（木）からは取り消せません。").is_visible()
    assert page.locator("#usage-rules").get_by_text("テニスシューズで利用してください。").is_visible()
    warning = page.locator("#late-warning")
    assert "すでに取消料がかかる期間" in warning.inner_text() and "600円の返金" in warning.inner_text()
    # the rules and terms come before the box that agrees to them
    box = page.get_by_role("group", name="施設の利用規則と取消の条件を確認しました")
    assert terms.bounding_box()["y"] < box.bounding_box()["y"]
    box.get_by_label("同意します").check()
    next_step(page)

    page.wait_for_url("**/check")
    a11y.check(page, "check")
    assert page.locator("#late-warning").is_visible()
    assert page.locator("#cancellation-terms").get_by_text("12月3日（木）からは取り消せません。").is_visible()
    assert page.locator("#fee-total").inner_text() == "600円 + 600円 = 1,200円"

    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/check")
    a11y.check(page, "check-en")
    assert page.locator("#usage-rules").get_by_text("Wear tennis shoes.").is_visible()
    assert page.locator("#cancellation-terms").get_by_text("Free to cancel until Mon 30 Nov.").is_visible()
    assert "cancellation fee period" in page.locator("#late-warning").inner_text()
    assert page.locator("#fee-total").inner_text() == "¥600 + ¥600 = ¥1,200"
