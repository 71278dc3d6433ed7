"""受付 at the door in real browsers: a staff member signs in on a phone (390×844), opens the session's check-in,
types a resident's 受付番号 as read out (lower case, no hyphens), sees 受付しました, types it again and sees the
refusal with the time; adds a walk-in. At a desk the participant list shows them arrived. axe-core on every page;
then the same check-in with JavaScript off."""
from __future__ import annotations

import re

from portal import db as portal_db
from portal.identity.models import Resident
from tests.conftest import PERSONA_CLAIMS, reset_database
from tests.e2e.conftest import PHONE
from tests.e2e.test_backoffice_journey import PASSWORD, create_staff, desk
from tests.integration.events_factory import NOW, PAID, make_event
from tests.integration.test_event_staff import HANAKO, QUESTIONS_KEY, register


def world(live):
    """An event of 一宮市 with a paid family party and an unpaid one, as the application journey leaves them."""
    live.portal.extensions["clock"] = lambda: NOW
    with live.portal.app_context():
        dbs = portal_db.session()
        event = make_event(dbs, (12,), title="親子料理教室", participant_types=PAID, procedure_key=QUESTIONS_KEY,
                           department="生涯学習課", venue_name="中央公民館")
        residents = []
        for i, name in enumerate(("一宮 花子", "尾張 太郎")):
            resident = Resident(sub=f"e2e-door-{i}", issuer="http://idp.test",
                                claims={**PERSONA_CLAIMS["ichinomiya"], "name": name}, remembered={})
            dbs.add(resident)
            residents.append(resident)
        dbs.commit()
        hanako = register(dbs, event, residents[0], party={"adult": 1, "child": 2}, answers=HANAKO, fee=2400,
                          paid="paid")
        taro = register(dbs, event, residents[1], status="pending_payment", party={"adult": 1}, fee=1200,
                        answers={**HANAKO, "name": "尾張 太郎", "name_kana": "おわり たろう",
                                 "email": "taro@example.jp", "allergy": ""})
        return event.id, event.sessions[0].id, hanako.reference, taro.reference


def staff_sign_in(page, live, username):
    page.goto(live.portal_url + "/ichinomiya/backoffice/login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/ichinomiya/backoffice/")


def without_refusal_loads(page) -> None:
    """A refused check-in answers 409 on purpose; Chromium logs that status like a failed load."""
    errors = page.context.console_errors
    errors[:] = [e for e in errors if "status of 409" not in e]


def test_staff_check_a_family_in_on_a_phone_by_typing_the_code(phone, browser, live, a11y):
    event_id, session_id, reference, unpaid = world(live)
    create_staff(live, "uketsuke", procedures=(), display_name="生涯学習課 受付 花子")
    try:
        page = phone
        staff_sign_in(page, live, "uketsuke")
        page.goto(f"{live.portal_url}/ichinomiya/backoffice/events")
        a11y.check(page, "staff-events")
        page.get_by_role("link", name="親子料理教室").click()
        a11y.check(page, "staff-event")
        page.get_by_role("link", name="当日受付").click()
        page.wait_for_url(f"**/sessions/{session_id}/checkin")
        assert page.locator("[data-count=arrived]").inner_text() == "0"
        assert page.locator("[data-count=registered]").inner_text() == "4"
        a11y.check(page, "checkin")

        typed = reference.lower().replace("-", "")[1:]   # 「7k3q9xza」 as read out, without the E
        page.get_by_label("受付番号").fill(typed)
        page.get_by_role("button", name="受付する", exact=True).click()
        result = page.locator("#checkin-result")
        assert "受付しました" in result.inner_text() and "一宮 花子" in result.inner_text()
        assert page.locator("[data-count=arrived]").inner_text() == "3"
        a11y.check(page, "checked-in")

        page.get_by_label("受付番号").fill(reference)
        page.get_by_role("button", name="受付する", exact=True).click()
        text = page.locator("#checkin-result").inner_text()
        assert "受付済み（10:00、生涯学習課 受付 花子）" in text and "一宮 花子" in text
        without_refusal_loads(page)
        a11y.check(page, "already-checked-in")

        page.get_by_role("searchbox").fill("おわり")
        page.get_by_role("button", name="検索").click()
        page.get_by_role("button", name=re.compile("受付する.*尾張 太郎")).click()
        text = page.locator("#checkin-result").inner_text()
        assert "受付しました" in text and "参加費1,200円が未払いです" in text and unpaid in text
        a11y.check(page, "unpaid-checked-in")

        page.get_by_label("氏名", exact=True).fill("当日 三郎")
        page.get_by_label("大人（1,200円）").fill("1")
        page.get_by_label("子ども（600円）").fill("1")
        page.get_by_role("button", name="当日参加を受け付ける").click()
        assert "受付しました" in page.locator("#checkin-result").inner_text()
        assert page.locator("[data-count=arrived]").inner_text() == "6"
        assert page.locator("[data-count=registered]").inner_text() == "6"
        a11y.check(page, "walk-in")

        # at a desk: the participant list shows who came, and prints on A4
        context = desk(browser)
        sheet = context.new_page()
        staff_sign_in(sheet, live, "uketsuke")
        sheet.goto(f"{live.portal_url}/ichinomiya/backoffice/events/sessions/{session_id}")
        rows = sheet.locator("table.roster tbody tr")
        assert rows.count() == 3
        assert "✓ 10:00" in rows.filter(has_text="一宮 花子").inner_text()
        a11y.check(sheet, "participants")
        sheet.goto(f"{live.portal_url}/ichinomiya/backoffice/events/sessions/{session_id}?print=1")
        assert sheet.get_by_role("button", name="印刷する").is_visible()
        a11y.check(sheet, "participants-print")
        sheet.emulate_media(media="print")
        sheet.screenshot(path=str(a11y.directory / "participants-printed.png"), full_page=True)
        assert not sheet.locator(".site-header").is_visible()
        pdf = sheet.pdf(format="A4", landscape=True)
        assert pdf.startswith(b"%PDF")
        context.close()
    finally:
        live.portal.extensions.pop("clock", None)


