"""Refunds from the back office (full and partial, reason required, a confirmation step, once only) and
from the Stripe dashboard (picked up by the webhook and by reconciliation); exempt and cash at the counter;
the reconciliation view and the daily accounting file."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.clock import TOKYO as JST
from portal.payments import reconcile
from portal.payments.gateway import gateway
from portal.payments.models import Refund
from portal.payments.service import settle_otherwise
from tests.integration.helpers import csrf_token

CSRF = re.compile(r'name="lock_version" value="(\d+)"')


def paid(pay, outcome="card_success", copies=3):
    pay.resident()
    submission = pay.submit_juminhyo(copies=copies)
    session_id = pay.checkout(submission)
    pay.outcome(session_id, outcome)
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status in ("paid", "processing")
    return submission, payment


def staff_refund(pay, client, payment, amount, reason="申請者の依頼"):
    base = f"/ichinomiya/backoffice/payments/{payment.id}"
    token = csrf_token(client, base)
    check = client.post(f"{base}/refund", data={"csrf_token": token, "amount": str(amount), "reason": reason})
    return check


def confirm(pay, client, payment, page_html):
    base = f"/ichinomiya/backoffice/payments/{payment.id}"
    version = CSRF.search(page_html).group(1)
    amount = re.search(r'name="amount" value="(\d+)"', page_html).group(1)
    reason = re.search(r'name="reason" value="([^"]*)"', page_html).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)
    return client.post(f"{base}/refund/confirm", data={"csrf_token": token, "lock_version": version,
                                                      "amount": amount, "reason": reason})


def test_partial_then_full_refund_from_the_back_office(pay):
    submission, payment = paid(pay)
    staff = pay.staff()
    client = pay.staff_client(staff)
    detail = client.get(f"/ichinomiya/backoffice/payments/{payment.id}")
    assert detail.status_code == 200 and "返金の内容を確認する" in detail.get_data(as_text=True)

    # a reason is required; nothing happens on the first step
    missing = staff_refund(pay, client, payment, 300, reason=" ")
    assert missing.status_code == 422 and "返金の理由を入力してください" in missing.get_data(as_text=True)
    too_much = staff_refund(pay, client, payment, 901)
    assert too_much.status_code == 422
    check = staff_refund(pay, client, payment, 300, reason="1通分が不要になったため")
    html = check.get_data(as_text=True)
    assert check.status_code == 200 and "返金の確認" in html and "300円を返金する" in html
    assert pay.payment(submission).refunded_amount == 0

    done = confirm(pay, client, payment, html)
    assert done.status_code == 303
    payment = pay.payment(submission)
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 300)
    refund = pay.db.scalar(select(Refund).where(Refund.payment_id == payment.id))
    assert (refund.source, refund.staff_id, refund.status, refund.reason) == (
        "staff", staff.id, "succeeded", "1通分が不要になったため")
    assert refund.provider_refund_id.startswith("re_")
    # the same confirmation form posted again (double click): refused, no second refund
    again = confirm(pay, client, payment, html)
    assert again.status_code == 303
    pay.wait()
    assert len(pay.emulator.client().v1.refunds.list(
        params={"payment_intent": payment.provider_payment_intent_id}).data) == 1
    assert pay.payment(submission).refunded_amount == 300

    html = staff_refund(pay, client, payment, 600, reason="取り下げのため").get_data(as_text=True)
    assert confirm(pay, client, payment, html).status_code == 303
    pay.wait()
    payment = pay.payment(submission)
    assert (payment.status, payment.refunded_amount) == ("refunded", 900)
    assert [t.to_status for t in payment.transitions][-2:] == ["partially_refunded", "refunded"]
    actions = pay.db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("payment.%"))).all()
    assert actions.count("payment.refund") == 2
    mine = pay.client.get(f"/ichinomiya/mypage/submissions/{submission.reference}").get_data(as_text=True)
    assert "返金済み" in mine


def test_dashboard_refunds_are_picked_up_by_webhook_and_by_reconciliation(pay):
    submission, payment = paid(pay)
    pay.emulator.dashboard_refund(payment.provider_payment_intent_id, 300)
    pay.wait()
    payment = pay.payment(submission)
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 300)
    assert payment.refunds[0].source == "dashboard" and payment.transitions[-1].source == "webhook"
    # a second one whose webhook is lost: reconciliation finds it
    pay.emulator.set_faults(drop=10)
    pay.emulator.dashboard_refund(payment.provider_payment_intent_id, 600)
    pay.wait()
    assert pay.payment(submission).refunded_amount == 300
    mismatches = reconcile.mismatches(pay.db, gateway(pay.app), payment.municipality)
    assert [(m.kind, m.ours, m.theirs) for m in mismatches] == [("refunded", "300", "900")]
    reconcile.run(pay.db, gateway(pay.app))
    payment = pay.payment(submission)
    assert (payment.status, payment.refunded_amount, len(payment.refunds)) == ("refunded", 900, 2)
    assert reconcile.mismatches(pay.db, gateway(pay.app), payment.municipality) == []


def test_konbini_refund_waits_for_bank_details(pay):
    submission, payment = paid(pay, outcome="konbini_issued")
    pay.emulator.pay_konbini(payment.provider_payment_intent_id)
    pay.wait()
    client = pay.staff_client(pay.staff())
    html = staff_refund(pay, client, pay.payment(submission), 900).get_data(as_text=True)
    assert "口座" in html
    confirm(pay, client, payment, html)
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "refunded" and payment.refunds[0].status == "requires_action"
    pay.emulator.settle_refund(payment.refunds[0].provider_refund_id, "failed")
    pay.wait()
    payment = pay.payment(submission)
    # the bank transfer failed: the money is ours again, and it shows
    assert (payment.status, payment.refunded_amount, payment.refunds[0].status) == ("paid", 0, "failed")


def test_exempt_needs_a_reason_and_closes_the_open_session(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    client = pay.staff_client(pay.staff())
    page = f"/ichinomiya/backoffice/payments/submissions/{submission.reference}"
    response = client.post(f"{page}/settle", data={"csrf_token": csrf_token(client, page), "how": "exempt",
                                                    "reason": ""})
    assert response.status_code == 422
    response = client.post(f"{page}/settle", data={"csrf_token": csrf_token(client, page), "how": "exempt",
                                                    "reason": "生活保護受給者のため減免"})
    assert response.status_code == 303
    assert pay.payment(submission).status == "canceled"
    assert pay.emulator.client().v1.checkout.sessions.retrieve(session_id).status == "expired"
    mine = pay.client.get(f"/ichinomiya/mypage/submissions/{submission.reference}").get_data(as_text=True)
    assert "減免" in mine and "を支払う" not in mine
    audit = pay.db.scalar(select(AuditEvent).where(AuditEvent.action == "payment.exempt"))
    assert audit.detail["reason"] == "生活保護受給者のため減免" and audit.object_id == submission.reference
    pay.wait()  # Stripe's checkout.session.expired for the session we closed: still "canceled", no mismatch
    assert pay.payment(submission).status == "canceled"
    assert reconcile.mismatches(pay.db, gateway(pay.app), pay.municipality("ichinomiya")) == []


class WebhookFirst:
    """The real gateway, except that expiring a session waits until Stripe's ``checkout.session.expired``
    has been handled: the order a slow database or a fast webhook gives in production."""

    def __init__(self, pay, real):
        self.pay, self.real = pay, real

    def expire_checkout(self, session_id):
        state = self.real.expire_checkout(session_id)
        self.pay.wait()
        return state

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_exempt_when_the_expired_webhook_comes_first_is_still_canceled(pay):
    pay.resident()
    submission = pay.submit_juminhyo()
    pay.checkout(submission)
    staff = pay.staff()
    with pay.app.app_context():
        settle_otherwise(pay.db, WebhookFirst(pay, gateway(pay.app)), pay.submission(submission.reference),
                         "exempt", "生活保護受給者のため減免", staff.id)
    payment = pay.payment(submission)
    assert payment.status == "canceled"
    assert [(t.from_status, t.to_status, t.source) for t in payment.transitions][-2:] == [
        ("open", "expired", "webhook"), ("expired", "canceled", "staff")]
    assert reconcile.mismatches(pay.db, gateway(pay.app), pay.municipality("ichinomiya")) == []


def test_cash_at_the_counter_then_a_konbini_payment_is_flagged(pay):
    submission, payment = paid(pay, outcome="konbini_issued")
    client = pay.staff_client(pay.staff())
    queue = "/ichinomiya/backoffice/?status=all&needs_payment=1"
    assert submission.reference in client.get(queue).get_data(as_text=True)
    page = f"/ichinomiya/backoffice/payments/submissions/{submission.reference}"
    response = client.post(f"{page}/settle", data={"csrf_token": csrf_token(client, page), "how": "cash",
                                                    "reason": "窓口領収 No.123"})
    assert response.status_code == 303
    assert pay.db.scalar(select(AuditEvent).where(AuditEvent.action == "payment.cash")) is not None
    assert submission.reference not in client.get(queue).get_data(as_text=True)  # settled: off the to-do list
    pay.emulator.pay_konbini(payment.provider_payment_intent_id)
    pay.wait()
    payment = pay.payment(submission)
    assert payment.status == "paid" and payment.needs_refund and payment.needs_refund_reason == "fee_cash"
    listing = client.get("/ichinomiya/backoffice/payments/?needs_refund=1").get_data(as_text=True)
    assert submission.reference in listing and "要返金" in listing
    view = client.get("/ichinomiya/backoffice/payments/reconciliation").get_data(as_text=True)
    assert "窓口で支払い済みの申請への入金" in view


def test_staff_views_need_staff_of_the_municipality(pay):
    submission, payment = paid(pay)
    anonymous = pay.app.test_client()
    assert anonymous.get("/ichinomiya/backoffice/payments/").status_code == 302
    other = pay.staff_client(pay.staff(slug="anjo"))
    assert other.get("/ichinomiya/backoffice/payments/").status_code == 403
    assert other.get(f"/anjo/backoffice/payments/{payment.id}").status_code == 404
    staff = pay.staff_client(pay.staff())
    listing = staff.get("/ichinomiya/backoffice/payments/?status=paid").get_data(as_text=True)
    assert submission.reference in listing
    assert staff.get("/ichinomiya/backoffice/payments/settings").status_code == 403


def test_admin_payment_settings(pay):
    admin = pay.staff_client(pay.staff(role="admin"))
    page = "/ichinomiya/backoffice/payments/settings"
    response = admin.post(page, data={"csrf_token": csrf_token(admin, page), "enabled": "1", "methods": ["card"],
                                      "konbini_days": "5"})
    assert response.status_code == 303
    pay.resident()
    submission = pay.submit_juminhyo()
    session_id = pay.checkout(submission)
    assert list(pay.emulator.client().v1.checkout.sessions.retrieve(session_id).payment_method_types) == ["card"]


def test_daily_csv_for_accounting(pay):
    submission, payment = paid(pay)
    pay.emulator.dashboard_refund(payment.provider_payment_intent_id, 300)
    pay.wait()
    today = datetime.now(JST).date().isoformat()
    client = pay.staff_client(pay.staff())
    response = client.get(f"/ichinomiya/backoffice/payments/daily.csv?date={today}")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["計上日", "区分", "自治体コード"]
    kinds = [(r[1], r[3], r[5], r[6]) for r in rows[1:]]
    assert kinds == [("入金", submission.reference, "900", "クレジットカード"),
                     ("返金", submission.reference, "-300", "クレジットカード")]
    assert b"\r\n" in response.data
    # the command writes the same file; another day and another municipality are empty
    result = pay.app.test_cli_runner().invoke(args=["payments", "daily-report", "--date", today,
                                                    "--municipality", "ichinomiya", "-o", "-"])
    assert result.exit_code == 0 and submission.reference in result.output
    other = pay.app.test_cli_runner().invoke(args=["payments", "daily-report", "--date", "2020-01-01",
                                                   "--municipality", "ichinomiya", "-o", "-"])
    assert other.output.count("\n") == 1
    anjo = pay.app.test_cli_runner().invoke(args=["payments", "daily-report", "--date", today,
                                                  "--municipality", "anjo", "-o", "-"])
    assert submission.reference not in anjo.output
