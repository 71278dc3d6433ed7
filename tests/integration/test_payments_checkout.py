"""Paying a fee through Stripe Checkout (the emulator over HTTP): card, decline and retry, PayPay, the
return page, a resident who closes the browser, a double click on Pay, the receipt."""
from __future__ import annotations

import subprocess

from sqlalchemy import func, select

from portal.payments.models import PaymentTransition, ProcessedEvent, SubmissionFee
from tests.integration.payments_env import concurrently
from tests.integration.test_translations_pages import switch_to_english


def test_card_success_marks_paid_once_from_both_return_page_and_webhook(pay, mail_sink):
    pay.resident()
    submission = pay.submit_juminhyo(copies=3)
    assert submission.fee_amount == 900
    page = pay.client.get(f"/ichinomiya/submissions/{submission.reference}/confirmation").get_data(as_text=True)
    assert "お支払い待ち" in page and "手数料 900円 を支払う" in page

    session_id = pay.checkout(submission)
    stripe_session = pay.emulator.client().v1.checkout.sessions.retrieve(session_id)
    assert stripe_session.amount_total == 900 and stripe_session.currency == "jpy"
    assert stripe_session.client_reference_id == submission.reference
    assert stripe_session.metadata["reference"] == submission.reference
    assert set(stripe_session.payment_method_types) == {"card", "konbini", "paypay"}
    assert pay.payment(submission).status == "open"

    result = pay.outcome(session_id, "card_success")
    page = pay.follow(result["redirect_url"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "お支払いが完了しました" in text and "支払い済み" in text and submission.reference in text
    pay.wait()

    payment = pay.payment(submission)
    assert (payment.status, payment.method, payment.amount) == ("paid", "card", 900)
    assert payment.provider_payment_intent_id.startswith("pi_")
    moves = [(t.from_status, t.to_status) for t in payment.transitions]
    assert moves == [(None, "created"), ("created", "open"), ("open", "paid")]
    fee = pay.db.scalar(select(SubmissionFee).where(SubmissionFee.submission_id == submission.id))
    assert (fee.status, fee.payment_id) == ("paid", payment.id)
    mine = pay.client.get(f"/ichinomiya/mypage/submissions/{submission.reference}").get_data(as_text=True)
    assert "tag--paid" in mine and "領収書（PDF）をダウンロードする" in mine and "を支払う" not in mine
    message = mail_sink.wait_for(lambda m: "手数料のお支払いを確認しました" in m["Subject"], timeout=10)
    assert submission.reference in message["Subject"]


def test_the_payment_email_is_in_the_language_the_resident_applied_in(pay, mail_sink):
    pay.resident()
    switch_to_english(pay.client)
    submission = pay.submit_juminhyo()
    result = pay.outcome(pay.checkout(submission), "card_success")
    pay.wait()  # the webhook, not the resident's browser, settles the fee and queues the email
    message = mail_sink.wait_for(lambda m: "fee payment" in m["Subject"], timeout=10)
    assert message["Subject"] == (f"[Ichinomiya City] We have received your fee payment for Request for a copy of "
                                  f"the residence record (Juminhyo), ¥900 (reference number {submission.reference})")
    body = message.get_content()
    assert "Request for a copy of the residence record (Juminhyo)" in body and "住民票" not in body
    assert pay.follow(result["redirect_url"]).status_code == 200


def test_card_declined_then_retried_in_the_same_session(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    declined = pay.outcome(session_id, "card_declined")
    assert declined["decline"] and declined["redirect_url"] is None
    pay.wait()
    assert pay.payment(submission).status == "open"
    # the resident comes back to the portal and presses Pay again: the same session, not a new one
    assert pay.checkout(submission) == session_id
    result = pay.outcome(session_id, "card_success")
    pay.follow(result["redirect_url"])
    pay.wait()
    assert pay.payment(submission).status == "paid"
    assert len(pay.sessions()) == 1


def test_paypay_success_and_failure(pay):
    pay.resident()
    submission = pay.submit_juminhyo(copies=1)
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "paypay_failed")
    pay.wait()
    assert pay.payment(submission).status == "open"
    result = pay.outcome(session_id, "paypay_success")
    pay.wait()
    payment = pay.payment(submission)
    assert (payment.status, payment.method, payment.amount) == ("paid", "paypay", 300)
    assert "お支払いが完了しました" in pay.follow(result["redirect_url"]).get_data(as_text=True)


def test_closing_the_browser_after_paying_is_caught_by_the_webhook(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "card_success")  # the redirect back is never followed
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "paid"
    assert [t.source for t in payment.transitions][-1] == "webhook"


def test_the_return_page_does_not_mark_paid_by_itself(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    pay.checkout(submission)
    payment = pay.payment(submission)
    # a hand-made return URL (the session was not paid): the page asks Stripe and says so
    page = pay.client.get(f"/ichinomiya/payments/{payment.id}/return?session_id={payment.provider_session_id}")
    text = page.get_data(as_text=True)
    assert "お支払いはまだ完了していません" in text and "お支払いが完了しました" not in text
    assert pay.payment(submission).status == "open"
    # cancel page: nothing paid, the resident can try again
    cancel = pay.client.get(f"/ichinomiya/payments/{payment.id}/cancel").get_data(as_text=True)
    assert "お支払いを中止しました" in cancel and "を支払う" in cancel


def test_double_click_on_pay_creates_one_session(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    first = pay.click_pay(submission)
    second = pay.click_pay(submission)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(pay.sessions()) == 1
    assert len(pay.payments(submission)) == 1


def test_simultaneous_clicks_on_pay_create_one_session(pay):
    resident = pay.resident()
    submission = pay.submit_juminhyo()
    clients = [pay.app.test_client() for _ in range(3)]
    from tests.conftest import sign_in_as

    for client in clients:
        sign_in_as(client, resident)
    from tests.integration.helpers import csrf_token

    url = f"/ichinomiya/submissions/{submission.reference}/pay"
    responses = concurrently(
        *[(lambda token, c=c: c.post(url, data={"csrf_token": token})) for c in clients],
        prepare=lambda i: csrf_token(clients[i], f"/ichinomiya/mypage/submissions/{submission.reference}"))
    assert [r.status_code for r in responses] == [303, 303, 303]
    assert len({r.headers["Location"] for r in responses}) == 1
    assert len(pay.sessions()) == 1
    assert len(pay.payments(submission)) == 1


def test_receipt_pdf_in_japanese_only_for_its_owner(pay, tmp_path):
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    pay.follow(pay.outcome(session_id, "card_success")["redirect_url"])
    payment = pay.payment(submission)
    response = pay.client.get(f"/ichinomiya/payments/{payment.id}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("領収書", "一宮市", "住民票の写しの交付請求", "900円", submission.reference, "クレジットカード",
                     payment.provider_payment_intent_id):
        assert expected in text, (expected, text)
    # nobody else gets it: another resident, anonymous, another municipality's URL
    other = pay.app.test_client()
    pay.resident(client=other)
    assert other.get(f"/ichinomiya/payments/{payment.id}/receipt.pdf").status_code == 404
    assert pay.app.test_client().get(f"/ichinomiya/payments/{payment.id}/receipt.pdf").status_code == 404
    assert pay.client.get(f"/anjo/payments/{payment.id}/receipt.pdf").status_code == 404
    assert other.get(f"/ichinomiya/payments/{payment.id}/return").status_code == 404
    assert other.post(f"/ichinomiya/submissions/{submission.reference}/pay",
                      data={"csrf_token": "x"}).status_code in (400, 404)


def test_nothing_to_pay_after_withdrawal_and_no_receipt_before_paying(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    pay.checkout(submission)
    payment = pay.payment(submission)
    assert pay.client.get(f"/ichinomiya/payments/{payment.id}/receipt.pdf").status_code == 404
    submission.status = "withdrawn"
    pay.db.commit()
    response = pay.click_pay(submission)
    assert response.status_code == 303 and "/mypage/" in response.headers["Location"]
    assert pay.db.scalar(select(func.count()).select_from(PaymentTransition)) == 2
    assert pay.db.scalar(select(func.count()).select_from(ProcessedEvent)) == 0
