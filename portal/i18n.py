"""Locale selection and helpers for definition texts given as ``{ja: ..., en: ...}``."""
from __future__ import annotations

from flask import request, session
from flask_babel import get_locale

LOCALES = ("ja", "en")


def select_locale() -> str:
    chosen = session.get("lang") if request else None
    if chosen in LOCALES:
        return chosen
    return "ja"


def current_lang() -> str:
    try:
        locale = get_locale()
    except RuntimeError:  # outside a request: Japanese, the service's primary language
        return "ja"
    return locale.language if locale is not None else "ja"


def localized(text) -> str:
    """A definition string is either plain text or a mapping of language to text; Japanese is the fallback."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    lang = current_lang()
    return text.get(lang) or text.get("ja") or next(iter(text.values()), "")


def localized_count(text, count: int) -> str:
    """A counted unit of a definition (``{ja: 通, en: copies, en_one: copy}``) for ``count`` of it: English
    takes the ``en_one`` form for exactly one, so residents never read "1 copies"."""
    if isinstance(text, dict) and count == 1 and text.get(f"{current_lang()}_one"):
        return text[f"{current_lang()}_one"]
    return localized(text)
