"""Jinja globals and filters shared by every blueprint's templates."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, request
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
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
# The render's catalogue and language, put in every template context once (templates call _() and
# current_lang() dozens of times a page; each would otherwise go through Flask-Babel's context lookups).
CATALOGUE = "_gettext_catalogue"
LANG = "_current_lang"


def _translations():
    """The catalogue of the current locale (``force_locale`` included); Flask-Babel would look it up through
    three context lookups for every ``_()``. Compiled catalogues never change while the process runs."""
    locale = get_locale()
    found = _TRANSLATIONS.get(locale)
    if found is None:
        found = _TRANSLATIONS[locale] = get_translations()
    return found


def _catalogue(context):
    # macros imported without context have no catalogue of their own
    found = context.get(CATALOGUE)
    return found if found is not None else _translations()


@pass_context
def _gettext(context, string):
    return _catalogue(context).ugettext(string)


@pass_context
def _newstyle_gettext(context, string, **variables):
    """Jinja's newstyle ``gettext`` (autoescaped, always %-formatted) in one call: the ``_`` alias and the
    newstyle wrapper each went through ``Context.call``, for every ``_()`` of every page."""
    rv = _gettext(context, string)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def _ngettext(context, singular, plural, n):
    return _catalogue(context).ungettext(singular, plural, n)


@pass_context
def _pgettext(context, message_context, string):
    return _catalogue(context).upgettext(message_context, string)


@pass_context
def _npgettext(context, message_context, singular, plural, n):
    return _catalogue(context).unpgettext(message_context, singular, plural, n)


@pass_context
def _current_lang(context) -> str:
    found = context.get(LANG)
    return found if found is not None else current_lang()


@pass_context
def _localized(context, text) -> str:
    return localized(text, context.get(LANG))


def init_app(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext, newstyle=True,
    )
    app.jinja_env.globals.update(gettext=_newstyle_gettext, _=_newstyle_gettext)
    app.jinja_env.filters["jst"] = jst
    app.jinja_env.filters["yen"] = yen
    app.jinja_env.globals.update(
        localized=_localized,
        current_lang=_current_lang,
        status_label=lambda status: str(STATUS_LABELS.get(status, status)),
    )

    @app.context_processor
    def _context():
        return {
            "municipality": g.get("municipality"),
            "resident": g.get("resident"),
            "current_path": request.full_path.rstrip("?") if request else "/",
            CATALOGUE: _translations(),
            LANG: current_lang(),
        }
