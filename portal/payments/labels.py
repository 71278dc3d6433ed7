"""Display names for payment statuses, methods and fee states (Japanese msgids, translated by Flask-Babel)."""
from flask_babel import lazy_gettext as _l

METHOD_LABELS = {
    "card": _l("クレジットカード"),
    "konbini": _l("コンビニ払い"),
    "paypay": _l("PayPay"),
    "cash": _l("窓口（現金）"),
}

PAYMENT_STATUS_LABELS = {
    "created": _l("作成中"),
    "open": _l("支払い手続き中"),
    "processing": _l("入金待ち（コンビニ）"),
    "paid": _l("支払い済み"),
    "expired": _l("期限切れ"),
    "failed": _l("失敗"),
    "canceled": _l("中止"),
    "partially_refunded": _l("一部返金済み"),
    "refunded": _l("返金済み"),
}

FEE_STATE_LABELS = {
    "due": _l("お支払い待ち"),
    "waiting": _l("お支払い待ち"),
    "paid": _l("支払い済み"),
    "cash": _l("支払い済み（窓口）"),
    "exempt": _l("減免（お支払い不要）"),
    "refunded": _l("返金済み"),
    "not_due": _l("お支払い不要"),
    "none": _l("手数料なし"),
}

SOURCE_LABELS = {
    "webhook": _l("Stripe からの通知"),
    "return_page": _l("支払い後の画面"),
    "reconciliation": _l("照合"),
    "staff": _l("職員"),
    "resident": _l("申請者"),
    "dashboard": _l("Stripe ダッシュボード"),
}

REFUND_STATUS_LABELS = {
    "requested": _l("依頼中"),
    "pending": _l("処理中"),
    "requires_action": _l("口座情報の確認待ち"),
    "succeeded": _l("返金済み"),
    "failed": _l("失敗"),
    "canceled": _l("取消"),
}

NEEDS_REFUND_LABELS = {
    "submission_withdrawn": _l("取り下げられた申請への入金"),
    "submission_rejected": _l("却下された申請への入金"),
    "fee_paid": _l("支払い済みの申請への二重の入金"),
    "fee_cash": _l("窓口で支払い済みの申請への入金"),
    "fee_exempt": _l("減免した申請への入金"),
    "fee_refunded": _l("返金済みの申請への入金"),
    "amount_mismatch": _l("金額の不一致"),
    "withdrawn_staff_refund": _l("取り下げ（この手続きは職員が返金）"),
    "withdrawn_refund_failed": _l("取り下げ（自動の返金に失敗）"),
}

MISMATCH_LABELS = {
    "needs_refund": _l("要返金"),
    "status": _l("状態の不一致"),
    "amount": _l("金額の不一致"),
    "refunded": _l("返金額の不一致"),
    "unknown_session": _l("記録にない決済"),
    "refund_unconfirmed": _l("未確認・失敗した返金"),
    "paid_unwanted": _l("不要になった申請の入金"),
    "provider_error": _l("照会エラー"),
}


def label(table: dict, key: str | None) -> str:
    return str(table.get(key, key or ""))
