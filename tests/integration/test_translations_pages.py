"""Pages and emails in English: after the language switch the portal's own texts come from the English
catalogue (the compiled ``messages.mo``; ``make translations`` builds it from the committed .po)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.booking.domain.calendar import local_date
from portal.db import utcnow
from portal.procedures.models import Submission
from tests.conftest import sign_in_as
from tests.integration.backoffice import page_lock_version, resident_submits_juminhyo, sign_in_staff
from tests.integration.booking_factory import make_facility
from tests.integration.helpers import post, switch_language


def switch_to_english(client, page: str = "/ichinomiya/") -> None:
    response = switch_language(client, "en", page)
    assert response.status_code == 302


def english_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    return page


def test_the_catalogue_is_in_english(client, db):
    switch_to_english(client)
    page = english_page(client, "/ichinomiya/")
    assert "Find a procedure" in page and "Search by keyword" in page, "is messages.mo compiled? (make translations)"
    assert "手続きを探す" not in page and "キーワードで探す" not in page
    assert "Ichinomiya City Citizens Affairs Division" in page and "市民課" not in page  # the footer


def test_the_facility_list_and_a_facility_page_are_in_english(client, db):
    make_facility(db)
    switch_to_english(client)
    listing = english_page(client, "/ichinomiya/facilities")
    assert "Facility booking" in listing and "Type of facility" in listing and "Test Tennis Courts" in listing
    assert "施設の種類" not in listing
    facility = english_page(client, "/ichinomiya/facilities/test-tennis")
    assert "Facility information" in facility and "Booking period" in facility
    # fragments joined in the template, with a %% that must come out as one "%"
    assert "Free until 3 days before the day of use, then 50% of the fee. No cancellation from 1 day before" in facility
    assert "From 60 days before the day of use until 1 hour before the start" in facility
    month = english_page(client, "/ichinomiya/facilities/test-tennis?view=month")
    assert "Availability by day" in month and "Not open yet or booking closed" in month


def test_days_read_the_english_way(client, db):
    make_facility(db)
    day = local_date(utcnow()) + timedelta(days=7)
    switch_to_english(client)
    page = english_page(client, f"/ichinomiya/facilities/test-tennis?date={day.isoformat()}")
    assert f'{day:%a} {day.day} {day:%b %Y}' in page and "（" not in page.split("<main")[1].split("</h2>")[0]


def test_counts_take_the_english_plural(client, db):
    make_facility(db, rules={"max_days_ahead": 90, "min_notice_hours": 24, "max_slots_per_person_per_month": 8,
                             "hold_minutes": 30},
                  cancellation={"free_until_days_before": 7, "late_fee_percent": 50, "no_cancel_within_days": 2})
    japanese = client.get("/ichinomiya/facilities/test-tennis").get_data(as_text=True)
    assert "利用日の90日前から、利用開始の24時間前まで" in japanese \
        and "。利用日の2日前からは取り消せません" in japanese
    switch_to_english(client)
    facility = english_page(client, "/ichinomiya/facilities/test-tennis")
    assert "From 90 days before the day of use until 24 hours before the start" in facility
    assert "No cancellation from 2 days before the day of use" in facility


def test_the_language_can_be_switched_back(client, db):
    switch_to_english(client)
    assert "Find a procedure" in english_page(client, "/ichinomiya/")
    switch_language(client, "ja", "/ichinomiya/")
    page = client.get("/ichinomiya/").get_data(as_text=True)
    assert '<html lang="ja">' in page and "手続きを探す" in page and "Find a procedure" not in page


def test_the_staff_sign_in_page_is_in_english(client, db):
    switch_to_english(client)
    page = english_page(client, "/ichinomiya/backoffice/login")
    assert "Staff sign-in" in page and "Username" in page and "Password" in page


def test_the_receipt_email_is_in_the_residents_language(client, db, make_resident, mail_sink):
    switch_to_english(client)
    reference = resident_submits_juminhyo(client, make_resident())
    (message,) = [m for m in mail_sink.messages() if reference in m["Subject"]]
    assert message["Subject"] == f"[Ichinomiya City] We have received your application (reference number {reference})"
    body = message.get_content()
    assert "We have received the following application." in body and f"Reference number: {reference}" in body
    assert "Citizens Affairs Division" in body and "市民課" not in body


def test_status_emails_follow_the_language_the_resident_applied_in(app, client, db, make_resident, make_staff,
                                                                     mail_sink):
    switch_to_english(client)
    reference = resident_submits_juminhyo(client, make_resident())
    assert db.scalar(select(Submission.lang).where(Submission.reference == reference)) == "en"
    staff = app.test_client()  # the staff member reads the back office in Japanese
    sign_in_staff(staff, make_staff())
    detail = f"/ichinomiya/backoffice/submissions/{reference}"
    for to, data in (("in_review", {}), ("correction_requested", {"message": "電話番号がつながりません。",
                                                                  "fields": ["phone"]})):
        page = staff.get(detail).get_data(as_text=True)
        assert "審査" in page
        response = post(staff, f"{detail}/transition", {"to": to, "lock_version": page_lock_version(page), **data},
                        page=detail)
        assert response.status_code == 302
    message = mail_sink.wait_for(lambda m: reference in m["Subject"] and "Correction requested" in m["Subject"])
    assert message["Subject"] == (f"[Ichinomiya City] Your application is now “Correction requested” "
                                  f"(reference number {reference})")
    body = message.get_content()
    assert "Daytime phone number" in body and "電話番号がつながりません。" in body  # the staff's words stay as written
    assert "日中に連絡がとれる電話番号" not in body


def test_a_resident_who_applied_in_japanese_gets_japanese_emails(client, db, make_resident):
    reference = resident_submits_juminhyo(client, make_resident())
    assert db.scalar(select(Submission.lang).where(Submission.reference == reference)) == "ja"


def test_group_registration_errors_are_in_english(client, db, make_resident):
    sign_in_as(client, make_resident())
    switch_to_english(client)
    response = post(client, "/ichinomiya/mypage/groups", {"name": "", "members": "0"}, page="/ichinomiya/mypage/groups")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enter the group name." in page and "Enter the number of members" in page
    assert "団体名を入力してください" not in page
