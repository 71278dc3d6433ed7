"""A resident withdrawing a request with a fee: a confirmation page says what happens to the money, the
withdrawal does it (in every payment state: open checkout, konbini voucher, paid, partly refunded), a second
click changes nothing, and the email says what was done — in the language the resident applied in."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.payments import service
from portal.payments.gateway import gateway
from portal.payments.models import Refund
from portal.procedures.models import FormDefinition
from tests.integration.helpers import csrf_token, post, switch_language

BASE = "/ichinomiya/mypage/submissions"


def page_of(submission):
    return f"{BASE}/{submission.reference}"


def confirm_page(pay, submission, client=None):
    response = (client or pay.client).get(f"{page_of(submission)}/withdraw")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def withdraw(pay, submission, client=None):
    client = client or pay.client
    return post(client, f"{page_of(submission)}/withdraw", page=page_of(submission))


def withdrawal_email(mail_sink, submission):
    message = mail_sink.wait_for(lambda m: submission.reference in m["Subject"] and (
        "取り下げ" in m["Subject"] or "withdrawn" in m["Subject"]), timeout=10)
    return message["Subject"], message.get_content()


def paid_by_card(pay, copies=3):
    pay.resident()
    submission = pay.submit_juminhyo(copies=copies)
    pay.outcome(pay.checkout(submission), "card_success")
    pay.wait()
    assert pay.payment(submission).status == "paid"
    return submission


def konbini_voucher(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "konbini_issued", store="lawson")
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "processing"
    return submission, session_id, payment.provider_payment_intent_id


def test_the_page_offers_a_confirmation_not_a_one_tap_withdrawal(pay):
    submission = paid_by_card(pay)
    page = pay.client.get(page_of(submission)).get_data(as_text=True)
    assert f'href="{page_of(submission)}/withdraw"' in page
    assert f'action="{page_of(submission)}/withdraw"' not in page
    # looking at the confirmation changes nothing
    confirm_page(pay, submission)
    assert pay.submission(submission.reference).status == "received"
    assert pay.payment(submission).status == "paid"
    # without the CSRF token: refused
    response = pay.client.post(f"{page_of(submission)}/withdraw")
    assert response.status_code == 400
    assert pay.submission(submission.reference).status == "received"


def test_paid_by_card_is_refunded_in_full_and_emailed(pay, mail_sink):
    submission = paid_by_card(pay)
    html = confirm_page(pay, submission)
    assert "申請を取り下げますか" in html
    assert "お支払いいただいた手数料 900円 は、取り下げるとすぐに全額を自動で返金します。" in html
    assert "クレジットカードに返金します" in html

    response = withdraw(pay, submission)
    assert response.status_code == 302
    assert pay.submission(submission.reference).status == "withdrawn"
    payment = pay.payment(submission)
    assert (payment.status, payment.refunded_amount, payment.needs_refund) == ("refunded", 900, False)
    refund = pay.db.scalar(select(Refund).where(Refund.payment_id == payment.id))
    assert (refund.source, refund.amount, refund.status, refund.reason) == \
        ("resident", 900, "succeeded", "申請の取り下げ")
    assert service.fee_record(pay.db, submission).status == "refunded"
    charge = pay.emulator.client().v1.payment_intents.retrieve(payment.provider_payment_intent_id).latest_charge
    assert pay.emulator.client().v1.charges.retrieve(charge).amount_refunded == 900

    subject, body = withdrawal_email(mail_sink, submission)
    assert subject == f"【一宮市】申請を取り下げました（受付番号 {submission.reference}）"
    assert "住民票の写しの交付請求" in body and f"受付番号: {submission.reference}" in body
    assert "手数料: 900円" in body and "お支払いいただいた手数料 900円 を全額返金しました。" in body
    assert "クレジットカードに返金します" in body
    assert f"{page_of(submission)}" in body

    # the second click (or a replayed form) changes nothing twice: no second refund, no second email
    again = withdraw(pay, submission)
    assert again.status_code == 302
    assert len(pay.db.scalars(select(Refund)).all()) == 1
    assert len([m for m in mail_sink.messages() if "取り下げ" in m["Subject"]]) == 1
    # and the confirmation page is no longer offered
    assert pay.client.get(f"{page_of(submission)}/withdraw").status_code == 302


def test_partially_refunded_gets_the_rest_back(pay, mail_sink):
    submission = paid_by_card(pay)
    payment = pay.payment(submission)
    service.refund(pay.db, gateway(pay.app), payment, 300, "1通分が不要", None)
    assert pay.payment(submission).status == "partially_refunded"
    html = confirm_page(pay, submission)
    assert "お支払いいただいた手数料 600円 は、取り下げるとすぐに全額を自動で返金します。" in html
    withdraw(pay, submission)
    payment = pay.payment(submission)
    assert (payment.status, payment.refunded_amount) == ("refunded", 900)
    assert sorted(r.amount for r in payment.refunds) == [300, 600]
    _, body = withdrawal_email(mail_sink, submission)
    assert "お支払いいただいた手数料 600円 を全額返金しました。" in body


def test_an_open_checkout_is_expired_at_stripe_and_nothing_is_charged(pay, mail_sink):
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    html = confirm_page(pay, submission)
    assert "手数料 900円 はまだお支払いいただいていません。" in html
    withdraw(pay, submission)
    assert pay.emulator.client().v1.checkout.sessions.retrieve(session_id).status == "expired"
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "canceled" and not payment.needs_refund
    _, body = withdrawal_email(mail_sink, submission)
    assert "手数料 900円 はお支払い前のため、請求はありません。" in body
    # nothing can be paid any more
    assert pay.click_pay(submission).headers["Location"].endswith(page_of(submission))


def test_a_konbini_voucher_is_cancelled_so_it_cannot_be_paid_later(pay, mail_sink):
    submission, _session_id, pi = konbini_voucher(pay)
    html = confirm_page(pay, submission)
    assert "発行したコンビニ払込票（900円）は、取り下げると無効になり、お支払いできなくなります。" in html
    withdraw(pay, submission)
    assert pay.emulator.client().v1.payment_intents.retrieve(pi).status == "canceled"
    payment = pay.payment(submission)
    assert payment.status == "canceled" and not payment.needs_refund
    with pytest.raises(Exception, match="no konbini voucher awaiting payment"):
        pay.emulator.pay_konbini(pi)
    # whatever Stripe tells us later about the session keeps it canceled
    service.sync_from_provider(pay.db, gateway(pay.app), payment.id, "reconciliation")
    assert pay.payment(submission).status == "canceled"
    _, body = withdrawal_email(mail_sink, submission)
    assert "発行したコンビニ払込票（900円）は無効にしました。お支払いにならないでください。" in body


def test_konbini_money_arriving_at_that_very_moment_is_flagged_for_staff(pay, mail_sink):
    submission, _session_id, pi = konbini_voucher(pay)
    confirm_page(pay, submission)
    pay.emulator.set_faults(hold=True)  # the shop took the money; its webhook has not arrived yet
    pay.emulator.pay_konbini(pi)
    withdraw(pay, submission)
    payment = pay.payment(submission)
    assert payment.status == "paid" and payment.needs_refund
    assert payment.needs_refund_reason == "submission_withdrawn"
    staff = pay.staff()
    listing = pay.staff_client(staff).get("/ichinomiya/backoffice/payments/?needs_refund=1").get_data(as_text=True)
    assert submission.reference in listing and "要返金" in listing
    _, body = withdrawal_email(mail_sink, submission)
    assert "お支払いいただいた手数料 900円 は、担当課が返金の手続きをします。" in body
    pay.emulator.set_faults(clear=True)
    pay.emulator.flush_webhooks()
    pay.wait()
    assert pay.payment(submission).needs_refund  # the late webhook changes nothing


def test_a_procedure_whose_rules_leave_the_refund_to_staff_is_flagged(pay, mail_sink):
    submission = paid_by_card(pay)
    row = pay.db.get(FormDefinition, submission.definition_id)
    row.content = {**row.content, "refund_on_withdrawal": False}
    pay.db.commit()
    html = confirm_page(pay, submission)
    assert "この手続きでは自動では返金されません" in html
    withdraw(pay, submission)
    payment = pay.payment(submission)
    assert (payment.status, payment.needs_refund, payment.needs_refund_reason) == (
        "paid", True, "withdrawn_staff_refund")
    assert pay.db.scalars(select(Refund)).all() == []
    staff = pay.staff()
    listing = pay.staff_client(staff).get("/ichinomiya/backoffice/payments/?needs_refund=1").get_data(as_text=True)
    assert submission.reference in listing
    detail = pay.staff_client(staff).get(f"/ichinomiya/backoffice/payments/{payment.id}").get_data(as_text=True)
    assert "取り下げ（この手続きは職員が返金）" in detail
    _, body = withdrawal_email(mail_sink, submission)
    assert "担当課が返金の手続きをします" in body


def test_the_email_is_in_english_for_a_resident_who_applied_in_english(pay, mail_sink):
    pay.resident()
    switch_language(pay.client, "en", "/ichinomiya/")
    submission = pay.submit_juminhyo()
    assert submission.lang == "en"
    pay.outcome(pay.checkout(submission), "card_success")
    pay.wait()
    html = confirm_page(pay, submission)
    assert "Withdraw this application?" in html and "¥900" in html
    # the resident switches to Japanese before withdrawing: the email still follows the application's language
    switch_language(pay.client, "ja", "/ichinomiya/")
    withdraw(pay, submission)
    subject, body = withdrawal_email(mail_sink, submission)
    assert subject == f"[Ichinomiya City] Your application has been withdrawn (reference number {submission.reference})"
    assert "Request for a copy of the residence record (Juminhyo)" in body
    assert f"Reference number: {submission.reference}" in body and "Fee: ¥900" in body
    assert "The fee of ¥900 you paid has been refunded in full." in body
    assert re.search(r"[\u3040-\u30ff]", body.split("Enquiries")[0]) is None, body


def test_a_voucher_the_withdrawal_could_not_cancel_is_cancelled_by_reconciliation(pay):
    from portal.payments import reconcile

    submission, _session_id, pi = konbini_voucher(pay)
    submission.status = "withdrawn"  # withdrawn while Stripe could not be reached
    pay.db.commit()
    report = reconcile.run(pay.db, gateway(pay.app))
    assert report.canceled == 1
    assert pay.payment(submission).status == "canceled"
    assert pay.emulator.client().v1.payment_intents.retrieve(pi).status == "canceled"


def test_two_withdrawals_at_the_same_moment_refund_once(pay, mail_sink):
    from tests.conftest import sign_in_as
    from tests.integration.payments_env import concurrently

    submission = paid_by_card(pay)
    resident = pay.submission(submission.reference).resident_id
    from portal.identity.models import Resident

    person = pay.db.get(Resident, resident)
    clients = [pay.app.test_client() for _ in range(2)]
    for client in clients:
        sign_in_as(client, person)
    tokens = [csrf_token(client, page_of(submission)) for client in clients]
    url = f"{page_of(submission)}/withdraw"
    results = concurrently(*[lambda c=c, t=t: c.post(url, data={"csrf_token": t}).status_code
                             for c, t in zip(clients, tokens)])
    assert results == [302, 302]
    payment = pay.payment(submission)
    assert (payment.status, payment.refunded_amount) == ("refunded", 900)
    assert len(pay.db.scalars(select(Refund)).all()) == 1
    mail_sink.wait_for(lambda m: "取り下げ" in m["Subject"], timeout=10)
    assert len([m for m in mail_sink.messages() if "取り下げ" in m["Subject"]]) == 1
