from __future__ import annotations

from typing import ClassVar


def N_(message: str) -> str:
    """Marks a Japanese message for extraction; the pages translate it where they show it."""
    return message


class ProcedureKind:
    """What a kind adds to the generic engine. Every hook has the generic behaviour as its default; a kind
    overrides only what it changes (docs/extending.md lists them all)."""

    name: ClassVar[str]

    #: whether this kind computes fees itself (definitions may then say ``fee: {rule: kind}``)
    computes_fees: ClassVar[bool] = False

    #: the kind's own top-level definition settings (JSON-schema properties), allowed only in its definitions
    content_properties: ClassVar[dict] = {}

    #: the word for the fee, as a Japanese msgid: the pages translate it, the (Japanese) receipt prints it
    fee_label: ClassVar[str] = N_("手数料")

    #: whether a resident withdraws it from my page (otherwise from the kind's own page, ``resident_home``)
    withdrawable: ClassVar[bool] = True

    #: whether its procedures are listed in the municipality's catalogue; False for a kind whose definitions are
    #: only ever reached from the feature's own pages (an event's questions are answered for an event)
    in_catalogue: ClassVar[bool] = True

    #: whether staff may start it from an empty form at the counter (窓口申請)
    offered_at_counter: ClassVar[bool] = True

    #: partial templates the kind adds to the generic pages, by place (docs/extending.md lists the places);
    #: each is included with ``kind_context``, what ``page_context`` returns for the page's draft or submission
    partials: ClassVar[dict[str, str]] = {}

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

    # --- hooks of the resident's and staff's pages ---

    def start_url(self, row) -> str | None:
        """Where a resident starts this procedure instead of its start page (an empty form), or None."""
        return None

    def resident_home(self) -> tuple[str, str] | None:
        """The URL and link text of the kind's own page of the resident's things, or None: the first question's
        back link goes there, and so does a resident who tries to withdraw what is not ``withdrawable``."""
        return None

    def page_context(self, session, draft=None, submission=None) -> dict:
        """What the kind's partials need about this draft or submission (a booking: its reservation);
        empty when there is nothing to show."""
        return {}

    def submit_held_back(self, session, draft) -> str | None:
        """Why the check page must not offer the submit button yet (shown instead of it), or None."""
        return None

    def fee_items(self, session, draft=None, submission=None) -> list[tuple[str, int]] | None:
        """The fee's own lines as (what for, yen) — a booking's slots — or None for the definition's fee rule."""
        return None

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

    def payment_methods(self, session, submission, methods: list[str], konbini_days: int) -> list[str]:
        """The methods offered for this submission's fee, out of the municipality's ``methods``: a kind may leave
        some out (konbini, whose voucher stays payable for ``konbini_days``, when its own deadline is sooner)."""
        return methods

    def payment_pending(self, session, submission, payment) -> None:
        """A payment is waiting for the resident (a konbini voucher). Inside the payment's transaction."""

    def payment_email(self, session, submission, payment, waiting: bool) -> bool:
        """Queue the kind's own email that the fee was paid (or, ``waiting``, that a konbini voucher waits to be
        paid); False leaves it to the generic one. Inside the payment's transaction."""
        return False

    def email_attachments(self, session, submission) -> list[dict]:
        """Files sent with the submission's confirmation email, made with ``portal.notifications.mail.attachment``
        (a ticket's QR code); none by default."""
        return []

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
