"""The journey works with JavaScript turned off: every page is a plain form."""
from __future__ import annotations

import re
from datetime import date, time

from portal import db as portal_db
from portal.booking.domain.calendar import jst
from tests.e2e.conftest import PHONE
from tests.e2e.steps import next_step, sign_in_with_card
from tests.integration.booking_factory import make_facility


def test_anonymous_enquiry_with_javascript_off(browser, live, mail_sink):
    from tests.conftest import reset_database

    reset_database(live.portal)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ja-JP")
    context.console_errors = []
    page = context.new_page()
    page.goto(live.portal_url + "/anjo/")
    page.get_by_role("link", name=re.compile("市へのご意見・ご相談")).click()
    page.get_by_role("button", name="申請をはじめる").click()
    page.get_by_label("分野").select_option("town")
    page.get_by_label("内容").fill("駅前の歩道を広げてください。")
    page.get_by_label("希望する", exact=True).check()
    next_step(page)
    # axe needs JavaScript, so these pages are checked by the JS-on journeys; here only that they work.
    page.get_by_label("お名前").fill("安城 一郎")
    page.get_by_label("メールアドレス").fill("ichiro@example.jp")
    next_step(page)
    page.get_by_role("button", name="この内容で申請する").click()
    reference = page.locator("#reference").inner_text().strip()
    assert mail_sink.wait_for(lambda m: reference in m["Subject"], timeout=10)["To"] == "ichiro@example.jp"
    context.close()


def test_booking_slots_with_javascript_off(browser, live, mail_sink):
    """The day view is a plain form of checkboxes: choose, sign in, book, answer and submit without JavaScript."""
    from tests.conftest import reset_database

    reset_database(live.portal)
    with live.portal.app_context():
        make_facility(portal_db.session())
    live.portal.extensions["clock"] = lambda: jst(date(2026, 12, 1), time(10, 0))
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ja-JP")
    context.console_errors = []
    page = context.new_page()
    try:
        page.goto(live.portal_url + "/ichinomiya/facilities/test-tennis?date=2026-12-08")
        page.get_by_role("group", name="19:00–21:00").get_by_label(re.compile("B面")).check()
        page.get_by_role("button", name="選んだ枠を予約する").click()
        sign_in_with_card(page, "yamada-hanako")
        page.wait_for_url("**/facilities/test-tennis?**")
        assert page.locator("input[name=slot]:checked").get_attribute("value") == "court-b/2026-12-08 19:00"
        page.get_by_role("button", name="選んだ枠を予約する").click()
        page.wait_for_url("**/steps/use")
        page.get_by_label("スポーツ・運動").check()
        page.get_by_label("具体的な内容").fill("ソフトテニスの練習")
        page.get_by_label("利用人数").fill("2")
        next_step(page)
        page.get_by_label("当日連絡がとれる電話番号").fill("090-1234-5678")
        page.get_by_label("メールアドレス").fill("hanako@example.jp")
        next_step(page)
        page.get_by_label("同意します").check()
        next_step(page)
        page.get_by_role("button", name="この内容で申請する").click()
        page.wait_for_url("**/confirmation")
        assert page.get_by_text("2026/12/8（火）19:00–21:00").is_visible()
    finally:
        live.portal.extensions.pop("clock", None)
        context.close()
