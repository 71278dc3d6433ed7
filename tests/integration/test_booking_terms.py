"""Residents see what they agree to before agreeing, and what every fee is made of: the facility's 利用規則 and the
cancellation terms on this booking's own dates (Tokyo days), a warning when the booking is already inside the
late-fee window, and the fee's breakdown on the pages and in the Stripe Checkout line items."""
from __future__ import annotations

import re
import subprocess
from datetime import date, time

from portal.booking.domain.calendar import jst
from tests.integration.booking_env import BOOKING_ANSWERS, answer_booking, book_slots, facility
from tests.integration.helpers import answer, location_path, post, switch_language

# The test facility: free until 3 days before the day of use, then 50%, no cancelling on the day itself.
THURSDAY = ["court-a/2026-12-10 09:00", "court-a/2026-12-10 11:00"]
RULES = "土足でコートに入らないでください。\nごみは持ち帰ってください。"
RULES_EN = "Do not walk on the courts in outdoor shoes.\nTake your rubbish home."


def _text(response) -> str:
    """The page's text without tags, so sentences split by markup still read as one."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _answer_up_to_rules(client, step_path: str) -> str:
    token = step_path.split("/drafts/")[1].split("/")[0]
    for step_id, data in BOOKING_ANSWERS[:-1]:
        assert answer(client, "ichinomiya", token, step_id, data).status_code == 302
    return token


def _english(client) -> None:
    switch_language(client, "en", "/ichinomiya/")


def test_rules_and_dated_terms_before_agreeing_and_on_the_check_page(pay, clock):
    facility(pay, usage_rules=RULES, usage_rules_en=RULES_EN)
    pay.resident()
    response = book_slots(pay.client, "test-tennis", THURSDAY)
    token = _answer_up_to_rules(pay.client, location_path(response))

    consent_step = pay.client.get(f"/ichinomiya/drafts/{token}/steps/rules")
    page = _text(consent_step)
    terms = ["12月7日（月）までは無料で取り消せます。",
             "12月8日（火）からは使用料の50%（600円）の取消料がかかります。",
             "12月10日（木）からは取り消せません。"]
    assert "土足でコートに入らないでください。" in page and "ごみは持ち帰ってください。" in page
    assert all(t in page for t in terms), page
    # shown above the agreement, not after it
    assert page.index("取消の条件") < page.index("施設の利用規則と取消の条件を確認しました", page.index("取消の条件"))
    assert 'id="late-warning"' not in consent_step.get_data(as_text=True)   # 9 days ahead: still free

    assert answer(pay.client, "ichinomiya", token, "rules", {"agree": "yes"}).status_code == 302
    check = _text(pay.client.get(f"/ichinomiya/drafts/{token}/check"))
    assert "土足でコートに入らないでください。" in check and all(t in check for t in terms)
    assert "600円 + 600円 = 1,200円" in check

    _english(pay.client)
    check_en = _text(pay.client.get(f"/ichinomiya/drafts/{token}/check"))
    assert "Do not walk on the courts in outdoor shoes." in check_en
    assert "Free to cancel until Mon 7 Dec." in check_en
    assert "From Tue 8 Dec a cancellation fee of 50% of the usage fee (¥600) applies." in check_en
    assert "From Thu 10 Dec the booking can no longer be cancelled." in check_en
    assert "¥600 + ¥600 = ¥1,200" in check_en
    assert not re.search(r"[（）「」]", check_en), re.findall(r".{20}[（）「」].{20}", check_en)


def test_terms_are_counted_in_tokyo_days_and_without_a_late_fee_say_so(pay, clock):
    facility(pay, cancellation={"free_until_days_before": 2, "no_cancel_within_days": 2})
    pay.resident()
    response = book_slots(pay.client, "test-tennis", ["court-b/2026-12-10 09:00"])
    token = _answer_up_to_rules(pay.client, location_path(response))
    response = pay.client.get(f"/ichinomiya/drafts/{token}/steps/rules")
    page = _text(response)
    assert "12月8日（火）までは無料で取り消せます。" in page and "12月9日（水）からは取り消せません。" in page
    assert "取消料" not in page
    assert 'id="usage-rules"' not in response.get_data(as_text=True)   # no rules entered: no empty heading


def test_a_fixed_late_fee_over_two_days_of_use_counts_from_the_first(pay, clock):
    facility(pay, cancellation={"free_until_days_before": 5, "late_fee_yen": 200})
    pay.resident()
    response = book_slots(pay.client, "test-tennis", ["court-a/2026-12-10 09:00", "court-a/2026-12-12 09:00"])
    token = _answer_up_to_rules(pay.client, location_path(response))
    page = _text(pay.client.get(f"/ichinomiya/drafts/{token}/steps/rules"))
    assert "12月5日（土）までは無料で取り消せます。" in page
    assert "12月6日（日）からは取消料400円がかかります。" in page        # 200円 for each of the two slots
    assert "上の日付は最初の利用日（12月10日（木））のものです。" in page
    assert "取り消せません" not in page


def test_free_until_the_start(pay, clock):
    facility(pay, cancellation={})
    pay.resident()
    response = book_slots(pay.client, "test-tennis", ["court-a/2026-12-10 09:00"])
    token = _answer_up_to_rules(pay.client, location_path(response))
    _english(pay.client)
    response = pay.client.get(f"/ichinomiya/drafts/{token}/steps/rules")
    assert "Free to cancel until the start." in _text(response)
    assert 'id="late-warning"' not in response.get_data(as_text=True)


def test_a_booking_already_inside_the_late_fee_window_is_warned_before_paying(pay, clock):
    facility(pay)
    pay.resident()
    # 12月1日 10:00: a booking for 12月3日 is 2 days ahead, inside "free until 3 days before".
    response = book_slots(pay.client, "test-tennis", ["court-a/2026-12-03 09:00"])
    token = _answer_up_to_rules(pay.client, location_path(response))
    warning = ("この予約は、すでに取消料がかかる期間に入っています。"
               "お支払いのあとに取り消すと、取消料300円を差し引いた300円の返金になります。")
    assert warning in _text(pay.client.get(f"/ichinomiya/drafts/{token}/steps/rules"))
    assert answer(pay.client, "ichinomiya", token, "rules", {"agree": "yes"}).status_code == 302
    check = pay.client.get(f"/ichinomiya/drafts/{token}/check")
    assert warning in _text(check) and 'id="late-warning"' in check.get_data(as_text=True)
    submit = post(pay.client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    confirmation = pay.client.get(location_path(submit))
    assert warning in _text(confirmation)
    assert _text(confirmation).index(warning) < _text(confirmation).index("を支払う")


def test_a_booking_on_a_day_it_can_no_longer_be_cancelled_says_so(pay, clock):
    facility(pay)
    pay.resident()
    clock.set(jst(date(2026, 12, 3), time(7, 0)))
    response = book_slots(pay.client, "test-tennis", ["court-a/2026-12-03 13:00"])
    token = _answer_up_to_rules(pay.client, location_path(response))
    page = _text(pay.client.get(f"/ichinomiya/drafts/{token}/steps/rules"))
    assert "この予約は、すでに取り消せない期間に入っています。お支払いのあとは取り消しも返金もできません。" in page
    _english(pay.client)
    page = _text(pay.client.get(f"/ichinomiya/drafts/{token}/steps/rules"))
    assert "This booking can already no longer be cancelled" in page


def _pdf_text(pay, submission, tmp_path) -> str:
    response = pay.client.get(f"/ichinomiya/payments/{pay.payment(submission).id}/receipt.pdf")
    assert response.status_code == 200
    path = tmp_path / "receipt.pdf"
    path.write_bytes(response.data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_booking_fee_breakdown_on_the_pages_and_per_slot_at_checkout(pay, clock, tmp_path):
    facility(pay)
    pay.resident()
    _english(pay.client)
    response = book_slots(pay.client, "test-tennis", THURSDAY)
    submission = pay.submission(answer_booking(pay.client, location_path(response)))
    assert submission.lang == "en"
    confirmation = _text(pay.client.get(f"/ichinomiya/submissions/{submission.reference}/confirmation"))
    assert "¥600 + ¥600 = ¥1,200" in confirmation
    session_id = pay.checkout(submission)
    items = pay.emulator.emulator.store.private_of(session_id)["line_items"]
    assert [(i["description"], i["price"]["unit_amount"], i["quantity"]) for i in items] == [
        ("Test Tennis Courts Court A Thu 10 Dec 2026 09:00–11:00", 600, 1),
        ("Test Tennis Courts Court A Thu 10 Dec 2026 11:00–13:00", 600, 1),
    ]
    pay.outcome(session_id, "card_success")
    pay.wait()
    mine = _text(pay.client.get(f"/ichinomiya/mypage/submissions/{submission.reference}"))
    assert "¥600 + ¥600 = ¥1,200" in mine
    for page in (confirmation, mine, _text(pay.client.get("/ichinomiya/mypage/bookings"))):
        assert not re.search(r"[（）「」、]", page), re.findall(r".{30}[（）「」、].{30}", page)
    receipt = _pdf_text(pay, submission, tmp_path)   # an official document: in Japanese
    assert "600円 + 600円 = 1,200円" in receipt and "公共施設の利用申込の使用料として" in receipt


def test_certificate_fee_breakdown_and_a_clean_line_item_in_the_residents_language(pay, tmp_path):
    pay.resident()
    submission = pay.submit_juminhyo(copies=2)
    page = _text(pay.client.get(f"/ichinomiya/submissions/{submission.reference}/confirmation"))
    assert "300円 × 2通 = 600円" in page
    session_id = pay.checkout(submission)
    items = pay.emulator.emulator.store.private_of(session_id)["line_items"]
    assert [(i["description"], i["price"]["unit_amount"], i["quantity"]) for i in items] == [
        ("住民票の写しの交付請求", 300, 2)]
    pay.outcome(session_id, "card_success")
    pay.wait()
    assert "300円 × 2通 = 600円" in _text(pay.client.get(f"/ichinomiya/mypage/submissions/{submission.reference}"))
    payment = pay.payment(submission)
    returned = pay.client.get(f"/ichinomiya/payments/{payment.id}/return?session_id={session_id}")
    assert "300円 × 2通 = 600円" in _text(returned)
    receipt = _pdf_text(pay, submission, tmp_path)
    assert "内訳" in receipt and "300円 × 2通 = 600円" in receipt and "住民票の写しの交付請求の手数料として" in receipt


def test_english_certificate_line_item_has_no_japanese_suffix_and_one_copy_is_singular(pay):
    pay.resident()
    _english(pay.client)
    submission = pay.submit_juminhyo(copies=1)
    page = _text(pay.client.get(f"/ichinomiya/submissions/{submission.reference}/confirmation"))
    assert "¥300 × 1 copy = ¥300" in page and "1 copies" not in page
    session_id = pay.checkout(submission)
    items = pay.emulator.emulator.store.private_of(session_id)["line_items"]
    assert len(items) == 1 and items[0]["quantity"] == 1 and items[0]["price"]["unit_amount"] == 300
    assert "手数料" not in items[0]["description"] and not re.search(r"[ぁ-んァ-ン一-龥]", items[0]["description"])
