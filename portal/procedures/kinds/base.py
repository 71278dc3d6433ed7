from __future__ import annotations

from typing import ClassVar

KINDS: dict[str, "ProcedureKind"] = {}


def register(cls):
    KINDS[cls.name] = cls()
    return cls


class ProcedureKind:
    name: ClassVar[str]

    def check(self, content: dict) -> str | None:
        """A kind-specific rule the definition breaks, as a message; None when it is fine."""
        return None

    def fee(self, content: dict, answers: dict) -> int:
        """The fee in integer yen (JPY has no minor unit) for these answers."""
        rule = content.get("fee")
        if not rule:
            return 0
        if rule["rule"] == "fixed":
            return rule["amount"]
        quantity = answers.get(rule["quantity_field"]) or 0
        return rule["unit_amount"] * int(quantity)
