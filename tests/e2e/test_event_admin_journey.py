"""Event administration in a real browser: an admin at a desk registers a course (a refused form first), adds its
dates, publishes it, raises a session's capacity; the same pages on a phone. axe-core and a screenshot on each."""
from __future__ import annotations

import pyotp

from portal import db as portal_db
from portal.procedures.publishing import publish
from portal.staff.models import StaffUser
from portal.tenancy.models import Municipality
from tests.e2e.conftest import PHONE
from tests.e2e.test_backoffice_journey import PASSWORD, create_staff, desk

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def publish_event_definition(live):
    with live.portal.app_context():
        session = portal_db.session()
        city = session.query(Municipality).filter_by(slug="ichinomiya").one()
        publish(session, {"id": "event-test", "version": 1, "kind": "event", "category": "event",
                          "title": "子育て講座の申込", "audience": "signed_in", "fee": {"rule": "kind"},
                          "steps": [{"id": "child", "title": "お子さん", "fields": [
                              {"id": "child_birthdate", "type": "date", "label": "お子さんの生年月日"}]}]},
                source="builder", municipality=city)
        session.commit()


def admin_sign_in(page, live):
    """Admins sign in with a second factor (TOTP)."""
    page.goto(live.portal_url + "/ichinomiya/backoffice/login")
    page.get_by_label("ユーザー名").fill("kanri")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_label("確認コード（6桁）").fill(pyotp.TOTP(SECRET).now())
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/ichinomiya/backoffice/")


def test_an_admin_registers_publishes_and_grows_an_event(phone, browser, live, a11y):
    create_staff(live, "kanri", role="admin", display_name="子育て支援課 管理 一郎")
    publish_event_definition(live)
    with live.portal.app_context():
        session = portal_db.session()
        session.query(StaffUser).filter_by(username="kanri").one().totp_secret = SECRET
        session.commit()
    context = desk(browser)
    page = context.new_page()
    admin_sign_in(page, live)
    page.goto(live.portal_url + "/ichinomiya/backoffice/admin/events")
    a11y.check(page, "event-list-empty")
    page.get_by_role("link", name="イベントを登録する").click()
    a11y.check(page, "event-new")

    page.get_by_label("イベント名", exact=True).fill("親子で楽しむ科学教室")
    page.get_by_label("URL用の名前").fill("kagaku")
    page.get_by_label("分類").select_option("childcare")
    page.get_by_label("会場名と所在地を入力する").check()
    page.get_by_label("会場名（任意）").fill("中央公民館 講堂")
    page.get_by_label("受付開始").fill("2027-04-01T09:00")
    page.get_by_label("締切").fill("2027-03-20T17:00")     # before it opens: refused
    page.get_by_label("申込の質問（イベント用の手続き）（任意）").select_option("event-test")
    page.get_by_role("button", name="登録する").click()
    a11y.check(page, "event-new-refused")
    assert page.locator("#f-closes_at-error").is_visible()
    assert page.get_by_label("イベント名", exact=True).input_value() == "親子で楽しむ科学教室"

    page.get_by_label("締切").fill("2027-04-20T17:00")
    page.get_by_role("button", name="登録する").click()
    page.wait_for_url("**/sessions")
    a11y.check(page, "event-sessions-empty")
    page.get_by_label("開催日").fill("2027-05-09")
    page.get_by_label("開始").fill("10:00")
    page.get_by_label("終了").fill("12:00")
    page.get_by_label("定員（人）").fill("20")
    page.get_by_role("button", name="回を追加する").click()
    a11y.check(page, "event-sessions")

    page.get_by_role("link", name="公開する").first.click()
    a11y.check(page, "event-publish-confirm")
    page.get_by_role("button", name="公開する").click()
    a11y.check(page, "event-published")
    assert "公開しました" in page.content()

    page.get_by_role("link", name="回（日程と定員）").click()
    page.locator("section.unit-card input[name=capacity]").fill("1")
    page.locator("section.unit-card").get_by_role("button", name="保存する").click()
    a11y.check(page, "event-session-saved")
    page.get_by_role("link", name="複製する").click()
    a11y.check(page, "event-duplicate")
    page.goto(live.portal_url + "/ichinomiya/backoffice/admin/events")
    a11y.check(page, "event-list")
    cookies = context.cookies()
    context.close()

    # the same pages on a phone
    small = browser.new_context(viewport=PHONE, locale="ja-JP")
    small.add_cookies(cookies)
    small.console_errors = []
    mobile = small.new_page()
    for path, label in (("", "phone-event-list"), ("/new", "phone-event-new")):
        mobile.goto(live.portal_url + "/ichinomiya/backoffice/admin/events" + path)
        a11y.check(mobile, label)
    mobile.get_by_role("button", name="登録する").click()
    a11y.check(mobile, "phone-event-new-refused")
    mobile.goto(live.portal_url + "/ichinomiya/backoffice/admin/events")
    mobile.locator("td a", has_text="回").first.click()
    a11y.check(mobile, "phone-event-sessions")
    small.close()
