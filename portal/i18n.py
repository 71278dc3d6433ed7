"""Locale selection and helpers for definition texts given as ``{ja: ..., en: ...}``."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, redirect, request, session
from flask_babel import get_locale

LOCALES = ("ja", "en")


def select_locale() -> str:
    chosen = session.get("lang") if request else None
    if chosen in LOCALES:
        return chosen
    return "ja"


def init_app(app: Flask) -> None:
    """The header's language link is a GET (``?lang=en`` on the page itself): pages carry no form, so an
    anonymous page needs neither a CSRF token nor a session, and is the same for every visitor. The choice is
    kept in the session and the page is reloaded without the parameter, so that addresses stay clean."""

    @app.before_request
    def _switch_language():
        if request.method != "GET" or "lang" not in request.args:
            return None
        lang = request.args["lang"]
        if lang in LOCALES and session.get("lang") != lang:
            session["lang"] = lang
        rest = [(name, value) for name, value in request.args.items(multi=True) if name != "lang"]
        return redirect(request.script_root + request.path + (f"?{urlencode(rest)}" if rest else ""))


def current_lang() -> str:
    try:
        locale = get_locale()
    except RuntimeError:  # outside a request: Japanese, the service's primary language
        return "ja"
    return locale.language if locale is not None else "ja"


def localized(text, lang: str | None = None) -> str:
    """A definition string is either plain text or a mapping of language to text; Japanese is the fallback.
    ``lang``: the language already known (else the request's)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    lang = lang or current_lang()
    return text.get(lang) or text.get("ja") or next(iter(text.values()), "")


def localized_count(text, count: int) -> str:
    """A counted unit of a definition (``{ja: 通, en: copies, en_one: copy}``) for ``count`` of it: English
    takes the ``en_one`` form for exactly one, so residents never read "1 copies"."""
    if isinstance(text, dict) and count == 1 and text.get(f"{current_lang()}_one"):
        return text[f"{current_lang()}_one"]
    return localized(text)
