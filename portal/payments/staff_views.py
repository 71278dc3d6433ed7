"""Back office: payments list, a payment's detail, refunds (with a confirmation step), exempt / cash at the
counter, reconciliation mismatches, the daily accounting file and (admins) the payment settings.

URLs: /<municipality>/backoffice/payments/… — every view needs a staff account of that municipality;
every action is written to the audit log."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal import db, excel_csv
from portal.backoffice import common
from portal.clock import TOKYO
from portal.params import date_arg, int_arg, parse_int
from portal.payments import accounting, reconcile, service
from portal.payments.gateway import GatewayError, gateway
from portal.payments.labels import MISMATCH_LABELS, NEEDS_REFUND_LABELS
from portal.payments.models import MunicipalityPaymentSettings, Payment, Refund
from portal.payments.states import STATUSES
from portal.procedures.catalogue import definition_of
from portal.procedures.models import Submission
from portal.staff.auth import staff_required
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("payments_staff", __name__, url_prefix="/backoffice/payments", template_folder="templates")

PAGE_SIZE = 50
MAX_REASON = 1000


def _payment_or_404(payment_id: int) -> Payment:
    payment = db.session().get(Payment, payment_id)
    if payment is None or payment.municipality_id != g.municipality.id:
        abort(404)
    common.submission_or_404(payment.submission.reference)  # within this staff member's procedures
    return payment


@bp.get("/")
@staff_required()
def index():
    dbs = db.session()
    status = request.args.get("status", "")
    method = request.args.get("method", "")
    flagged = request.args.get("needs_refund") == "1"
    q = request.args.get("q", "").strip().upper()
    since, until = date_arg("from"), date_arg("to")
    query = (select(Payment).join(Submission, Submission.id == Payment.submission_id)
             .where(Payment.municipality_id == g.municipality.id))
    if status in STATUSES:
        query = query.where(Payment.status == status)
    if method in ("card", "konbini", "paypay"):
        query = query.where(Payment.method == method)
    if flagged:
        query = query.where(Payment.needs_refund.is_(True))
    if q:
        query = query.where(or_(Submission.reference == q, Payment.provider_payment_intent_id == q.lower(),
                                Submission.reference.like(f"%{q}%")))
    if since:
        query = query.where(Payment.created_at >= accounting.day_bounds(since)[0])
    if until:
        query = query.where(Payment.created_at < accounting.day_bounds(until)[1])
    payments = dbs.scalars(query.order_by(Payment.id.desc()).limit(PAGE_SIZE)).all()
    flagged_count = len(dbs.scalars(select(Payment.id).where(Payment.municipality_id == g.municipality.id,
                                                             Payment.needs_refund.is_(True))).all())
    return render_template("payments/staff/index.html", nav="payments", payments=payments, statuses=STATUSES,
                           f={"status": status, "method": method, "needs_refund": flagged, "q": q,
                              "from": since.isoformat() if since else "", "to": until.isoformat() if until else ""},
                           flagged_count=flagged_count, yesterday=(datetime.now(TOKYO).date()
                                                                   - timedelta(days=1)).isoformat())


@bp.get("/<int:payment_id>")
@staff_required()
def detail(payment_id: int):
    payment = _payment_or_404(payment_id)
    common.audit("payment.view", "payment", payment.id, reference=payment.submission.reference)
    db.session().commit()
    return _render_detail(payment)


def _render_detail(payment: Payment, status: int = 200, **context):
    submission = payment.submission
    return render_template("payments/staff/detail.html", nav="payments", payment=payment, submission=submission,
                           definition=definition_of(submission.definition), names=common.staff_names(g.municipality.id),
                           needs_refund_labels=NEEDS_REFUND_LABELS, **context), status


def _refund_form() -> tuple[dict, str | None]:
    kept = {"amount": request.form.get("amount", "").strip(), "reason": request.form.get("reason", "")[:MAX_REASON]}
    try:
        amount = int(kept["amount"].replace(",", "").replace("円", ""))
    except ValueError:
        return kept, _("返金する金額を半角数字（円）で入力してください。")
    kept["amount_value"] = amount
    if not kept["reason"].strip():
        return kept, _("返金の理由を入力してください。")
    return kept, None


def _refund_problem(payment: Payment, amount: int) -> str | None:
    if payment.status not in ("paid", "partially_refunded"):
        return _("このお支払いは返金できる状態ではありません。")
    if not 1 <= amount <= payment.refundable_amount:
        return _("返金できる金額は1円から%(max)sまでです。", max=f"{payment.refundable_amount:,}円")
    return None


@bp.post("/<int:payment_id>/refund")
@staff_required()
def refund_check(payment_id: int):
    """Step 1 of 2: check the amount and reason and show what will happen; nothing changes yet."""
    payment = _payment_or_404(payment_id)
    kept, error = _refund_form()
    error = error or _refund_problem(payment, kept["amount_value"])
    if error:
        return _render_detail(payment, 422, error=error, kept=kept)
    return render_template("payments/staff/refund_confirm.html", nav="payments", payment=payment,
                           submission=payment.submission, definition=definition_of(payment.submission.definition),
                           amount=kept["amount_value"], reason=kept["reason"].strip())


@bp.post("/<int:payment_id>/refund/confirm")
@staff_required()
def refund_confirm(payment_id: int):
    """Step 2 of 2: refund through the provider (once: a second click finds the payment changed)."""
    dbs = db.session()
    payment = _payment_or_404(payment_id)
    kept, error = _refund_form()
    error = error or _refund_problem(payment, kept["amount_value"])
    if error:
        return _render_detail(payment, 422, error=error, kept=kept)
    try:
        expected = int(request.form.get("lock_version", ""))
    except ValueError:
        abort(400)

    def audit(refund: Refund) -> None:
        common.audit("payment.refund", "payment", payment.id, reference=payment.submission.reference,
                     amount=refund.amount, reason=refund.reason, refund_id=refund.id)

    try:
        refund = service.refund(dbs, gateway(), payment, kept["amount_value"], kept["reason"], g.staff.id,
                                expected_version=expected, audit=audit)
    except service.Conflict:
        dbs.rollback()
        flash(_("このお支払いは、ほかの操作で更新されていました。返金の状況を確認してください。"), "warning")
        return redirect(url_for(".detail", payment_id=payment_id), 303)
    except service.RefundRefused:
        dbs.rollback()
        return _render_detail(dbs.get(Payment, payment_id), 422, error=_("返金できませんでした。"), kept=kept)
    except GatewayError as exc:
        dbs.rollback()
        message = _("決済サービスが返金を受け付けませんでした: %(error)s", error=str(exc)) if not exc.transient else \
            _("決済サービスに接続できませんでした。返金の依頼は記録しました。照合で結果を確認します。")
        flash(message, "error")
        return redirect(url_for(".detail", payment_id=payment_id), 303)
    if refund.status == "succeeded":
        flash(_("%(amount)sを返金しました。", amount=f"{refund.amount:,}円"), "success")
    else:
        flash(_("%(amount)sの返金を依頼しました（コンビニ払いの返金は、申請者の口座情報の確認後に振り込まれます）。",
                amount=f"{refund.amount:,}円"), "success")
    return redirect(url_for(".detail", payment_id=payment_id), 303)


# --- a submission's fee: exempt (減免) or paid at the counter --------------------------------------------

@bp.get("/submissions/<reference>")
@staff_required()
def submission_fee(reference: str):
    submission = common.submission_or_404(reference)
    return _render_fee(submission)


def _render_fee(submission: Submission, status: int = 200, **context):
    return render_template("payments/staff/submission.html", nav="payments", submission=submission,
                           definition=definition_of(submission.definition),
                           fee=service.fee_state(db.session(), submission),
                           names=common.staff_names(g.municipality.id), **context), status


@bp.post("/submissions/<reference>/settle")
@staff_required()
def settle(reference: str):
    dbs = db.session()
    submission = common.submission_or_404(reference)
    how = request.form.get("how", "")
    if how not in ("exempt", "cash"):
        abort(400)
    reason = request.form.get("reason", "")[:MAX_REASON].strip()
    if how == "exempt" and not reason:
        return _render_fee(submission, 422, error=_("減免の理由を入力してください。"), kept={"how": how})

    def audit(fee) -> None:
        common.audit(f"payment.{how}", "submission", submission.reference, amount=submission.fee_amount,
                     reason=reason)

    try:
        service.settle_otherwise(dbs, gateway(), submission, how, reason, g.staff.id, audit=audit)
    except (service.NotPayable, service.Conflict):
        dbs.rollback()
        flash(_("この申請の手数料は、すでに支払い済みか減免済みです。"), "warning")
        return redirect(url_for(".submission_fee", reference=reference), 303)
    except GatewayError:
        dbs.rollback()
        flash(_("決済サービスに接続できませんでした。しばらくしてからもう一度お試しください。"), "error")
        return redirect(url_for(".submission_fee", reference=reference), 303)
    flash(_("手数料を減免にしました。") if how == "exempt" else _("窓口での支払いを記録しました。"), "success")
    return redirect(url_for(".submission_fee", reference=reference), 303)


# --- reconciliation and accounting -------------------------------------------------------------------------

@bp.get("/reconciliation")
@staff_required()
def reconciliation():
    days = int_arg("days")
    days = 7 if days is None else min(max(days, 1), 31)
    found = reconcile.mismatches(db.session(), gateway(), g.municipality, days=days)
    return render_template("payments/staff/reconciliation.html", nav="payments", mismatches=found, days=days,
                           labels=MISMATCH_LABELS, needs_refund_labels=NEEDS_REFUND_LABELS)


@bp.post("/reconciliation")
@staff_required()
def reconcile_now():
    dbs = db.session()
    report = reconcile.run(dbs, gateway(), g.municipality)
    common.audit("payment.reconcile", "municipality", g.municipality.slug, checked=report.checked,
                 changed=report.changed, errors=len(report.errors))
    dbs.commit()
    flash(_("照合しました（確認 %(checked)s件、更新 %(changed)s件、エラー %(errors)s件）。", checked=report.checked,
            changed=report.changed, errors=len(report.errors)), "error" if report.errors else "success")
    return redirect(url_for(".reconciliation"), 303)


@bp.get("/daily.csv")
@staff_required()
def daily_csv():
    day = date_arg("date")
    if day is None:
        abort(400)
    dbs = db.session()
    rows = accounting.daily_rows(dbs, g.municipality, day)
    common.audit("payment.daily_report", "municipality", g.municipality.slug, date=day.isoformat())
    dbs.commit()
    return excel_csv.download(accounting.filename(g.municipality, day), excel_csv.chunks(accounting.HEADER, rows))


# --- settings (admins) ---------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@staff_required("admin")
def settings():
    dbs = db.session()
    row = dbs.scalar(select(MunicipalityPaymentSettings)
                     .where(MunicipalityPaymentSettings.municipality_id == g.municipality.id))
    current = service.settings_for(dbs, g.municipality)
    error = None
    if request.method == "POST":
        methods = [m for m in request.form.getlist("methods") if m in service.METHODS]
        typed = request.form.get("konbini_days", "")
        days = parse_int(typed, low=1, high=60)
        enabled = request.form.get("enabled") == "1"
        if days is None:
            error = _("コンビニ払いの支払期限は1日から60日の間で入力してください。")
        elif enabled and not methods:
            error = _("支払い方法を1つ以上選んでください。")
        else:
            if row is None:
                row = MunicipalityPaymentSettings(municipality_id=g.municipality.id)
                dbs.add(row)
            row.enabled, row.methods, row.konbini_expires_after_days = enabled, methods, days
            common.audit("payment.settings", "municipality", g.municipality.slug, enabled=enabled,
                         methods=methods, konbini_days=days)
            dbs.commit()
            flash(_("お支払いの設定を保存しました。"), "success")
            return redirect(url_for(".settings"), 303)
        shown = parse_int(typed)  # what was typed, even out of range, as long as it is a number
        current = service.Settings(enabled, methods, current.konbini_expires_after_days if shown is None else shown)
    return render_template("payments/staff/settings.html", nav="payments", current=current, error=error,
                           methods=service.METHODS), 422 if error else 200
