"""A walk-in books a court at the counter (窓口予約) with no email address — a name and a phone number are enough —
and the day sheet the caretaker prints, with that booking on it, is one A4 page. axe on every page."""
from __future__ import annotations

import re
import subprocess
from datetime import date, time

import pytest

from portal import db as portal_db
from portal.booking.domain.calendar import jst
from tests.conftest import reset_database
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_backoffice_journey import create_staff, desk, staff_sign_in
from tests.integration.booking_factory import make_facility

TODAY = jst(date(2026, 12, 1), time(10, 0))


@pytest.fixture
def counter_world(live, mail_sink):
    reset_database(live.portal)
    mail_sink.clear()
    with live.portal.app_context():
        make_facility(portal_db.session(), slug="test-tennis")
    live.portal.extensions["clock"] = lambda: TODAY
    yield live
    live.portal.extensions.pop("clock", None)


def test_a_counter_booking_without_email_is_on_the_one_page_day_sheet(browser, counter_world, a11y, mail_sink):
    live = counter_world
    create_staff(live, "caretaker", procedures=("facility-booking",), display_name="施設係 管理 一郎")
    context = desk(browser)
    page = context.new_page()
    staff_sign_in(page, live, a11y, "caretaker")
    page.goto(live.portal_url + "/ichinomiya/backoffice/facilities/test-tennis/counter?date=2026-12-08")
    a11y.check(page, "counter-booking")
    assert page.get_by_label(re.compile("メール")).count() == 0   # nobody is asked for an email address
    page.locator("input[name=slot][value='court-a/2026-12-08 09:00']").check(force=True)
    page.get_by_label("氏名").fill("窓口 花子")
    page.get_by_label("電話番号").fill("0586-28-1234")
    page.get_by_label("窓口で現金で受け取った").check()
    page.get_by_role("button", name="選んだ枠を予約する").click()

    page.wait_for_url("**/test-tennis/day?**")
    a11y.check(page, "counter-day-sheet")
    assert page.get_by_text("窓口予約を登録しました。使用料600円を現金で受け取りました。").is_visible()
    row = page.locator("tr", has_text="窓口 花子")
    assert row.get_by_text("0586-28-1234").is_visible() and row.get_by_text("09:00–11:00").is_visible()
    pdf = SCREENSHOTS / a11y.name / "counter-day-sheet.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(pdf), format="A4", print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "窓口 花子" in text and "0586-28-1234" in text and "日報" in text
    assert mail_sink.messages() == []    # no address, no email
    assert context.console_errors == []
    context.close()