def test_check_in_with_javascript_off(browser, live, mail_sink):
    reset_database(live.portal)
    _event_id, session_id, reference, _unpaid = world(live)
    create_staff(live, "uketsuke", procedures=(), display_name="受付 一郎")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ja-JP")
    context.console_errors = []
    page = context.new_page()
    try:
        staff_sign_in(page, live, "uketsuke")
        page.goto(f"{live.portal_url}/ichinomiya/backoffice/events/sessions/{session_id}/checkin")
        assert not page.get_by_role("button", name="カメラでQRコードを読む").is_visible()
        page.get_by_label("受付番号").fill(reference.lower())
        page.get_by_role("button", name="受付する", exact=True).click()
        assert "受付しました" in page.locator("#checkin-result").inner_text()
        assert page.locator("[data-count=arrived]").inner_text() == "3"
        page.get_by_label("受付番号").fill(reference)
        page.get_by_role("button", name="受付する", exact=True).click()
        assert "受付済み（10:00、受付 一郎）" in page.locator("#checkin-result").inner_text()
    finally:
        context.close()
        live.portal.extensions.pop("clock", None)


FAKE_CAMERA = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect(source) {
    // the QR code comes into view after a few frames
    window.__frames = (window.__frames || 0) + 1;
    return Promise.resolve(window.__frames > 3 && source.srcObject ? [{ rawValue: %s }] : []);
  }
};
navigator.mediaDevices.getUserMedia = function () {
  var canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 64;
  canvas.getContext("2d").fillRect(0, 0, 64, 64);
  return Promise.resolve(canvas.captureStream(5));
};
"""


def test_the_camera_reads_the_qr_code_and_the_counts_follow_the_other_phone(phone, live, a11y):
    """Where the browser has BarcodeDetector (here a stand-in, with a canvas for the camera: headless Chromium on
    Linux has neither) the camera button reads the ticket's token into the same form; the counts refresh from
    the other phone's check-ins without reloading."""
    import json

    from playwright.sync_api import expect

    from portal.events import checkin, tickets
    from portal.events.models import EventRegistration, EventSession

    _event_id, session_id, reference, unpaid = world(live)
    create_staff(live, "uketsuke", procedures=(), display_name="受付 一郎")
    with live.portal.app_context():
        dbs = portal_db.session()
        secret = dbs.query(EventRegistration).filter_by(reference=reference).one().ticket_secret
        token = tickets.token(secret)
    try:
        page = phone
        page.add_init_script(FAKE_CAMERA % json.dumps(token))
        staff_sign_in(page, live, "uketsuke")
        page.goto(f"{live.portal_url}/ichinomiya/backoffice/events/sessions/{session_id}/checkin")
        camera = page.get_by_role("button", name="カメラでQRコードを読む")
        camera.wait_for(state="visible")
        a11y.check(page, "checkin-with-camera")
        camera.click()
        page.wait_for_selector("#checkin-result")
        assert "受付しました" in page.locator("#checkin-result").inner_text()
        assert page.locator("[data-count=arrived]").inner_text() == "3"

        with live.portal.app_context():   # the other phone at the door
            dbs = portal_db.session()
            checkin.check_in(dbs, dbs.get(EventSession, session_id), unpaid, now=NOW, by="受付 二郎")
            dbs.commit()
        expect(page.locator("[data-count=arrived]")).to_have_text("4", timeout=20000)   # polled every 10 s
    finally:
        live.portal.extensions.pop("clock", None)
