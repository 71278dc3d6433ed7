"""領収書 (receipt) as a PDF, rendered by WeasyPrint from an HTML template with a Japanese (CJK) font."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from portal.payments.models import Payment


def receipt_number(payment: Payment) -> str:
    return f"R-{payment.submission.reference}-{payment.id:06d}"


def receipt_filename(payment: Payment) -> str:
    return f"receipt-{payment.submission.reference}.pdf"


def render_receipt(payment: Payment) -> bytes:
    from weasyprint import HTML

    submission = payment.submission
    # A receipt is an official Japanese document: always in Japanese, whatever the page language.
    with force_locale("ja"):
        html = render_template(
            "payments/receipt.html",
            payment=payment,
            submission=submission,
            municipality=submission.municipality,
            title=_title_ja(submission),
            number=receipt_number(payment),
        )
    return HTML(string=html).write_pdf()


def _title_ja(submission) -> str:
    title = submission.definition.content.get("title")
    if isinstance(title, dict):
        return title.get("ja") or next(iter(title.values()), "")
    return title or ""
