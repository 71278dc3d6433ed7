"""The event journey on phones (390×844, axe on every page): a parent finds a paid 子育て講座 in the events list,
opens it, chooses themselves and two children, signs in with the card, answers the children's questions, pays by
card on the (emulated) Stripe Checkout page and gets the confirmed registration and the QR ticket; at the door a
staff member checks them in on a phone by typing the 受付番号. The same journey works with JavaScript off."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal import db as portal_db
from portal.events.models import EventRegistration
from tests.conftest import reset_database
from tests.e2e.conftest import PHONE
from tests.e2e.steps import next_step, sign_in_with_card
from tests.e2e.test_backoffice_journey import create_staff
from tests.e2e.test_event_checkin_journey import staff_sign_in
from tests.integration.events_factory import NOW, PAID, make_event

CHILDREN = [("child", "一宮 たろう", "いちのみや たろう", ("2019", "5", "1")),
            ("child2", "一宮 さくら", "いちのみや さくら", ("2021", "8", "3"))]


def make_course(app):
    with app.app_context():
        make_event(portal_db.session(), (12,), slug="oyako-rhythm", title="親子でリトミック（子育て講座）",
                   category="childcare", participant_types=PAID, max_party=3, procedure_key="event-kosodate",
                   venue_name="子育て支援センター", venue_address="一宮市本町2丁目", what_to_bring="飲み物、タオル")
    app.extensions["clock"] = lambda: NOW


def find_the_course(page, url, a11y=None):
    page.goto(url + "/ichinomiya/events")
    if a11y:
        a11y.check(page, "events")
    page.get_by_role("link", name="親子でリトミック（子育て講座）").click()
    page.wait_for_url("**/events/oyako-rhythm")
    if a11y:
        a11y.check(page, "event")
    page.get_by_role("link", name="申し込む").first.click()
    page.wait_for_url("**/events/oyako-rhythm/apply")


def check_in_at_the_door(browser, live, reference, a11y=None, javascript=True):
    """A staff phone: the session's 受付, the code typed as read out (lower case, no hyphens)."""
    create_staff(live, "uketsuke", procedures=(), display_name="子育て支援課 受付")
    context = browser.new_context(viewport=PHONE, locale="ja-JP", java_script_enabled=javascript)
    context.console_errors = []
    page = context.new_page()
    try:
        staff_sign_in(page, live, "uketsuke")
        page.goto(f"{live.portal_url}/ichinomiya/backoffice/events")
        page.get_by_role("link", name="親子でリトミック（子育て講座）").click()
        page.get_by_role("link", name="当日受付").click()
        page.wait_for_url("**/checkin")
        if a11y:
            a11y.check(page, "door-checkin")
        page.get_by_label("受付番号").fill(reference.lower().replace("-", ""))
        page.get_by_role("button", name="受付する", exact=True).click()
        result = page.locator("#checkin-result").inner_text()
        assert "受付しました" in result and "山田 花子" in result
        assert page.locator("[data-count=arrived]").inner_text() == "3"   # people, not tickets
        if a11y:
            a11y.check(page, "door-checked-in")
    finally:
        context.close()


def choose_and_answer(page, url, a11y=None):
    find_the_course(page, url, a11y)
    if a11y:
        a11y.check(page, "apply-signed-out")
    page.get_by_role("link", name="ログインして申し込む").click()
    sign_in_with_card(page, "yamada-hanako")
    page.wait_for_url("**/events/oyako-rhythm/apply")
    if a11y:
        a11y.check(page, "apply")
    page.get_by_label(re.compile("^大人")).select_option("1")
    page.get_by_label(re.compile("^子ども")).select_option("2")
    page.get_by_role("button", name="質問に答えて申し込む").click()
    page.wait_for_url("**/steps/children")
    if a11y:
        a11y.check(page, "children")
    for key, name, kana, (year, month, day) in CHILDREN:
        page.locator(f"input[name={key}_name]").fill(name)
        page.locator(f"input[name={key}_kana]").fill(kana)
        page.locator(f"input[name={key}_birth_date__year]").fill(year)
        page.locator(f"input[name={key}_birth_date__month]").fill(month)
        page.locator(f"input[name={key}_birth_date__day]").fill(day)
    page.get_by_label(re.compile("アレルギー")).fill("たろう：卵")
    next_step(page)
    page.wait_for_url("**/steps/guardian")
    if a11y:
        a11y.check(page, "guardian")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_label("当日連絡がとれる電話番号").fill("090-1234-5678")
    next_step(page)
    page.wait_for_url("**/check")
    if a11y:
        a11y.check(page, "check")
    assert page.get_by_text("大人1人・子ども2人").first.is_visible()
    page.get_by_role("button", name="この内容で申請する").click()
    page.wait_for_url("**/confirmation")


