"""Cancelling some slots of a booking: the resident ticks them on the booking page (no JavaScript), sees each
slot's late fee and refund, confirms; only those slots are freed and the rest of their fee is refunded through
Stripe; the last slot left cancels the booking; a double submit changes nothing twice; staff see it."""
from __future__ import annotations

from datetime import date, time

from portal.booking.domain.calendar import jst
from tests.conftest import sign_in_as
from tests.integration.booking_env import book_and_submit, book_slots, facility, reservation_of, second_resident
from tests.integration.helpers import csrf_token
from tests.integration.payments_env import concurrently
from tests.integration.test_booking_first_come import pay_by_card
from tests.integration.test_booking_staff import clerk

TUESDAY = ["court-a/2026-12-08 09:00", "court-a/2026-12-08 11:00"]
#: a Tuesday slot and a Saturday one (holiday price 800円)
TWO_DAYS = ["court-a/2026-12-08 09:00", "court-a/2026-12-12 09:00"]


def _page(reservation) -> str:
    return f"/ichinomiya/mypage/bookings/{reservation.id}"


def _confirm(pay, reservation, slot_ids, version=None):
    page = f"{_page(reservation)}/cancel-slots?" + "&".join(f"slot={i}" for i in slot_ids)
    return pay.client.post(f"{_page(reservation)}/cancel-slots",
                           data={"csrf_token": csrf_token(pay.client, page), "slot": [str(i) for i in slot_ids],
                                 "version": str(version if version is not None else reservation.lock_version),
                                 "confirm": "yes"})


def _refunds(pay, payment) -> list[int]:
    found = pay.emulator.client().v1.refunds.list(params={"payment_intent": payment.provider_payment_intent_id})
    return sorted(r.amount for r in found.data)


