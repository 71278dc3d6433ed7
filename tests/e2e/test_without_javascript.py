"""The journey works with JavaScript turned off: every page is a plain form."""
from __future__ import annotations

import re

from tests.e2e.conftest import PHONE
from tests.e2e.steps import next_step


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
