"""What the resident's pages and the kind's partials show about a registration: its status said plainly with what
happens next, the event, its sessions in Tokyo time, the venue, the party and the fee."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.events import applying, registration as service, seats
from portal.events.models import EventRegistration, RegistrationSession

STATUS_LABELS = {
    "draft": _l("入力中"),
    "pending_payment": _l("お支払い待ち"),
    "confirmed": _l("参加確定"),
    "applied": _l("抽選申込済み"),
    "lost": _l("落選"),
    "waiting": _l("キャンセル待ち"),
    "offered": _l("席のご案内中"),
    "lapsed": _l("期限切れ"),
    "cancelled": _l("取消済み"),
    "withdrawn": _l("取下げ済み"),
}
#: the portal's tag colours (tag--…) by status
STATUS_TAGS = {
    "draft": "draft", "pending_payment": "waiting_payment", "confirmed": "completed", "applied": "received",
    "lost": "withdrawn", "waiting": "received", "offered": "waiting_payment", "lapsed": "withdrawn",
    "cancelled": "withdrawn", "withdrawn": "withdrawn",
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def waiting_place(dbs: Session, registration: EventRegistration) -> int | None:
    """The registration's place on the waiting list of its (first) session: 1 is next."""
    if registration.status != "waiting":
        return None
    session_ids = [s.id for s in applying.sessions_of(dbs, registration)][:1]
    if not session_ids:
        return None
    ahead = dbs.scalar(select(func.count(EventRegistration.id))
                       .join(RegistrationSession, RegistrationSession.registration_id == EventRegistration.id)
                       .where(RegistrationSession.session_id == session_ids[0], EventRegistration.status == "waiting",
                              (EventRegistration.created_at < registration.created_at)
                              | ((EventRegistration.created_at == registration.created_at)
                                 & (EventRegistration.id < registration.id))))
    return int(ahead or 0) + 1


def next_text(dbs: Session, registration: EventRegistration, now: datetime) -> str:
    """What happens next, for every status."""
    from portal.booking.presentation.formatting import deadline
    from portal.templating import yen

    status, event = registration.status, registration.event
    if status == "confirmed":
        return _("参加が確定しました。当日は受付で参加票のQRコードを見せるか、受付番号をお伝えください。")
    if status == "pending_payment":
        fee = service.fee_for(event, registration.party)
        if registration.pay_by is not None:
            return _("席を確保しています。%(when)sまでに参加費%(fee)sをお支払いください。"
                     "期限までにお支払いがないと申込は取り消され、席はキャンセル待ちの方にご案内します。",
                     when=deadline(registration.pay_by), fee=yen(fee))
        return _("席を確保しています。参加費%(fee)sをお支払いください。", fee=yen(fee))
    if status == "waiting":
        place = waiting_place(dbs, registration) or 1
        return _("キャンセル待ちの%(n)s番目です。席が空くと自動でご案内し、メールでお知らせします。"
                 "ご案内の後、期限までに参加の手続きをしてください。", n=place)
    if status == "offered" and registration.offer_expires_at is not None:
        return _("席が空きました。%(when)sまで席を確保しています。期限までに「参加する」を押してください。"
                 "期限を過ぎると、次の方にご案内します。", when=deadline(registration.offer_expires_at))
    if status == "applied":
        return _("申込多数の場合は抽選です。抽選は受付締切（%(when)s）の後に行い、"
                 "結果をメールとこのページでお知らせします。", when=deadline(event.closes_at))
    if status == "lost":
        return _("抽選の結果、今回はご希望に添えませんでした。またのお申込みをお待ちしています。")
    if status == "lapsed":
        return _("期限までにお支払い（または参加の手続き）がなかったため、申込は取り消されました。")
    if status == "cancelled":
        return _("この申込は取り消されました。")
    if status == "withdrawn":
        return _("キャンセル待ちを取り下げました。")
    return _("申込はまだ完了していません。質問に答えて申し込んでください。")


def context(dbs: Session, registration: EventRegistration, now: datetime) -> dict:
    from portal.booking.presentation.formatting import deadline
    from portal.i18n import current_lang

    lang = current_lang()
    event = registration.event
    sessions = applying.sessions_of(dbs, registration)
    return {
        "registration": registration,
        "event": event,
        "event_title": applying.title(event, lang),
        "sessions": [(s, applying.session_label(s)) for s in sessions],
        "venue": applying.venue(dbs, event, lang),
        "party_text": applying.party_text(event, registration.party, lang),
        "fee": service.fee_for(event, registration.party),
        "fee_items": applying.fee_items(event, registration.party, lang),
        "fee_lines": [name.removeprefix(applying.title(event, lang)).strip()
                      for name, _amount in applying.fee_items(event, registration.party, lang)],
        "status_label": status_label(registration.status),
        "status_tag": STATUS_TAGS.get(registration.status, "received"),
        "next_text": next_text(dbs, registration, now),
        "lottery": event.allocation == "lottery",
        "series": event.session_mode == "series",
        "url": registration_url(registration) if registration.reference else "",
        # a draft whose party does not fit whole now: submitting puts it on the waiting list (said on the check page)
        "short_of_seats": registration.status == "draft" and event.allocation == "first_come"
        and any(seats.remaining(dbs, s.id) < registration.party_size for s in sessions),
        "pay_by_text": deadline(registration.pay_by) if registration.pay_by else "",
        "offer_text": deadline(registration.offer_expires_at) if registration.offer_expires_at else "",
    }


def registration_url(registration: EventRegistration) -> str:
    from portal.payments.service import public_url

    return public_url("events.registration", municipality=registration.event.municipality.slug,
                      reference=registration.reference)
