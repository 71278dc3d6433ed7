"""Every email about a booking names what was booked: the facility and its rooms, the address, the day and
times (in the language the resident booked in), the amount, the booking's number and its page — confirmed,
waiting for a konbini payment, cancelled by the resident (with the refund), a lottery application. Generic
procedures' payment emails name the procedure and the amount."""
from __future__ import annotations

from datetime import date, time

from portal.booking.domain.calendar import TOKYO, jst
from tests.integration.booking_env import book_and_submit, facility, reservation_of
from tests.integration.helpers import csrf_token
from tests.integration.test_booking_first_come import SLOTS, pay_by_card
from tests.integration.test_booking_lottery_month import LOTTERY, S1, S2, apply
from tests.integration.test_translations_pages import switch_to_english

ADDRESS = "愛知県一宮市本町1丁目1番1号"


def _one(mail_sink, words):
    return mail_sink.wait_for(lambda m: words in m["Subject"], timeout=10)


def test_the_confirmation_names_the_facility_room_day_times_amount_and_page(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS)
    pay_by_card(pay, submission)
    reservation = reservation_of(pay, submission)
    message = _one(mail_sink, "ご予約を確定しました")
    assert message["Subject"] == "【一宮市】テスト市民テニスコート A面 12月8日（火） のご予約を確定しました"
    assert message["To"] == "hanako@example.jp"
    body = message.get_content()
    assert "施設名: テスト市民テニスコート" in body and f"所在地: {ADDRESS}" in body
    assert "・A面 2026/12/8（火）09:00–11:00（600円）" in body and "・A面 2026/12/8（火）11:00–13:00（600円）" in body
    assert "使用料: 1,200円" in body and f"予約番号: {reservation.id}（受付番号 {submission.reference}）" in body
    assert f"/ichinomiya/mypage/bookings/{reservation.id}" in body
    assert "手数料" not in message["Subject"]


def test_an_english_booking_is_confirmed_in_english(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    switch_to_english(pay.client)
    submission = book_and_submit(pay, pay.client, "test-tennis", ["court-a/2026-12-09 09:00"])
    pay_by_card(pay, submission)
    message = _one(mail_sink, "Booking confirmed")
    assert message["Subject"].strip() == ("[Ichinomiya City] Booking confirmed: Test Tennis Courts, Court A, "
                                          "Wed 9 Dec")
    body = message.get_content()
    assert "Court A Wed 9 Dec 2026 09:00–11:00 (¥600)" in body and "Fee: ¥600 (Credit card)" in body
    assert ADDRESS in body and "Facility name: Test Tennis Courts" in body and "（" not in body


def test_a_konbini_voucher_email_carries_the_voucher_and_its_deadline(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS[:1])
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "konbini_issued", store="lawson")
    pay.wait()
    payment = pay.payment(submission)
    message = _one(mail_sink, "コンビニでのお支払い待ち")
    assert message["Subject"] == \
        "【一宮市】テスト市民テニスコート A面 12月8日（火） のご予約はコンビニでのお支払い待ちです"
    body = message.get_content()
    assert payment.voucher_url in body and "・A面 2026/12/8（火）09:00–11:00（600円）" in body
    deadline = payment.voucher_expires_at.astimezone(TOKYO)
    assert f"お支払い期限: {deadline:%-m月%-d日}（" in body and f"）{deadline:%H:%M}" in body \
        and "使用料: 600円" in body
    # a repeated webhook or return page does not send it twice
    pay.client.get(f"/ichinomiya/payments/{payment.id}/return?session_id={session_id}")
    pay.wait()
    assert sum("お支払い待ち" in m["Subject"] for m in mail_sink.messages()) == 1


def test_cancelling_sends_the_cancellation_with_the_refund(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS)
    pay_by_card(pay, submission)
    reservation = reservation_of(pay, submission)
    page = f"/ichinomiya/mypage/bookings/{reservation.id}"
    clock.set(jst(date(2026, 12, 6), time(12, 0)))  # inside the late-fee days: 50%
    pay.client.post(f"{page}/cancel", data={"csrf_token": csrf_token(pay.client, page), "confirm": "yes"})
    message = _one(mail_sink, "ご予約を取り消しました")
    assert message["Subject"] == "【一宮市】テスト市民テニスコート A面 12月8日（火） のご予約を取り消しました"
    body = message.get_content()
    assert "取消料: 600円" in body and "返金: 600円" in body and f"所在地: {ADDRESS}" in body
    assert "・A面 2026/12/8（火）09:00–11:00" in body and f"/ichinomiya/mypage/bookings/{reservation.id}" in body


