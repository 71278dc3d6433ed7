"""A booking draft whose hold ran out (time travel with the business clock): its pages say so and offer to take
the same slots again if they are still free (one button, one transaction); submitting and paying are refused
for slots nobody holds."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.booking.models import Reservation
from portal.booking.services import booking as service
from portal.payments.gateway import gateway
from portal.procedures.models import Submission
from tests.integration.booking_env import (
    BOOKING_ANSWERS,
    book_and_submit,
    book_slots,
    facility,
    reservation_of,
    second_resident,
)
from tests.integration.helpers import answer, csrf_token, location_path, post

SLOT = "court-a/2026-12-08 09:00"


def answered_draft(pay, client=None) -> str:
    """Choose the slot and answer every question, stopping at the check page; returns the draft's token."""
    client = client or pay.client
    response = book_slots(client, "test-tennis", [SLOT])
    assert response.status_code == 303
    token = location_path(response).split("/drafts/")[1].split("/")[0]
    for step_id, data in BOOKING_ANSWERS:
        assert answer(client, "ichinomiya", token, step_id, data).status_code == 302
    return token


def draft_reservation(pay) -> Reservation:
    pay.fresh()
    return pay.db.scalar(select(Reservation).where(Reservation.draft_id.is_not(None)))


def check_page(pay, token, client=None) -> str:
    return (client or pay.client).get(f"/ichinomiya/drafts/{token}/check").get_data(as_text=True)


def rehold(pay, token, client=None):
    client = client or pay.client
    return post(client, f"/ichinomiya/drafts/{token}/rehold", page=f"/ichinomiya/drafts/{token}/check")


def submit(pay, token, client=None):
    client = client or pay.client
    return post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")


def test_a_run_out_hold_is_told_and_taken_again_with_one_button(pay, clock):
    facility(pay)
    pay.resident()
    token = answered_draft(pay)
    assert "仮予約の保持時間が過ぎました" not in check_page(pay, token)
    clock.advance(minutes=31)

    html = check_page(pay, token)
    assert "仮予約の保持時間が過ぎました" in html and "同じ枠をもう一度確保する" in html
    assert f'action="/ichinomiya/drafts/{token}/submit"' not in html  # no submit button for slots nobody holds
    # マイページ and the question pages say it too
    assert "仮予約の保持時間が過ぎました" in pay.client.get("/ichinomiya/mypage/").get_data(as_text=True)
    step = pay.client.get(f"/ichinomiya/drafts/{token}/steps/use").get_data(as_text=True)
    assert "同じ枠をもう一度確保する" in step

    # submitting anyway (an old tab) is refused on the server: no submission, nothing to pay
    refused = submit(pay, token)
    assert refused.status_code == 302 and location_path(refused).endswith(f"/drafts/{token}/check")
    assert "「同じ枠をもう一度確保する」を押してから申し込んでください" in check_page(pay, token)
    pay.fresh()
    assert pay.db.scalars(select(Submission)).all() == []
    assert pay.sessions() == []

    taken_again = rehold(pay, token)
    assert taken_again.status_code == 303 and location_path(taken_again).endswith(f"/drafts/{token}/check")
    reservation = draft_reservation(pay)
    assert reservation.status == "held" and all(s.active for s in reservation.slots)
    assert reservation.hold_expires_at == clock.current + timedelta(minutes=30)
    html = check_page(pay, token)
    assert "同じ枠をもう一度確保しました" in html and f'action="/ichinomiya/drafts/{token}/submit"' in html
    # a second click changes nothing
    rehold(pay, token)
    assert draft_reservation(pay).hold_expires_at == reservation.hold_expires_at

    submitted = submit(pay, token)
    assert "/submissions/" in location_path(submitted)
    submission = pay.db.scalar(select(Submission))
    assert pay.checkout(submission).startswith("cs_")


def test_after_the_scheduler_expired_it_the_same_button_takes_the_slots_back(pay, clock):
    facility(pay)
    pay.resident()
    token = answered_draft(pay)
    clock.advance(minutes=40)
    assert service.expire_holds(pay.db, gateway(pay.app), clock.current) == [draft_reservation(pay).id]
    assert draft_reservation(pay).status == "expired"
    assert "同じ枠をもう一度確保する" in check_page(pay, token)
    rehold(pay, token)
    reservation = draft_reservation(pay)
    assert reservation.status == "held" and all(s.active for s in reservation.slots)
    assert "/submissions/" in location_path(submit(pay, token))


def test_slots_taken_by_someone_else_cannot_be_taken_again(pay, clock):
    facility(pay)
    pay.resident()
    token = answered_draft(pay)
    clock.advance(minutes=31)
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", [SLOT]).status_code == 303  # the run-out hold gave way

    html = check_page(pay, token)
    assert "ほかの方が予約しました" in html and "空き状況から選び直す" in html
    assert "同じ枠をもう一度確保する" not in html
    # the button posted from an old page: refused, the other resident keeps the slot
    rehold(pay, token)
    assert "たった今ほかの方が予約しました" in check_page(pay, token)
    assert draft_reservation(pay).status in ("held", "expired") and not any(
        s.active for s in draft_reservation(pay).slots)
    submit(pay, token)
    pay.fresh()
    assert pay.db.scalars(select(Submission)).all() == []
    assert pay.sessions() == []


def test_payment_is_never_started_for_slots_nobody_holds(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", [SLOT])  # submitted, not yet paid
    clock.advance(minutes=31)
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", [SLOT]).status_code == 303
    response = pay.click_pay(submission)
    assert response.status_code == 303 and "/mypage/" in response.headers["Location"]
    assert pay.sessions() == [] and pay.payments(submission) == []
    assert reservation_of(pay, submission).status == "expired"


def test_someone_elses_draft_cannot_be_reheld(pay, clock):
    facility(pay)
    pay.resident()
    token = answered_draft(pay)
    clock.advance(minutes=31)
    other, _ = second_resident(pay)
    response = other.post(f"/ichinomiya/drafts/{token}/rehold",
                          data={"csrf_token": csrf_token(other, "/ichinomiya/mypage/")})
    assert response.status_code == 404
    assert draft_reservation(pay).hold_expires_at < clock.current
