"""Jinja globals and filters shared by every blueprint's templates."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g, request
from flask_babel import get_locale, get_translations, lazy_gettext as _l
from jinja2 import pass_eval_context
from markupsafe import Markup

from portal import page_parts
from portal.clock import TOKYO
from portal.i18n import current_lang, localized, localized_count
from portal.procedures.field_html import field_html
from portal.procedures.kinds import templating as kind_templating

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


WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def local_day(day: date) -> str:
    """「2026年12月2日(水)」 / "Wed 2 Dec 2026"."""
    if current_lang() == "en":
        return f"{WEEKDAYS_EN[day.weekday()]} {day:%-d %b %Y}"
    return f"{day:%Y年%-m月%-d日}({WEEKDAYS_JA[day.weekday()]})"


def jst(value: datetime | None, fmt: str | None = None) -> str:
    """A moment in Tokyo time as lists show it: 「2026年12月2日(水) 13:00」 / "Wed 2 Dec 2026 13:00"
    (``fmt``: a fixed strftime format instead, for documents and logs)."""
    if value is None:
        return ""
    local = value.astimezone(TOKYO)
    return local.strftime(fmt) if fmt else f"{local_day(local.date())} {local:%H:%M}"


def jst_date(value: datetime | None) -> str:
    """The Tokyo day of a moment: 「2026年12月2日(水)」 / "Wed 2 Dec 2026"."""
    return "" if value is None else local_day(value.astimezone(TOKYO).date())


def year_month(year: int, month: int) -> str:
    """「2026年12月」 / "December 2026"."""
    return f"{MONTHS_EN[month - 1]} {year}" if current_lang() == "en" else f"{year}年{month}月"


def aside(text) -> str:
    """An aside in brackets: 「（第1希望）」 in Japanese, " (1st choice)" with ASCII brackets in English."""
    return f" ({text})" if current_lang() == "en" else f"（{text}）"


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
    app.jinja_env.filters["jst_date"] = jst_date
    app.jinja_env.filters["yen"] = yen
    app.jinja_env.filters["aside"] = aside
    app.jinja_env.globals.update(
        localized=localized,
        localized_count=localized_count,
        # between items of an inline list: 「、」 in Japanese, ", " in English
        list_sep=lambda: ", " if current_lang() == "en" else "、",
        current_lang=current_lang,
        year_month=year_month,
        status_label=lambda status: str(STATUS_LABELS.get(status, status)),
        field_html=field_html,
    )
    kind_templating.init_app(app)
    page_parts.init_app(app)

    @app.context_processor
    def _context():
        return {
            "municipality": g.get("municipality"),
            "resident": g.get("resident"),
            "current_path": request.full_path.rstrip("?") if request else "/",
            **_language_of_render(),
        }