def test_a_lottery_application_is_acknowledged(pay, clock, mail_sink):
    facility(pay, lottery=LOTTERY)
    clock.set(jst(date(2026, 12, 2), time(10, 0)))
    pay.resident()
    assert apply(pay.client, [S1, S2]).status_code == 303
    message = _one(mail_sink, "抽選の申込を受け付けました")
    assert message["To"] == "resident@example.jp"
    assert message["Subject"] == "【一宮市】テスト市民テニスコート 2027年2月分の抽選の申込を受け付けました"
    body = message.get_content()
    assert "第1希望: A面 2027/2/6（土）09:00–11:00" in body and "第2希望: A面 2027/2/6（土）11:00–13:00" in body
    assert f"所在地: {ADDRESS}" in body and "/ichinomiya/mypage/bookings" in body


def test_an_english_lottery_application_is_acknowledged_in_english(pay, clock, mail_sink):
    facility(pay, lottery=LOTTERY)
    clock.set(jst(date(2026, 12, 2), time(10, 0)))
    pay.resident()
    switch_to_english(pay.client)
    assert apply(pay.client, [S1]).status_code == 303
    message = _one(mail_sink, "Lottery application received")
    assert "Test Tennis Courts" in message["Subject"] and "February 2027" in message["Subject"]
    assert "Choice 1: Court A Sat 6 Feb 2027 09:00–11:00" in message.get_content()


def test_a_procedures_payment_emails_name_the_procedure_and_the_amount(pay, mail_sink):
    pay.resident()
    submission = pay.submit_juminhyo(copies=3)
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "konbini_issued", store="lawson")
    pay.wait()
    waiting = _one(mail_sink, "コンビニ払込票を発行しました")
    assert "住民票" in waiting["Subject"] and "900円" in waiting["Subject"]
    assert pay.payment(submission).voucher_url in waiting.get_content()
    pi = pay.emulator.client().v1.checkout.sessions.retrieve(session_id).payment_intent
    pay.emulator.pay_konbini(pi, store="familymart")
    pay.wait()
    paid = _one(mail_sink, "手数料のお支払いを確認しました")
    assert "住民票" in paid["Subject"] and "900円" in paid["Subject"] and submission.reference in paid["Subject"]


def test_the_booking_application_names_the_booking_and_the_hold(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS)
    message = _one(mail_sink, "予約の申込を受け付けました")
    assert message["Subject"] == (f"【一宮市】テスト市民テニスコート A面 12月8日（火） の予約の申込を受け付けました"
                                  f"（受付番号 {submission.reference}）")
    body = message.get_content()
    assert "・A面 2026/12/8（火）09:00–11:00（600円）" in body and f"所在地: {ADDRESS}" in body
    assert "使用料: 1,200円" in body and "12月1日（火）10:30までにお支払いがないと" in body


def test_english_konbini_and_partial_cancellation_emails(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    switch_to_english(pay.client)
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS)
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "konbini_issued", store="lawson")
    pay.wait()
    waiting = _one(mail_sink, "awaiting your konbini payment")
    assert waiting["Subject"].strip() == \
        ("[Ichinomiya City] Booking awaiting your konbini payment: Test Tennis Courts, "
         "Court A, Tue 8 Dec")
    body = waiting.get_content()
    assert pay.payment(submission).voucher_url in body and "Payment deadline:" in body and "Fee: ¥1,200" in body
    pi = pay.emulator.client().v1.checkout.sessions.retrieve(session_id).payment_intent
    pay.emulator.pay_konbini(pi, store="familymart")
    pay.wait()
    _one(mail_sink, "Booking confirmed")

    reservation = reservation_of(pay, submission)
    page = f"/ichinomiya/mypage/bookings/{reservation.id}"
    second = reservation.slots[1]
    pay.client.post(f"{page}/cancel-slots", data={"csrf_token": csrf_token(pay.client, page), "slot": [str(second.id)],
                                                  "version": str(reservation.lock_version), "confirm": "yes"})
    cancelled = _one(mail_sink, "Part of your booking cancelled")
    body = cancelled.get_content()
    assert "Court A Tue 8 Dec 2026 11:00–13:00 (¥600)" in body and "Cancellation fee: ¥0" in body
    assert "Slots still booked:\n・Court A Tue 8 Dec 2026 09:00–11:00" in body
