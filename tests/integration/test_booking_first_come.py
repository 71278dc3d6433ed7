"""First-come booking end to end through the test client and the Stripe emulator: choose slots → hold → answer
the facility's questions → pay → confirmed; holds that run out; late money; cancelling with a refund."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from portal.booking.domain.calendar import jst
from portal.booking.models import Reservation
from portal.booking.services import booking as service
from portal.payments.gateway import gateway
from tests.integration.booking_env import book_and_submit, book_slots, facility, reservation_of, second_resident
from tests.integration.helpers import csrf_token, location_path

SLOTS = ["court-a/2026-12-08 09:00", "court-a/2026-12-08 11:00"]


def pay_by_card(pay, submission):
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "card_success")
    pay.wait()
    return pay.payment(submission)


def test_book_two_slots_pay_by_card_and_get_the_ics(pay, clock):
    facility(pay)
    pay.resident()
    page = pay.client.get("/ichinomiya/facilities/test-tennis?date=2026-12-08").get_data(as_text=True)
    assert "空き" in page and 'value="court-a/2026-12-08 09:00"' in page
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS)
    assert submission.fee_amount == 1200  # two weekday resident slots at ¥600
    reservation = reservation_of(pay, submission)
    assert reservation.status == "held" and [s.active for s in reservation.slots] == [True, True]
    # the check page and the confirmation show the slots
    confirmation = pay.client.get(f"/ichinomiya/submissions/{submission.reference}/confirmation")
    assert "2026/12/8（火）09:00–11:00" in confirmation.get_data(as_text=True)

    payment = pay_by_card(pay, submission)
    assert payment.status == "paid"
    reservation = reservation_of(pay, submission)
    assert reservation.status == "confirmed" and reservation.hold_expires_at is None

    ics = pay.client.get(f"/ichinomiya/mypage/bookings/{reservation.id}.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    body = ics.get_data(as_text=True)
    assert body.count("BEGIN:VEVENT") == 2 and "DTSTART:20261208T000000Z" in body and "\r\n" in body
    mine = pay.client.get("/ichinomiya/mypage/").get_data(as_text=True)
    assert "これからの施設の予約" in mine and "2026/12/8（火）09:00–11:00 ほか1枠" in mine
    # the day view now shows them as the resident's own
    page = pay.client.get("/ichinomiya/facilities/test-tennis?date=2026-12-08").get_data(as_text=True)
    assert "あなたの予約" in page


def test_a_slot_just_taken_gets_a_clear_message_and_keeps_the_other_choice(pay, clock):
    facility(pay)
    pay.resident()
    book_and_submit(pay, pay.client, "test-tennis", SLOTS[:1])
    other, _ = second_resident(pay)
    response = book_slots(other, "test-tennis", [SLOTS[0], SLOTS[1]])
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "たった今ほかの方が予約しました" in page
    assert f'value="{SLOTS[1]}" checked' in page  # the still-free choice is kept
    pay.fresh()
    assert len(pay.db.scalars(select(Reservation)).all()) == 1


def test_rules_are_shown_all_at_once(pay, clock):
    facility(pay, rules={"max_days_ahead": 10, "min_notice_hours": 1, "max_slots_per_person_per_month": 1,
                         "hold_minutes": 30})
    pay.resident()
    response = book_slots(pay.client, "test-tennis", ["court-a/2026-12-08 09:00", "court-b/2026-12-08 09:00",
                                                        "court-a/2026-12-30 09:00"])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "年末年始のため予約できません" in page and "1人1枠まで" in page


def test_signed_out_visitors_are_sent_to_sign_in_with_their_choice(pay, clock):
    facility(pay)
    response = book_slots(pay.client, "test-tennis", SLOTS[:1])
    assert response.status_code == 302 \
        and "/login?next=/ichinomiya/facilities/test-tennis" in response.headers["Location"]


def test_an_unpaid_hold_is_released_when_it_runs_out(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS[:1])
    pay.checkout(submission)  # the resident opens the checkout page and walks away
    clock.advance(minutes=31)
    assert service.expire_holds(pay.db, gateway(), clock.current) == [reservation_of(pay, submission).id]
    reservation = reservation_of(pay, submission)
    assert reservation.status == "expired" and not reservation.slots[0].active
    # the checkout session was stopped at the provider, by us: canceled, even if its "expired" webhook came first
    assert pay.payment(submission).status == "canceled"
    assert service.expire_holds(pay.db, gateway(), clock.current) == []  # running it again does nothing
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", SLOTS[:1]).status_code == 303


def test_money_arriving_after_the_hold_confirms_if_the_slot_is_still_free(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS[:1])
    session_id = pay.checkout(submission)
    clock.advance(minutes=45)  # the hold has run out, but nobody took the slot and the job has not run
    pay.outcome(session_id, "card_success")
    pay.wait()
    assert pay.payment(submission).status == "paid" and not pay.payment(submission).needs_refund
    assert reservation_of(pay, submission).status == "confirmed"


def test_money_arriving_after_someone_else_took_the_slot_is_flagged_for_refund(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS[:1])
    session_id = pay.checkout(submission)
    clock.advance(minutes=45)
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", SLOTS[:1]).status_code == 303  # the expired hold gave way
    pay.outcome(session_id, "card_success")
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "paid" and payment.needs_refund and payment.needs_refund_reason == "booking_expired"
    assert reservation_of(pay, submission).status == "expired"


def test_cancel_in_time_refunds_everything(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS)
    pay_by_card(pay, submission)
    reservation = reservation_of(pay, submission)
    page = f"/ichinomiya/mypage/bookings/{reservation.id}"
    assert "1,200円を全額返金します" in pay.client.get(page).get_data(as_text=True)
    response = pay.client.post(f"{page}/cancel", data={"csrf_token": csrf_token(pay.client, page), "confirm": "yes"})
    assert response.status_code == 303
    reservation = reservation_of(pay, submission)
    assert reservation.status == "cancelled" and not any(s.active for s in reservation.slots)
    payment = pay.payment(submission)
    assert payment.status == "refunded" and payment.refunded_amount == 1200
    assert pay.submission(submission.reference).status == "withdrawn"
    # the slots are free again
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", SLOTS).status_code == 303


def test_late_cancel_keeps_the_late_fee_and_the_day_of_use_refuses(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS)
    pay_by_card(pay, submission)
    reservation = reservation_of(pay, submission)
    page = f"/ichinomiya/mypage/bookings/{reservation.id}"
    clock.set(jst(date(2026, 12, 8), time(7, 0)))  # the day of use: not allowed (no_cancel_within_days=1)
    assert "オンラインでは取り消せません" in pay.client.get(page).get_data(as_text=True)
    pay.client.post(f"{page}/cancel", data={"csrf_token": csrf_token(pay.client, page), "confirm": "yes"})
    assert reservation_of(pay, submission).status == "confirmed"
    clock.set(jst(date(2026, 12, 6), time(12, 0)))  # two days before, inside the 3 free days: 50% late fee
    pay.client.post(f"{page}/cancel", data={"csrf_token": csrf_token(pay.client, page), "confirm": "yes"})
    reservation = reservation_of(pay, submission)
    assert reservation.status == "cancelled" and reservation.cancel_fee == 600
    payment = pay.payment(submission)
    assert payment.status == "partially_refunded" and payment.refunded_amount == 600


def test_other_residents_never_reach_a_booking(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS[:1])
    reservation = reservation_of(pay, submission)
    other, _ = second_resident(pay)
    for url in (f"/ichinomiya/mypage/bookings/{reservation.id}", f"/ichinomiya/mypage/bookings/{reservation.id}.ics",
                f"/anjo/mypage/bookings/{reservation.id}"):
        assert other.get(url).status_code == 404
    page = "/ichinomiya/mypage/bookings"
    response = other.post(f"/ichinomiya/mypage/bookings/{reservation.id}/cancel",
                          data={"csrf_token": csrf_token(other, page), "confirm": "yes"})
    assert response.status_code == 404
    assert reservation_of(pay, submission).status == "held"
    assert location_path(pay.client.get("/ichinomiya/procedures/facility-booking")) == "/ichinomiya/facilities"


def test_a_konbini_voucher_keeps_the_slots_until_it_is_paid(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS[:1])
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "konbini_issued", store="lawson")
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "processing"
    reservation = reservation_of(pay, submission)
    assert reservation.status == "held" and reservation.hold_expires_at == payment.voucher_expires_at
    clock.advance(hours=2)  # far past the 30 minutes, within the voucher's days
    assert service.expire_holds(pay.db, gateway(), clock.current) == []
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", SLOTS[:1]).status_code == 409
    pi = pay.emulator.client().v1.checkout.sessions.retrieve(session_id).payment_intent
    pay.emulator.pay_konbini(pi, store="familymart")
    pay.wait()
    assert reservation_of(pay, submission).status == "confirmed"


def test_a_rejected_booking_gives_its_slots_back_and_its_fee_is_flagged_for_refund(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", SLOTS[:1])
    pay_by_card(pay, submission)
    staff = pay.staff_client(pay.staff(role="admin"))
    page = f"/ichinomiya/backoffice/submissions/{submission.reference}"
    for to, message in (("in_review", ""), ("rejected", "団体の利用規約に反するため")):
        version = pay.submission(submission.reference).lock_version
        response = staff.post(f"{page}/transition", data={"csrf_token": csrf_token(staff, page), "to": to,
                                                          "message": message, "lock_version": str(version)})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    assert pay.submission(submission.reference).status == "rejected"
    reservation = reservation_of(pay, submission)
    assert reservation.status == "cancelled" and not reservation.slots[0].active
    payment = pay.payment(submission)
    assert payment.needs_refund and payment.needs_refund_reason == "submission_rejected"
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", SLOTS[:1]).status_code == 303


def test_deleting_the_booking_draft_gives_up_the_slots_at_once(pay, clock):
    facility(pay)
    pay.resident()
    response = book_slots(pay.client, "test-tennis", SLOTS[:1])
    token = location_path(response).split("/drafts/")[1].split("/")[0]
    page = "/ichinomiya/mypage/"
    assert pay.client.post(f"/ichinomiya/drafts/{token}/delete",
                           data={"csrf_token": csrf_token(pay.client, page)}).status_code == 302
    pay.fresh()
    reservation = pay.db.scalar(select(Reservation))
    assert reservation.status == "cancelled" and reservation.draft_id is None and not reservation.slots[0].active
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", SLOTS[:1]).status_code == 303
