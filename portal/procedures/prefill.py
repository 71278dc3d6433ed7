"""Where a field's starting value comes from — kept apart from the resident's answers.

``identity.<claim>`` reads what the card released at sign-in; ``previous.<key>`` reads what the
resident told us in an earlier procedure (ワンスオンリー). A source is a registry entry: adding one is
a subclass and a ``@register`` line.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

SOURCE_PATTERN = r"^(identity\.(name|address|birthdate|gender)|previous\.[a-z][a-z0-9_]*)$"

SOURCES: dict[str, PrefillSource] = {}


def register(cls):
    SOURCES[cls.prefix] = cls()
    return cls


@dataclass
class Prefilled:
    value: Any
    source: str  # "identity" | "previous"
    locked: bool


class PrefillSource:
    prefix: ClassVar[str]

    def resolve(self, name: str, resident) -> Any:
        raise NotImplementedError


@register
class IdentitySource(PrefillSource):
    prefix = "identity"

    def resolve(self, name: str, resident) -> Any:
        claims = resident.claims or {}
        if name == "address":
            return _address_from_claim(claims.get("address"))
        return claims.get(name) or None


@register
class PreviousAnswerSource(PrefillSource):
    prefix = "previous"

    def resolve(self, name: str, resident) -> Any:
        return (resident.remembered or {}).get(name)


def _address_from_claim(claim: dict | None) -> dict | None:
    """The OIDC address object mapped onto the address field's parts."""
    if not claim:
        return None
    postal = (claim.get("postal_code") or "").replace("-", "")
    return {
        "postal_code": f"{postal[:3]}-{postal[3:]}" if len(postal) == 7 else postal,
        "prefecture": claim.get("region", ""),
        "city": claim.get("locality", ""),
        "town": claim.get("street_address", ""),
        "line": claim.get("line", ""),
        "building": claim.get("building", ""),
    }


def prefill_for(spec: dict, resident) -> Prefilled | None:
    source = spec.get("prefill")
    if not source or resident is None:
        return None
    prefix, name = source.split(".", 1)
    value = SOURCES[prefix].resolve(name, resident)
    if value in (None, "", [], {}):
        return None
    return Prefilled(value=value, source=prefix, locked=bool(spec.get("locked")) and prefix == "identity")


def remember(definition, answers: dict, resident) -> None:
    """After a submission, keep the answers of ``previous.*`` fields for next time."""
    remembered = dict(resident.remembered or {})
    for spec in (f.spec for f in definition.fields.values()):
        source = spec.get("prefill", "")
        if source.startswith("previous.") and answers.get(spec["id"]) not in (None, ""):
            remembered[source.split(".", 1)[1]] = answers[spec["id"]]
    resident.remembered = remembered
