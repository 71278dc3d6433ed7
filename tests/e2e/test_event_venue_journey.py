"""An event at a facility in a real browser: an admin publishes a course held at the tennis courts while a resident
has booked one of its slots; the sessions page says what is held and who holds the rest (desk and phone). axe-core
and a screenshot on each."""
from __future__ import annotations

from datetime import time, timedelta

from portal import clock, db as portal_db
from portal.booking.domain.calendar import jst, local_date
from portal.booking.services import inventory
from portal.events.models import Event
from portal.identity.models import Resident
from portal.procedures.publishing import publish
from portal.staff.models import StaffUser
from portal.tenancy.models import Municipality
from tests.e2e.conftest import PHONE
from tests.e2e.test_backoffice_journey import create_staff, desk
from tests.e2e.test_event_admin_journey import SECRET, admin_sign_in
from tests.integration.booking_factory import make_facility
from tests.integration.events_factory import FREE, make_event


def course_at_the_courts(live) -> int:
    """A draft course 10 days ahead, 10:00–12:00 at the courts, with court A 11:00 booked by a resident."""
    with live.portal.app_context():
        session = portal_db.session()
        facility = make_facility(session)
        day = local_date(clock.now()) + timedelta(days=10)
        resident = Resident(sub="venue-e2e", issuer="http://idp.test", claims={"name": "一宮 花子"}, remembered={})
        session.add(resident)
        session.commit()
        inventory.take(session, facility, inventory.resolve(facility, [f"court-a/{day:%Y-%m-%d} 11:00"]),
                       kind="first_come", status="confirmed", now=clock.now(), resident_id=resident.id,
                       person_sub=resident.sub)
        event = make_event(session, slug="cooking", title="親子料理教室", facility_id=facility.id, venue_name="",
                           procedure_key="event-test", participant_types=FREE, status="draft",
                           opens_at=clock.now() - timedelta(days=1), closes_at=jst(day, time(0)))
        first = event.sessions[0]
        first.starts_at, first.ends_at = jst(day, time(10)), jst(day, time(12))
        session.query(StaffUser).filter_by(username="kanri").one().totp_secret = SECRET
        session.commit()
        return event.id


def publish_event_definition(live):
    with live.portal.app_context():
        session = portal_db.session()
        city = session.query(Municipality).filter_by(slug="ichinomiya").one()
        publish(session, {"id": "event-test", "version": 1, "kind": "event", "category": "event",
                          "title": "講座の申込", "audience": "signed_in", "fee": {"rule": "kind"},
                          "steps": [{"id": "about", "title": "参加者", "fields": [
                              {"id": "allergies", "type": "text", "label": "アレルギー"}]}]},
                source="builder", municipality=city)
        session.commit()


def test_publishing_an_event_at_a_facility_blocks_its_slots(browser, live, a11y, phone):  # phone: a clean database
    create_staff(live, "kanri", role="admin", display_name="子育て支援課 管理 一郎")
    publish_event_definition(live)
    event_id = course_at_the_courts(live)
    context = desk(browser)
    page = context.new_page()
    admin_sign_in(page, live)
    sessions = f"{live.portal_url}/ichinomiya/backoffice/admin/events/{event_id}/sessions"
    page.goto(sessions)
    a11y.check(page, "venue-draft")
    assert "公開すると、会場の施設「テスト市民テニスコート」" in page.content()

    page.goto(f"{live.portal_url}/ichinomiya/backoffice/admin/events/{event_id}/publish")
    page.get_by_role("button", name="公開する").click()
    a11y.check(page, "venue-published")
    assert "3枠を確保しました" in page.content() and "確保できませんでした" in page.content()

    page.goto(sessions)
    a11y.check(page, "venue-sessions-partial")
    assert "一部確保できません" in page.content() and "一宮 花子" in page.content()
    page.get_by_role("button", name="施設の枠を確保し直す").click()
    a11y.check(page, "venue-sync-again")
    assert "新たに確保できる枠はありませんでした" in page.content()
    cookies = context.cookies()
    context.close()

    small = browser.new_context(viewport=PHONE, locale="ja-JP")
    small.add_cookies(cookies)
    small.console_errors = []
    mobile = small.new_page()
    mobile.goto(sessions)
    a11y.check(mobile, "phone-venue-sessions")
    small.close()
    with live.portal.app_context():
        assert portal_db.session().get(Event, event_id).status == "published"