def test_one_slot_of_two_is_cancelled_free_and_refunded(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", TUESDAY)
    pay_by_card(pay, submission)
    reservation = reservation_of(pay, submission)
    first, second = reservation.slots

    page = pay.client.get(_page(reservation)).get_data(as_text=True)
    assert "一部の枠だけを取り消す" in page and f'name="slot" value="{second.id}"' in page
    assert "取消料なし・返金600円" in page
    check = pay.client.get(f"{_page(reservation)}/cancel-slots?slot={second.id}")
    text = check.get_data(as_text=True)
    assert check.status_code == 200 and "選ばなかった枠の予約はそのまま残ります" in text
    assert "11:00–13:00" in text and "返金 600円" in text and "09:00–11:00" not in text
    assert reservation_of(pay, submission).slots[1].active  # looking changes nothing

    version = reservation.lock_version
    response = _confirm(pay, reservation, [second.id])
    assert response.status_code == 303
    reservation = reservation_of(pay, submission)
    assert reservation.status == "confirmed" and [s.active for s in reservation.slots] == [True, False]
    assert reservation.slots[1].cancelled_at is not None and reservation.slots[1].cancel_fee == 0
    payment = pay.payment(submission)
    assert payment.status == "partially_refunded" and payment.refunded_amount == 600
    assert _refunds(pay, payment) == [600]

    # the double click: the same form again changes nothing
    again = _confirm(pay, reservation, [second.id], version=version)
    assert again.status_code == 303
    assert "先ほど変更されました" in pay.client.get(_page(reservation)).get_data(as_text=True)
    assert _refunds(pay, pay.payment(submission)) == [600]

    # the freed slot can be booked by someone else, the kept one cannot
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", [TUESDAY[0]]).status_code == 409
    assert book_slots(other, "test-tennis", [TUESDAY[1]]).status_code == 303

    message = mail_sink.wait_for(lambda m: "一部を取り消しました" in m["Subject"], timeout=10)
    assert message["Subject"] == "【一宮市】テスト市民テニスコート A面 12月8日（火） のご予約の一部を取り消しました"
    body = message.get_content()
    assert "・A面 2026/12/8（火）11:00–13:00（600円）" in body and "返金: 600円" in body
    assert "引き続き予約している枠:\n・A面 2026/12/8（火）09:00–11:00" in body

    page = pay.client.get(_page(reservation)).get_data(as_text=True)
    assert "取消済み" in page and "<del>" in page
    assert "一部の枠だけを取り消す" not in page  # one slot left: cancelled the ordinary way


def test_each_slot_has_its_own_late_fee_and_the_last_slot_cancels_the_booking(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", TWO_DAYS)
    pay_by_card(pay, submission)
    reservation = reservation_of(pay, submission)
    tuesday, saturday = reservation.slots
    assert (tuesday.fee, saturday.fee) == (600, 800)
    clock.set(jst(date(2026, 12, 6), time(12, 0)))  # Tuesday is 2 days off (50%), Saturday 6 (free)

    page = pay.client.get(_page(reservation)).get_data(as_text=True)
    assert "取消料300円・返金300円" in page and "取消料なし・返金800円" in page
    text = pay.client.get(f"{_page(reservation)}/cancel-slots?slot={tuesday.id}").get_data(as_text=True)
    assert "取消料 300円" in text and "返金 300円" in text

    assert _confirm(pay, reservation, [tuesday.id]).status_code == 303
    reservation = reservation_of(pay, submission)
    assert reservation.status == "confirmed" and reservation.cancel_fee == 300
    assert reservation.slots[0].cancel_fee == 300 and reservation.slots[1].active
    assert _refunds(pay, pay.payment(submission)) == [300]
    # the whole booking's terms count what is left: Saturday free, and the 300円 kept stays kept
    assert "取消料はかかりません。800円を全額返金します。" in pay.client.get(_page(reservation)).get_data(as_text=True)

    text = pay.client.get(f"{_page(reservation)}/cancel-slots?slot={saturday.id}").get_data(as_text=True)
    assert "予約全体が取り消されます" in text and "800円" in text
    assert _confirm(pay, reservation, [saturday.id]).status_code == 303
    reservation = reservation_of(pay, submission)
    assert reservation.status == "cancelled" and not any(s.active for s in reservation.slots)
    assert reservation.cancel_fee == 300
    payment = pay.payment(submission)
    assert payment.refunded_amount == 1100 and _refunds(pay, payment) == [300, 800]
    assert pay.submission(submission.reference).status == "withdrawn"
    # (a webhook's sender may have claimed an email first: wait for it rather than read the box at once)
    mail_sink.wait_for(lambda m: m["Subject"].endswith("のご予約の一部を取り消しました"), timeout=10)
    mail_sink.wait_for(lambda m: m["Subject"].endswith("のご予約を取り消しました"), timeout=10)


def test_a_bad_choice_is_a_clear_4xx_and_a_late_slot_cannot_be_chosen(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", TWO_DAYS)
    pay_by_card(pay, submission)
    reservation = reservation_of(pay, submission)
    tuesday, saturday = reservation.slots
    nothing = pay.client.get(f"{_page(reservation)}/cancel-slots")
    assert nothing.status_code == 422 and "取り消す枠を選んでください" in nothing.get_data(as_text=True)
    assert pay.client.get(f"{_page(reservation)}/cancel-slots?slot=99999").status_code == 422
    other, _ = second_resident(pay)
    assert other.get(f"{_page(reservation)}/cancel-slots?slot={tuesday.id}").status_code == 404

    clock.set(jst(date(2026, 12, 8), time(7, 0)))  # Tuesday's day of use: that slot can no longer be cancelled
    page = pay.client.get(_page(reservation)).get_data(as_text=True)
    assert f'id="cancel-slot-{tuesday.id}" name="slot" value="{tuesday.id}" disabled' in page
    assert "取消の期限を過ぎています" in page
    refused = _confirm(pay, reservation, [tuesday.id])
    assert refused.status_code == 303 and reservation_of(pay, submission).slots[0].active
    assert _confirm(pay, reservation_of(pay, submission), [saturday.id]).status_code == 303
    reservation = reservation_of(pay, submission)
    assert reservation.status == "confirmed" and [s.active for s in reservation.slots] == [True, False]


def test_staff_see_the_cancelled_slot(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", TUESDAY)
    pay_by_card(pay, submission)
    reservation = reservation_of(pay, submission)
    assert _confirm(pay, reservation, [reservation.slots[1].id]).status_code == 303
    _, staff_client = clerk(pay)
    page = staff_client.get(f"/ichinomiya/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert "取消済み" in page and "<del>2026/12/8（火）11:00–13:00</del>" in page


def test_two_submits_at_the_same_moment_release_and_refund_once(pay, clock):
    facility(pay)
    resident = pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", ["court-a/2026-12-08 09:00",
                                                                   "court-a/2026-12-08 11:00",
                                                                   "court-a/2026-12-08 13:00"])
    pay_by_card(pay, submission)
    reservation = reservation_of(pay, submission)
    slot_id, version = reservation.slots[2].id, reservation.lock_version
    clients = [pay.app.test_client() for _ in range(2)]
    for client in clients:
        sign_in_as(client, resident)
    url = f"{_page(reservation)}/cancel-slots"
    data = {"slot": [str(slot_id)], "version": str(version), "confirm": "yes"}
    responses = concurrently(*[(lambda token, c=c: c.post(url, data={**data, "csrf_token": token})) for c in clients],
                             prepare=lambda i: csrf_token(clients[i], _page(reservation)))
    assert [r.status_code for r in responses] == [303, 303]
    reservation = reservation_of(pay, submission)
    assert [s.active for s in reservation.slots] == [True, True, False]
    assert _refunds(pay, pay.payment(submission)) == [600]
