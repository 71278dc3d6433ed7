"""A declaration the resident ticks (「上記の内容に同意します」)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from portal.i18n import localized

from .base import LOCALIZED_TEXT, FieldType, Parsed, register


@register
class ConsentField(FieldType):
    """A checkbox declaration. Spec: ``statement`` (the text beside the checkbox; defaults to
    「同意します」). ``required`` means it must be ticked. Value: ``True`` when ticked, else None.
    Posts ``<id>=yes``."""

    type_name = "consent"
    template = "fields/consent.html"
    spec_properties = {"statement": LOCALIZED_TEXT}

    @property
    def statement(self) -> str:
        return localized(self.spec.get("statement")) or _("同意します")

    def required_message(self) -> str:
        if not self.label:
            return _("内容を確認し、同意する場合はチェックを入れてください")
        return _("%(label)sの内容を確認し、同意する場合はチェックを入れてください", label=self.label)

    def raw_from_value(self, value: Any) -> dict:
        return {self.id: "yes" if value else ""}

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        raw = {self.id: form.get(self.id, "")}
        if not raw[self.id]:
            return self._empty(raw)
        return Parsed(value=True, raw=raw)

    def summary(self, value: Any) -> str:
        return _("同意しました") if value else ""