def test_a_parent_finds_applies_pays_and_is_checked_in_at_the_door(browser, world, a11y, mail_sink):
    live = world.live
    make_course(live.portal)
    try:
        page = world.phone()
        choose_and_answer(page, live.portal_url, a11y)
        a11y.check(page, "confirmation-unpaid")
        assert page.locator("#event-outcome").get_by_text("お支払い待ち").is_visible()
        page.get_by_role("button", name=re.compile("2,400円")).click()
        page.wait_for_url(f"{live.emulator.base_url}/checkout/**")
        a11y.check(page, "stripe-checkout")
        page.get_by_role("button", name=re.compile("カード決済 成功")).click()
        page.wait_for_url("**/payments/*/return**")
        a11y.check(page, "return-paid")
        page.get_by_role("link", name="参加票を表示する").click()
        page.wait_for_url("**/registrations/*")
        a11y.check(page, "registration-confirmed")
        assert page.locator("#registration-status").get_by_text("参加確定").is_visible()
        page.get_by_role("link", name="参加票（QRコード）を表示する").click()
        page.wait_for_url("**/ticket")
        a11y.check(page, "ticket")
        reference = page.locator("#ticket-reference").inner_text().strip()
        assert re.fullmatch(r"E-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
        box = page.locator(".ticket__qr svg").bounding_box()
        assert box["width"] >= 250   # big enough to scan at the door
        message = mail_sink.wait_for(lambda m: reference in m["Subject"] and "お支払いを確認し" in m["Subject"])
        assert [p.get_content_type() for p in message.iter_attachments()] == ["image/png"]
        check_in_at_the_door(browser, live, reference, a11y)
    finally:
        live.portal.extensions.pop("clock", None)


def test_the_application_works_with_javascript_off(browser, world, mail_sink):
    live = world.live
    make_course(live.portal)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ja-JP")
    page = context.new_page()
    try:
        choose_and_answer(page, live.portal_url)
        assert page.locator("#event-outcome").get_by_text("お支払い待ち").is_visible()
        page.get_by_role("link", name="申込のページ（参加票・状況）を見る").click()
        page.wait_for_url("**/registrations/*")
        with live.portal.app_context():
            dbs = portal_db.session()
            [registration] = dbs.scalars(select(EventRegistration)).all()
            assert registration.status == "pending_payment" and registration.party == {"adult": 1, "child": 2}
        page.get_by_role("link", name=re.compile("参加費2,400円を支払う")).click()
        page.get_by_role("button", name=re.compile("2,400円")).click()
        page.wait_for_url(f"{live.emulator.base_url}/checkout/**")
        page.get_by_role("button", name=re.compile("カード決済 成功")).click()
        page.wait_for_url("**/payments/*/return**")
        page.get_by_role("link", name="参加票を表示する").click()
        page.get_by_role("link", name="参加票（QRコード）を表示する").click()
        page.wait_for_url("**/ticket")
        reference = page.locator("#ticket-reference").inner_text().strip()
        assert page.locator(".ticket__qr svg").is_visible()
        check_in_at_the_door(browser, live, reference, javascript=False)
    finally:
        live.portal.extensions.pop("clock", None)
        context.close()
        reset_database(live.portal)
