"""Email address."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import gettext as _

from .base import FieldType, Parsed, register

# Local part: the RFC 5322 "atext" characters and dots. Consecutive dots and a dot before the @
# are allowed on purpose: older Japanese mobile carrier addresses (docomo, au) contain them.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TLD = re.compile(r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})")


def normalise_email(text: str) -> str:
    """NFKC (full-width ａ＠ｂ → a@b), strip, and drop spaces around the @."""
    text = unicodedata.normalize("NFKC", text).strip()
    return re.sub(r"\s*@\s*", "@", text)


def split_valid(address: str) -> tuple[str, str] | None:
    """``(local, domain)`` with the domain lower-cased and in ASCII (IDNA), or None if invalid."""
    if address.count("@") != 1 or len(address) > 254:
        return None
    local, domain = address.split("@")
    if not local or len(local) > 64 or not _LOCAL.fullmatch(local) or local.startswith("."):
        return None
    domain = domain.lower()
    if domain.endswith(".") and not domain.endswith(".."):  # a trailing root dot is harmless
        domain = domain[:-1]
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) or not _TLD.fullmatch(labels[-1]):
        return None
    return local, domain


@register
class EmailField(FieldType):
    """Email address. Spec: nothing beyond the common keys.
    Value: ``local@domain`` with the domain lower-cased (IDN domains in their ``xn--`` form)."""

    type_name = "email"
    template = "fields/email.html"
    spec_properties = {}

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        raw = {self.id: form.get(self.id, "")}
        text = normalise_email(raw[self.id])
        if not text:
            return self._empty(raw)
        parts = split_valid(text)
        if parts is None:
            return Parsed(value=None, raw=raw, errors=[self._format_message(text)])
        return Parsed(value="@".join(parts), raw=raw)

    def _format_message(self, text: str) -> str:
        if "@" not in text:
            return _("%(label)sに「@」を含めて、name@example.jp のような形式で入力してください", label=self.label)
        if re.search(r"\s", text):
            return _("%(label)sに空白を入れずに入力してください", label=self.label)
        return _("%(label)sを name@example.jp のような形式で入力してください", label=self.label)

    def validate(self, value: Any) -> list[str]:
        return [] if split_valid(value) else [self._format_message(value)]
