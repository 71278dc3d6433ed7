"""Cashless fees (キャッシュレス決済) with Stripe Checkout: no payment lost or counted twice.

Resident pages and the webhook (``views``), back office (``staff_views``), the state machine (``states``),
the provider behind ``gateway``, the operations in ``service``, reconciliation, receipts and accounting."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from portal import db
    from portal.i18n import current_lang
    from portal.payments import breakdown, jobs, labels  # noqa: F401  (jobs: registers the periodic reconciliation)
    from portal.payments.cli import payments_cli
    from portal.payments.service import fee_state
    from portal.payments.staff_views import bp as staff_bp
    from portal.payments.views import bp, webhooks
    from portal.staff import menu

    app.register_blueprint(bp)
    app.register_blueprint(webhooks)
    app.register_blueprint(staff_bp)
    app.cli.add_command(payments_cli)
    menu.add_entry(app, 30, "payments", _l("お支払い"), "payments_staff.index")
    app.jinja_env.globals.update(
        fee_state=lambda submission: fee_state(db.session(), submission),
        # 「300円 × 2通 = 600円」 wherever a fee total is shown
        submission_fee_text=lambda submission, amount=None: breakdown.breakdown_text(
            breakdown.of_submission(db.session(), submission, amount),
            submission.fee_amount if amount is None else amount),
        payment_method_label=lambda m: labels.label(labels.METHOD_LABELS, m),
        payment_methods_text=lambda ms: (", " if current_lang() == "en" else "、").join(
            labels.label(labels.METHOD_LABELS, m) for m in ms),
        payment_status_label=lambda s: labels.label(labels.PAYMENT_STATUS_LABELS, s),
        fee_state_label=lambda s: labels.label(labels.FEE_STATE_LABELS, s),
        payment_source_label=lambda s: labels.label(labels.SOURCE_LABELS, s),
        refund_status_label=lambda s: labels.label(labels.REFUND_STATUS_LABELS, s),
        needs_refund_label=lambda s: labels.label(labels.NEEDS_REFUND_LABELS, s),
    )
