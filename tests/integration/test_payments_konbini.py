"""Konbini: the voucher is issued, the request waits for payment, and is paid days later (time travel)
or lapses; a payment arriving for a submission that no longer wants it is flagged for refund."""
from __future__ import annotations

from datetime import timedelta

from portal.payments import reconcile
from portal.payments.gateway import gateway
from portal.payments.models import MunicipalityPaymentSettings


def issue_voucher(pay, copies=3):
    pay.resident()
    submission = pay.submit_juminhyo(copies=copies)
    session_id = pay.checkout(submission)
    result = pay.outcome(session_id, "konbini_issued", store="lawson")
    page = pay.follow(result["redirect_url"]).get_data(as_text=True)
    pay.wait()
    pi = pay.emulator.client().v1.checkout.sessions.retrieve(session_id).payment_intent
    return submission, session_id, pi, page


def test_konbini_issued_waits_then_paid_days_later(pay, mail_sink):
    submission, session_id, pi, page = issue_voucher(pay)
    assert "コンビニ払込票を発行しました" in page and "お支払い待ち" in page
    payment = pay.payment(submission)
    assert (payment.status, payment.method) == ("processing", "konbini")
    assert payment.voucher_url.endswith(f"/voucher/{pi}") and payment.voucher_expires_at is not None
    mine = pay.client.get(f"/ichinomiya/mypage/submissions/{submission.reference}").get_data(as_text=True)
    assert "tag--waiting_payment" in mine and "コンビニ払込票（お支払い番号）を表示する" in mine
    assert "を支払う" not in mine  # no second attempt while a voucher is out
    # pressing Pay again while the voucher is out leads back to the voucher, no new session
    again = pay.click_pay(submission)
    assert again.status_code == 303 and "/mypage/" in again.headers["Location"]
    assert len(pay.sessions()) == 1

    pay.emulator.advance_clock(days=2)
    pay.emulator.pay_konbini(pi, store="familymart")
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "paid"
    assert [t.to_status for t in payment.transitions] == ["created", "open", "processing", "paid"]
    mine = pay.client.get(f"/ichinomiya/mypage/submissions/{submission.reference}").get_data(as_text=True)
    assert "tag--paid" in mine
    mail_sink.wait_for(lambda m: "手数料のお支払いを確認しました" in m["Subject"], timeout=10)


def test_konbini_voucher_lapses(pay):
    pay.db.add(MunicipalityPaymentSettings(municipality_id=pay.municipality("ichinomiya").id,
                                           enabled=True, methods=["card", "konbini"], konbini_expires_after_days=1))
    pay.db.commit()
    submission, session_id, pi, _ = issue_voucher(pay)
    options = pay.emulator.client().v1.checkout.sessions.retrieve(session_id).payment_method_options
    assert options["konbini"]["expires_after_days"] == 1
    pay.emulator.advance_clock(days=3)
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "expired"
    assert [t.to_status for t in payment.transitions][-1] == "expired"
    # the resident can try again: a new attempt, a new session
    mine = pay.client.get(f"/ichinomiya/mypage/submissions/{submission.reference}").get_data(as_text=True)
    assert "tag--waiting_payment" in mine and "を支払う" in mine
    new_session = pay.checkout(submission)
    assert new_session != session_id and len(pay.payments(submission)) == 2


def test_a_session_left_open_expires(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    pay.checkout(submission)
    pay.emulator.advance_clock(hours=25)
    pay.wait()
    assert pay.payment(submission).status == "expired"


def test_konbini_paid_after_the_request_was_withdrawn_is_flagged_for_refund(pay):
    submission, session_id, pi, _ = issue_voucher(pay)
    # Withdrawing from the resident's page cancels the voucher at Stripe (test_payments_withdrawal); here the
    # withdrawal is recorded without Stripe hearing of it (it was unreachable), so the voucher is still payable.
    submission.status = "withdrawn"
    pay.db.commit()
    assert pay.submission(submission.reference).status == "withdrawn"
    pay.emulator.pay_konbini(pi)
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "paid" and payment.needs_refund
    assert payment.needs_refund_reason == "submission_withdrawn"
    found = reconcile.mismatches(pay.db, gateway(pay.app), payment.municipality)
    assert [m.kind for m in found] == ["needs_refund"]


def test_an_open_session_of_a_withdrawn_request_is_closed_by_reconciliation(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    submission.status = "withdrawn"
    pay.db.commit()
    report = reconcile.run(pay.db, gateway(pay.app))
    assert report.canceled == 1
    assert pay.payment(submission).status == "canceled"
    assert pay.emulator.client().v1.checkout.sessions.retrieve(session_id).status == "expired"


def test_stale_attempts_without_a_session_are_canceled(pay):
    from portal.db import utcnow
    from portal.payments.models import Payment

    pay.resident()
    submission = pay.submit_juminhyo()
    payment = Payment(municipality_id=submission.municipality_id, submission_id=submission.id, amount=900,
                      status="created", idempotency_key="portal-payment-stale",
                      created_at=utcnow() - timedelta(hours=2))
    pay.db.add(payment)
    pay.db.commit()
    report = reconcile.run(pay.db, gateway(pay.app))
    assert report.canceled == 1 and pay.payment(submission).status == "canceled"
    # and the resident can pay with a fresh attempt
    pay.checkout(submission)
    assert [p.status for p in pay.payments(submission)] == ["canceled", "open"]
