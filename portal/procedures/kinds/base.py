from __future__ import annotations

from typing import ClassVar

KINDS: dict[str, ProcedureKind] = {}


def register(cls):
    KINDS[cls.name] = cls()
    return cls


class ProcedureKind:
    name: ClassVar[str]

    #: whether this kind computes fees itself (definitions may then say ``fee: {rule: kind}``)
    computes_fees: ClassVar[bool] = False

    def check(self, content: dict) -> str | None:
        """A kind-specific rule the definition breaks, as a message; None when it is fine."""
        return None

    def check_fee(self, content: dict) -> str | None:
        rule = content.get("fee")
        if rule and rule["rule"] == "kind" and not self.computes_fees:
            return f"fee: kind {self.name!r} does not compute fees; use rule fixed or per_unit"
        return None

    def fee(self, content: dict, answers: dict) -> int:
        """The fee in integer yen (JPY has no minor unit) for these answers:
        ``fixed`` (an amount), ``per_unit`` (unit amount × a number field) or ``kind`` (``computed_fee``)."""
        rule = content.get("fee")
        if not rule:
            return 0
        if rule["rule"] == "fixed":
            return int(rule["amount"])
        if rule["rule"] == "kind":
            amount = self.computed_fee(content, answers)
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
                raise ValueError(f"kind {self.name} computed a fee that is not a whole number of yen: {amount!r}")
            return amount
        try:
            quantity = int(answers.get(rule["quantity_field"]) or 0)
        except (TypeError, ValueError):
            quantity = 0
        return int(rule["unit_amount"]) * max(quantity, 0)

    def computed_fee(self, content: dict, answers: dict) -> int:
        """For ``fee: {rule: kind}``: the kind's own computation (e.g. facility slots × hourly rate)."""
        raise NotImplementedError(f"kind {self.name} does not compute fees")

    # --- hooks of a kind that owns inventory (a booking's slots); the defaults are the generic behaviour ---

    def draft_fee(self, session, draft, answers: dict) -> int:
        """The fee shown on the check page and charged at submission."""
        return self.fee(draft.definition.content, answers)

    def before_submit(self, session, draft) -> None:
        """Called before the submission is made, with nothing written yet; may raise :class:`KindRefused`."""

    def on_submit(self, session, draft, submission) -> None:
        """Called in the submission's transaction, after it is flushed; may raise :class:`KindRefused`."""

    def payable(self, session, submission) -> str | None:
        """Why the fee cannot be paid online now (a code for ``NotPayable``), or None. May commit."""
        return None

    def payment_pending(self, session, submission, payment) -> None:
        """A payment is waiting for the resident (a konbini voucher). Inside the payment's transaction."""

    def payment_email(self, session, submission, payment, waiting: bool) -> bool:
        """Queue the kind's own email that the fee was paid (or, ``waiting``, that a konbini voucher waits to be
        paid); False leaves it to the generic one. Inside the payment's transaction."""
        return False

    def on_discard(self, session, draft) -> None:
        """The resident deletes an unsubmitted draft (in the same transaction, nothing committed)."""

    def after_transition(self, session, submission, frm: str, to: str) -> None:
        """The submission's status changed (in the same transaction, nothing committed)."""

    def accept_payment(self, session, submission, payment) -> str | None:
        """Money arrived for the fee: None to accept it, or a reason to flag it for refund instead.
        Inside the payment's transaction; must not commit."""
        return None


class KindRefused(Exception):
    """The kind refuses to go on (e.g. the booking's slots were taken meanwhile); ``message`` is for the resident."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code
