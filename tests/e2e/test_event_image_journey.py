"""An admin gives an event an image in the browser (file chooser, alt text); a resident sees it on a phone on the
list (thumbnail) and the event's page — axe on each page, screenshots kept under E2E_SCREENSHOTS."""
from __future__ import annotations

from datetime import UTC, datetime

from portal import db as portal_db
from portal.booking.demo import load_demo_facilities
from portal.events.demo import load_demo_events
from portal.events.models import Event
from portal.staff.models import StaffUser
from tests.e2e.test_backoffice_journey import create_staff, desk
from tests.e2e.test_event_admin_journey import SECRET, admin_sign_in
from tests.unit.booking.test_booking_photo_processing import image_bytes

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_an_admin_sets_an_event_image_that_residents_see(phone, browser, live, a11y, tmp_path):
    live.portal.extensions["clock"] = lambda: NOW
    create_staff(live, "kanri", role="admin", display_name="子育て支援課 管理 一郎")
    with live.portal.app_context():
        session = portal_db.session()
        load_demo_facilities(session)
        load_demo_events(session, NOW)
        session.query(StaffUser).filter_by(username="kanri").one().totp_secret = SECRET
        event = session.query(Event).filter_by(status="published").order_by(Event.id).first()
        event_id, slug, title = event.id, event.slug, event.title
        session.commit()
    picture = tmp_path / "class.png"
    picture.write_bytes(image_bytes("PNG", size=(1200, 800), color="teal"))
    try:
        context = desk(browser)
        page = context.new_page()
        admin_sign_in(page, live)
        page.goto(f"{live.portal_url}/ichinomiya/backoffice/admin/events/{event_id}/image")
        a11y.check(page, "admin-image-empty")
        page.get_by_label("画像の説明（代替テキスト）").fill("調理実習で野菜を切る参加者")
        page.get_by_role("button", name="保存する").click()
        assert page.get_by_text("画像のファイルを選んでください").first.is_visible()
        assert page.get_by_label("画像の説明（代替テキスト）").input_value() == "調理実習で野菜を切る参加者"
        a11y.check(page, "admin-image-refused")
        page.set_input_files("#f-image", str(picture))
        page.get_by_role("button", name="保存する").click()
        assert page.get_by_text("画像を登録しました。").is_visible()
        a11y.check(page, "admin-image-set")
        context.close()

        resident = phone
        resident.goto(f"{live.portal_url}/ichinomiya/events")
        a11y.check(resident, "list")
        resident.goto(f"{live.portal_url}/ichinomiya/events/{slug}")
        image = resident.get_by_role("img", name="調理実習で野菜を切る参加者")
        image.scroll_into_view_if_needed()
        assert image.evaluate("i => i.complete && i.naturalWidth") == 1200
        assert image.bounding_box()["width"] <= 390
        assert resident.get_by_role("heading", name=title).is_visible()
        a11y.check(resident, "detail")
    finally:
        live.portal.extensions.pop("clock", None)
