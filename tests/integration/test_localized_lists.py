"""Lists read dates as people write them (「2026年12月2日(水) 13:00」 / "Wed 2 Dec 2026 13:00"), not as
`2026-12-02 13:00`; the header leads to the facility search; in English, districts and the prefecture have
English names."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.conftest import sign_in_as
from tests.integration.backoffice import make_submission, sign_in_staff
from tests.integration.booking_factory import make_facility
from tests.integration.test_translations_pages import switch_to_english

SUBMITTED = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # Wednesday 13:00 in Tokyo
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def test_a_residents_lists_show_dates_in_japanese_and_english(app, db, make_resident):
    resident = make_resident()
    submission = make_submission(db, resident=resident, submitted_at=SUBMITTED)
    client = app.test_client()
    sign_in_as(client, resident)
    mypage = client.get("/ichinomiya/mypage/").get_data(as_text=True)
    assert "2026年12月2日(水)" in mypage and "2026-12-02" not in mypage
    detail = client.get(f"/ichinomiya/mypage/submissions/{submission.reference}").get_data(as_text=True)
    assert "2026年12月2日(水) 13:00" in detail and not ISO_MOMENT.search(detail)
    switch_to_english(client, "/ichinomiya/mypage/")
    assert "Wed 2 Dec 2026" in client.get("/ichinomiya/mypage/").get_data(as_text=True)
    detail = client.get(f"/ichinomiya/mypage/submissions/{submission.reference}").get_data(as_text=True)
    assert "Wed 2 Dec 2026 13:00" in detail


def test_the_staff_queue_shows_dates_in_japanese(app, db, make_staff):  # noqa: F811
    make_submission(db, submitted_at=SUBMITTED)
    staff = app.test_client()
    sign_in_staff(staff, make_staff())
    queue = staff.get("/ichinomiya/backoffice/").get_data(as_text=True)
    assert "2026年12月2日(水) 13:00" in queue and not ISO_MOMENT.search(queue)


def test_the_header_leads_to_the_facility_search(client, db):
    page = client.get("/ichinomiya/").get_data(as_text=True)
    header = page.split("</header>")[0]
    assert 'href="/ichinomiya/facilities"' in header and "施設予約" in header


def test_districts_and_the_prefecture_have_english_names(client, db):
    make_facility(db, area="中央", area_en="Central")
    make_facility(db, slug="other", area="北部")  # no English name given: the Japanese one stays
    assert "愛知県" in client.get("/").get_data(as_text=True)
    switch_to_english(client, "/ichinomiya/facilities")
    page = client.get("/ichinomiya/facilities").get_data(as_text=True)
    assert '<option value="中央" >Central</option>' in page and "· Central" in page
    assert '<option value="北部" >北部</option>' in page
    assert "Central" in client.get("/ichinomiya/facilities?area=中央").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Aichi" in home and "愛知県" not in home
