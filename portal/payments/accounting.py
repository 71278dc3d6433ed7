"""The daily file for the 財務会計 (financial accounting) system: one municipality's payments and refunds
of one day (JST), as CSV in UTF-8 with a BOM (Excel opens it right) and CRLF line ends."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import excel_csv
from portal.clock import TOKYO
from portal.payments.models import Payment, Refund
from portal.tenancy.models import Municipality

HEADER = ["計上日", "区分", "自治体コード", "受付番号", "手続き", "金額", "決済手段", "日時", "決済番号",
          "返金番号", "返金元", "備考"]
METHODS = {"card": "クレジットカード", "konbini": "コンビニ", "paypay": "PayPay"}
#: refunds the provider counts (pending ones included: the money is on its way back)
COUNTED_REFUNDS = ("pending", "requires_action", "succeeded")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[00:00, 24:00) JST of ``day``, as aware datetimes (compared in UTC by the database)."""
    start = datetime.combine(day, time(0, 0), TOKYO)
    return start, start + timedelta(days=1)


def daily_rows(dbs: Session, municipality: Municipality, day: date) -> list[list[str]]:
    start, end = day_bounds(day)
    rows: list[tuple[datetime, list[str]]] = []
    payments = dbs.scalars(select(Payment).where(Payment.municipality_id == municipality.id,
                                                 Payment.paid_at >= start, Payment.paid_at < end)
                           .order_by(Payment.paid_at, Payment.id))
    for p in payments:
        title = _title(p)
        rows.append((p.paid_at, [day.isoformat(), "入金", municipality.code, p.submission.reference, title,
                                 str(p.amount), METHODS.get(p.method or "", p.method or ""), _jst(p.paid_at),
                                 p.provider_payment_intent_id or p.provider_session_id or "", "", "",
                                 "要返金" if p.needs_refund else ""]))
    refunds = dbs.scalars(select(Refund).where(Refund.municipality_id == municipality.id,
                                               Refund.created_at >= start, Refund.created_at < end,
                                               Refund.status.in_(COUNTED_REFUNDS))
                          .order_by(Refund.created_at, Refund.id))
    for r in refunds:
        p = r.payment
        rows.append((r.created_at, [day.isoformat(), "返金", municipality.code, p.submission.reference, _title(p),
                                    str(-r.amount), METHODS.get(p.method or "", p.method or ""), _jst(r.created_at),
                                    p.provider_payment_intent_id or "", r.provider_refund_id or "",
                                    "Stripeダッシュボード" if r.source == "dashboard" else "職員",
                                    "" if r.status == "succeeded" else "返金処理中"]))
    rows.sort(key=lambda item: item[0])
    return [row for _, row in rows]


def daily_csv(dbs: Session, municipality: Municipality, day: date) -> bytes:
    return excel_csv.encoded(HEADER, daily_rows(dbs, municipality, day))


def filename(municipality: Municipality, day: date) -> str:
    return f"payments-{municipality.code}-{day.strftime('%Y%m%d')}.csv"


def _jst(value: datetime) -> str:
    return value.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M:%S")


def _title(payment: Payment) -> str:
    title = payment.submission.definition.content.get("title")
    return (title.get("ja") or "") if isinstance(title, dict) else (title or "")
