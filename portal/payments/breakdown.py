"""What a fee is made of — 300円 × 2通 = 600円, or each booked slot's usage fee — for every page that shows a fee
total, the receipt and the provider's line items, so they all agree. Texts are in the current language."""
from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import localized, localized_count


@dataclass(frozen=True)
class FeeLine:
    #: what is charged for, e.g. the procedure's title or a booked slot (also the provider's product name)
    name: str
    unit_amount: int
    quantity: int
    #: the counted unit in the current language (「通」, "copies"); empty for a one-off amount
    unit: str = ""

    @property
    def amount(self) -> int:
        return self.unit_amount * self.quantity


def fee_lines(content: dict, answers: dict, amount: int, reservation=None) -> list[FeeLine]:
    """The lines adding up to ``amount``; one line of the whole amount when the parts cannot be told for sure
    (an amount changed by staff, or answers that no longer give it)."""
    title = localized(content.get("title"))
    whole = [FeeLine(title, amount, 1)]
    if amount <= 0:
        return []
    if reservation is not None:
        lines = [FeeLine(_slot_name(reservation, row), row.fee, 1) for row in reservation.slots if row.active]
    else:
        lines = _per_unit(content, answers, title)
    return lines if lines and sum(line.amount for line in lines) == amount else whole


def _per_unit(content: dict, answers: dict, title: str) -> list[FeeLine]:
    rule = content.get("fee") or {}
    if rule.get("rule") != "per_unit" or not rule.get("unit_amount"):
        return []
    try:
        quantity = int(answers.get(rule["quantity_field"]) or 0)
    except (TypeError, ValueError):
        return []
    if quantity < 1:
        return []
    return [FeeLine(title, int(rule["unit_amount"]), quantity, localized_count(rule.get("unit"), quantity))]


def _slot_name(reservation, row) -> str:
    from portal.booking.presentation.formatting import slot_row_label
    from portal.i18n import current_lang

    lang = current_lang()
    return f"{reservation.facility.display_name(lang)} {row.unit.display_name(lang)} {slot_row_label(row)}"


def breakdown_text(lines: list[FeeLine], total: int) -> str:
    """「300円 × 2通 = 600円」, 「600円 + 800円 = 1,400円」, or just the total when it is one amount."""
    from portal.i18n import current_lang
    from portal.templating import yen

    if len(lines) == 1 and (lines[0].quantity > 1 or lines[0].unit):
        line = lines[0]
        count = (f"{line.quantity} {line.unit}" if current_lang() == "en" else f"{line.quantity}{line.unit}").strip()
        return f"{yen(line.unit_amount)} × {count} = {yen(total)}"
    if len(lines) > 1:
        return " + ".join(yen(line.amount) for line in lines) + f" = {yen(total)}"
    return yen(total)


def of_submission(dbs, submission, amount: int | None = None) -> list[FeeLine]:
    """The lines of a submission's fee (or of ``amount`` of it, e.g. what one payment asks for)."""
    reservation = _reservation(dbs, submission.definition.kind, submission=submission)
    return fee_lines(submission.definition.content, submission.answers or {},
                     submission.fee_amount if amount is None else amount, reservation)


def of_draft(dbs, draft, answers: dict, amount: int) -> list[FeeLine]:
    return fee_lines(draft.definition.content, answers, amount,
                     _reservation(dbs, draft.definition.kind, draft=draft))


def _reservation(dbs, kind: str, submission=None, draft=None):
    if kind != "booking":
        return None
    from portal.booking.services import booking as service

    return service.for_submission(dbs, submission) if submission is not None else service.for_draft(dbs, draft)
