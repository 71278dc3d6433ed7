"""What a fee is made of — 300円 × 2通 = 600円, or the lines the procedure's kind gives — for every page that shows
a fee total, the receipt and the provider's line items, so they all agree. Texts are in the current language."""
from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import localized, localized_count
from portal.procedures.kinds import KINDS


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


def fee_lines(content: dict, answers: dict, amount: int, items: list[tuple[str, int]] | None = None) -> list[FeeLine]:
    """The lines adding up to ``amount`` — the kind's own ``items`` (what for, yen) when it has them; one line of
    the whole amount when the parts cannot be told for sure (an amount changed by staff, or answers that no
    longer give it)."""
    title = localized(content.get("title"))
    whole = [FeeLine(title, amount, 1)]
    if amount <= 0:
        return []
    if items is not None:
        lines = [FeeLine(name, item_amount, 1) for name, item_amount in items]
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
    items = KINDS[submission.definition.kind].fee_items(dbs, submission=submission)
    return fee_lines(submission.definition.content, submission.answers or {},
                     submission.fee_amount if amount is None else amount, items)


def of_draft(dbs, draft, answers: dict, amount: int) -> list[FeeLine]:
    items = KINDS[draft.definition.kind].fee_items(dbs, draft=draft)
    return fee_lines(draft.definition.content, answers, amount, items)
