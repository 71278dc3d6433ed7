"""The day-before reminder: once per confirmed booking, from 9:00 the day before, in the language booked in;
never for an unpaid hold or a cancelled booking, never twice — not even from two schedulers at once."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from portal.booking.domain.calendar import jst
from portal.booking.models import Reservation
from portal.booking.services import reminders
from portal.notifications import mail
from portal.notifications.models import OutboxEmail
from tests.integration.booking_env import book_and_submit, facility, reservation_of, second_resident
from tests.integration.helpers import csrf_token
from tests.integration.payments_env import concurrently
from tests.integration.test_booking_first_come import pay_by_card
from tests.integration.test_translations_pages import switch_to_english

TUESDAY = ["court-a/2026-12-08 09:00", "court-a/2026-12-08 11:00"]


def test_a_confirmed_booking_is_reminded_once_the_day_before(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    paid = book_and_submit(pay, pay.client, "test-tennis", TUESDAY)
    pay_by_card(pay, paid)
    booking = reservation_of(pay, paid)
    other, _ = second_resident(pay)
    unpaid = reservation_of(pay, book_and_submit(pay, other, "test-tennis", ["court-b/2026-12-08 09:00"],
                                                 email="taro@example.jp"))
    assert (booking.status, unpaid.status) == ("confirmed", "held")
    mail_sink.clear()

    clock.set(jst(date(2026, 12, 7), time(8, 59)))
    assert reminders.send_due(pay.db, clock.current) == []  # not before 9:00
    clock.set(jst(date(2026, 12, 6), time(12, 0)))
    assert reminders.send_due(pay.db, clock.current) == []  # two days before: not yet
    clock.set(jst(date(2026, 12, 7), time(9, 0)))
    assert reminders.send_due(pay.db, clock.current) == [booking.id]
    assert reminders.send_due(pay.db, clock.current) == []  # once
    pay.fresh()
    assert pay.db.get(Reservation, unpaid.id).reminded_at is None

    mail.send_pending(pay.db)
    [message] = mail_sink.messages()
    assert message["To"] == "hanako@example.jp"
    assert message["Subject"] == "【一宮市】明日は施設のご利用日です（テスト市民テニスコート）"
    body = message.get_content()
    assert "2026年12月8日（火）に、次の予約があります。" in body
    assert "・A面 2026/12/8（火）09:00–11:00" in body and "・A面 2026/12/8（火）11:00–13:00" in body
    assert f"/ichinomiya/mypage/bookings/{booking.id}" in body and "愛知県一宮市本町1丁目1番1号" in body


def test_the_reminder_is_in_the_language_booked_in_and_not_for_cancelled_bookings(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    switch_to_english(pay.client)
    english = book_and_submit(pay, pay.client, "test-tennis", ["court-a/2026-12-09 09:00"])
    pay_by_card(pay, english)
    other, _ = second_resident(pay)
    cancelled = book_and_submit(pay, other, "test-tennis", ["court-b/2026-12-09 09:00"], email="taro@example.jp")
    session_id = pay.checkout(cancelled, client=other)
    pay.outcome(session_id, "card_success")
    pay.wait()
    page = f"/ichinomiya/mypage/bookings/{reservation_of(pay, cancelled).id}"
    other.post(f"{page}/cancel", data={"csrf_token": csrf_token(other, page), "confirm": "yes"})
    pay.wait()
    assert reservation_of(pay, cancelled).status == "cancelled"
    mail_sink.clear()

    clock.set(jst(date(2026, 12, 8), time(18, 30)))
    assert reminders.send_due(pay.db, clock.current) == [reservation_of(pay, english).id]
    mail.send_pending(pay.db)
    [message] = mail_sink.messages()
    # (a subject that fits a line of its own is folded onto it: the parsed header keeps that line's space)
    assert message["Subject"].strip() == "[Ichinomiya City] Your facility booking is tomorrow (Test Tennis Courts)"
    assert "On Wed 9 Dec 2026 you have the following booking." in message.get_content()
    assert "・Court A Wed 9 Dec 2026 09:00–11:00 (¥600)" in message.get_content()


def test_two_schedulers_at_once_send_one_reminder(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", TUESDAY)
    pay_by_card(pay, submission)
    clock.set(jst(date(2026, 12, 7), time(9, 30)))
    app = pay.app

    def scheduler(_prepared):
        with app.app_context():
            dbs = app.extensions["db_sessionmaker"]()
            try:
                return reminders.send_due(dbs, clock.current)
            finally:
                dbs.close()

    results = concurrently(scheduler, scheduler, prepare=lambda i: None)
    assert sorted(len(r) for r in results) == [0, 1]
    pay.fresh()
    emails = pay.db.scalars(select(OutboxEmail).where(OutboxEmail.subject.like("%明日は施設のご利用日です%"))).all()
    assert len(emails) == 1
