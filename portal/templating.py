"""Jinja globals and filters shared by every blueprint's templates."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, request
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from jinja2 import pass_eval_context
from markupsafe import Markup

from portal.i18n import current_lang, localized

TOKYO = ZoneInfo("Asia/Tokyo")

STATUS_LABELS = {
    "draft": _l("下書き"),
    "received": _l("受付済み"),
    "in_review": _l("審査中"),
    "correction_requested": _l("補正依頼"),
    "resubmitted": _l("再提出済み"),
    "completed": _l("完了"),
    "rejected": _l("却下"),
    "withdrawn": _l("取り下げ"),
}


def jst(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else value.astimezone(TOKYO).strftime(fmt)


def yen(amount: int | None) -> str:
    return "" if amount is None else f"{amount:,}円" if current_lang() == "ja" else f"¥{amount:,}"


_TRANSLATIONS: dict = {}


def _translations():
    """The catalogue of the current locale (``force_locale`` included); Flask-Babel would look it up through
    three context lookups for every ``_()``. Compiled catalogues never change while the process runs."""
    locale = get_locale()
    found = _TRANSLATIONS.get(locale)
    if found is None:
        found = _TRANSLATIONS[locale] = get_translations()
    return found


# Jinja's newstyle gettext functions (autoescaped, always %-formatted), each in one call: Jinja's own go through
# ``Context.call`` twice (the ``_`` alias, then the newstyle wrapper) and, as ``pass_context`` functions, are
# handed a copy of the whole context inside every loop and block — for each of the dozens of ``_()`` of a page.

def _newstyle(eval_ctx, text: str, variables: dict):
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _gettext(eval_ctx, string, **variables):
    return _newstyle(eval_ctx, _translations().ugettext(string), variables)


@pass_eval_context
def _ngettext(eval_ctx, singular, plural, num, **variables):
    variables.setdefault("num", num)
    return _newstyle(eval_ctx, _translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _pgettext(eval_ctx, message_context, string, **variables):
    variables.setdefault("context", message_context)
    return _newstyle(eval_ctx, _translations().upgettext(message_context, string), variables)


@pass_eval_context
def _npgettext(eval_ctx, message_context, singular, plural, num, **variables):
    variables.setdefault("context", message_context)
    variables.setdefault("num", num)
    return _newstyle(eval_ctx, _translations().unpgettext(message_context, singular, plural, num), variables)


def _language_of_render() -> dict:
    """``current_lang()`` and ``localized()`` for one render, the language looked up once: each call would go
    through Flask-Babel's context lookups. Plain closures, not ``pass_context`` functions, which Jinja calls with
    a copy of the context inside loops and blocks. Macros imported without context use the global ones."""
    lang = current_lang()
    return {"current_lang": lambda: lang, "localized": lambda text: localized(text, lang)}


def init_app(app: Flask) -> None:
    app.jinja_env.newstyle_gettext = True  # how {% trans %} compiles: these functions do the formatting
    app.jinja_env.globals.update(gettext=_gettext, _=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                                 npgettext=_npgettext)
    app.jinja_env.filters["jst"] = jst
    app.jinja_env.filters["yen"] = yen
    app.jinja_env.globals.update(
        localized=localized,
        current_lang=current_lang,
        status_label=lambda status: str(STATUS_LABELS.get(status, status)),
    )

    @app.context_processor
    def _context():
        return {
            "municipality": g.get("municipality"),
            "resident": g.get("resident"),
            "current_path": request.full_path.rstrip("?") if request else "/",
            **_language_of_render(),
        }
