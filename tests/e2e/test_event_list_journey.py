"""A resident finds events on a phone (no script of their own on the pages): the list, a filter, the calendar and
with axe on each (screenshots kept under E2E_SCREENSHOTS)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal import db as portal_db
from portal.booking.demo import load_demo_facilities
from portal.events.demo import load_demo_events

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def nojs(live, phone):
    """axe needs script in the page, so JavaScript stays on; the pages work as links and GET forms."""
    live.portal.extensions["clock"] = lambda: NOW
    with live.portal.app_context():
        session = portal_db.session()
        load_demo_facilities(session)
        load_demo_events(session, NOW)
        session.commit()
    yield phone
    live.portal.extensions.pop("clock", None)


def test_a_resident_finds_a_course_by_list_filter_and_calendar(nojs, live, a11y):
    page = nojs
    page.goto(f"{live.portal_url}/ichinomiya/events")
    assert page.get_by_text("親子で楽しむ子育て講座（全3回）").is_visible()
    a11y.check(page, "list")
    page.get_by_text("条件で絞り込む").click()
    page.select_option("#target", "elderly")
    page.get_by_role("button", name="探す").click()
    assert "target=elderly" in page.url
    assert page.get_by_text("はじめてのスマホ教室（65歳以上）").is_visible()
    assert page.get_by_text("地域の防災訓練").count() == 0
    a11y.check(page, "filtered")
    page.get_by_role("link", name="カレンダー").click()
    assert "view=calendar" in page.url
    a11y.check(page, "calendar")
    page.locator('a[href*="day=2026-12-12"]').click()
    assert page.get_by_role("heading", name="12月12日（土）").is_visible()
    a11y.check(page, "calendar-day")
    page.get_by_role("link", name="次の月").click()
    a11y.check(page, "calendar-next")
    page.goto(f"{live.portal_url}/ichinomiya/events")
    page.get_by_role("link", name="親子で楽しむ子育て講座（全3回）").click()
    assert page.get_by_role("link", name="申し込む").first.is_visible()
    a11y.check(page, "detail")
    page.goto(f"{live.portal_url}/anjo/events/tanabata")
    assert page.get_by_text("受付は締め切りました").is_visible()
    a11y.check(page, "detail-closed")
