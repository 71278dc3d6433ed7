"""Facility bookings: the procedure's questions (purpose, number of users, …) are answered for a reservation
of slots that is already held; the fee is the slots' fee, and paying it confirms the reservation.

A booking procedure is never started from the catalogue: a resident reaches it by choosing slots
(``portal.booking``), which makes the reservation and its draft together. Declared as the entry point
``booking`` of the group ``portal.kinds`` (pyproject.toml); docs/extending.md walks through it.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from portal.procedures.kinds.base import N_, KindRefused, ProcedureKind


def _now():
    from portal.clock import now

    return now()


def _reservation(session, draft, submission):
    from portal.booking.services import booking as service

    return service.for_submission(session, submission) if submission is not None else service.for_draft(session, draft)


class BookingKind(ProcedureKind):
    name = "booking"
    computes_fees = True
    fee_label = N_("使用料")
    # a booking is cancelled from its reservation page, where the cancellation terms and refund are shown
    withdrawable = False
    # facility bookings at the counter start from the slots (施設予約 → 窓口予約), not from an empty form
    offered_at_counter = False
    partials = {
        "step_notice": "booking/kind/_step_notice.html",
        "step_terms": "booking/kind/_step_terms.html",
        "check": "booking/kind/_check.html",
        "confirmation_notice": "booking/kind/_late_warning.html",
        "confirmation": "booking/kind/_summary.html",
        "mypage_draft": "booking/kind/_draft_note.html",
        "mypage_delete_draft": "booking/kind/_delete_draft.html",
        "mypage_submission": "booking/kind/_summary.html",
        "payment_return": "booking/kind/_payment_return.html",
        "staff_detail": "booking/kind/_slots.html",
        "email_subject": "email/booking_kind/_subject.txt",
        "email_details": "email/booking_kind/_details.txt",
        "email_fee_note": "email/booking_kind/_fee_note.txt",
    }

    def check(self, content: dict) -> str | None:
        rule = (content.get("fee") or {}).get("rule")
        if rule != "kind":
            return "fee: a booking procedure's fee is its slots' fee; declare fee: {rule: kind}"
        if content.get("audience") == "anyone":
            return "audience: bookings are made by signed-in residents (caps bind the verified person)"
        return None

    def computed_fee(self, content: dict, answers: dict) -> int:
        raise KindRefused("a booking's fee comes from its reservation, not from answers")

    def start_url(self, row) -> str | None:
        """A booking starts from the slots chosen, not from an empty form."""
        return url_for("booking.facilities")

    def resident_home(self) -> tuple[str, str] | None:
        return url_for("booking.my_bookings"), _("施設の予約と抽選")

    def page_context(self, session, draft=None, submission=None) -> dict:
        reservation = _reservation(session, draft, submission)
        return {"reservation": reservation} if reservation is not None else {}

    def submit_held_back(self, session, draft) -> str | None:
        from portal.booking.services import booking as service

        reservation = service.for_draft(session, draft)
        if reservation is None or service.hold_state(session, reservation, _now()) == "live":
            return None
        return _("仮予約の保持時間が過ぎたため、このままでは申し込めません。上の案内から枠を確保してください。")

    def fee_items(self, session, draft=None, submission=None) -> list[tuple[str, int]] | None:
        """Each booked slot's usage fee."""
        from portal.booking.presentation.formatting import slot_row_label
        from portal.i18n import current_lang

        reservation = _reservation(session, draft, submission)
        if reservation is None:
            return None
        lang = current_lang()
        return [(f"{reservation.facility.display_name(lang)} {row.unit.display_name(lang)} {slot_row_label(row)}",
                 row.fee) for row in reservation.slots if row.active]

    def draft_fee(self, session, draft, answers: dict) -> int:
        from portal.booking.services import booking as service

        reservation = service.for_draft(session, draft)
        return reservation.fee_amount if reservation is not None else 0

    def before_submit(self, session, draft) -> None:
        from portal.booking.services import booking as service

        reservation = service.for_draft(session, draft)
        if reservation is None:
            raise KindRefused(_("予約する枠が選ばれていません。施設の空き状況から選び直してください。"),
                              "no_reservation")
        now = _now()
        if not service.is_live(reservation, now):
            # The hold ran out while the form was filled in: the resident is told, and takes the slots again
            # (one button on the check page) before submitting; nothing goes on to payment for slots nobody holds.
            state = service.hold_state(session, reservation, now)
            if state == "cancelled":
                raise KindRefused(_("この予約は取り消されています。"), "cancelled")
            if state == "taken":
                raise KindRefused(_("仮予約の保持時間が過ぎ、選んだ枠はほかの方が予約しました。"
                                    "お手数ですが、空き状況から選び直してください。"), "released")
            raise KindRefused(_("仮予約の保持時間が過ぎました。選んだ枠はまだ空いています。"
                                "「同じ枠をもう一度確保する」を押してから申し込んでください。"), "hold_expired")

    def on_submit(self, session, draft, submission) -> None:
        from portal.booking.services import booking as service

        reservation = service.for_draft(session, draft)
        now = _now()
        reservation.submission_id = submission.id
        if submission.fee_amount == 0:
            service.confirm(reservation, now)

    def payable(self, session, submission) -> str | None:
        from portal.booking.services import booking as service

        reservation = service.for_submission(session, submission)
        if reservation is None:
            return None
        try:
            service.keep_for_payment(session, reservation, _now())
        except service.BookingRefused:
            return "booking_released"
        return None

    def payment_pending(self, session, submission, payment) -> None:
        from portal.booking.services import booking as service

        reservation = service.for_submission(session, submission)
        if reservation is not None and reservation.status == "held" and payment.voucher_expires_at is not None:
            # A konbini voucher: the slots wait for the shop payment until the voucher runs out.
            if reservation.hold_expires_at is None or reservation.hold_expires_at < payment.voucher_expires_at:
                reservation.hold_expires_at = payment.voucher_expires_at

    def payment_email(self, session, submission, payment, waiting: bool) -> bool:
        """The booking's own email: what was booked, where and when, rather than a fee of a procedure."""
        from portal.booking.services import booking as service, mailing

        reservation = service.for_submission(session, submission)
        if reservation is None:
            return False
        mailing.queue_payment(session, reservation, submission, payment, waiting)
        return True

    def on_discard(self, session, draft) -> None:
        """Deleting the booking's draft gives up the held slots at once, rather than when the hold runs out."""
        from portal.booking.services import booking as service, inventory

        reservation = service.for_draft(session, draft)
        if reservation is not None and reservation.status == "held":
            inventory.release(reservation, "cancelled", _now())
            reservation.cancel_reason = "申込の取りやめ"

    def after_transition(self, session, submission, frm: str, to: str) -> None:
        """A rejected booking gives its slots back at once; the fee it paid is flagged for the refund that
        staff make under お支払い (a transition never talks to the payment provider)."""
        from portal.booking.services import booking as service, inventory
        from portal.payments.service import fee_record

        if to != "rejected":
            return
        reservation = service.for_submission(session, submission)
        if reservation is None or reservation.status not in ("held", "confirmed"):
            return
        inventory.release(reservation, "cancelled", _now())
        reservation.cancel_reason = "申請の却下"
        fee = fee_record(session, submission)
        payment = service.paid_online(session, reservation) if fee is not None else None
        if payment is not None and payment.refunded_amount < payment.amount:
            payment.needs_refund, payment.needs_refund_reason = True, "submission_rejected"

    def accept_payment(self, session, submission, payment) -> str | None:
        from portal.booking.services import booking as service

        reservation = service.for_submission(session, submission)
        if reservation is None:
            return None
        now = _now()
        if reservation.status == "confirmed":
            return None
        if reservation.status == "held" or (reservation.status == "expired"
                                            and service.slots_still_free(session, reservation, now)):
            for row in reservation.slots:
                row.active = True
            service.confirm(reservation, now)
            return None
        return f"booking_{reservation.status}"

