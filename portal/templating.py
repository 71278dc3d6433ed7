"""Jinja globals and filters shared by every blueprint's templates."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, request
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l

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
    """The catalogue of the request's locale (``force_locale`` included). Flask-Babel looks it up anew for
    every ``_()`` in a template, a tenth of a page's time; the compiled catalogues never change while the
    process runs, so one per locale is kept."""
    locale = get_locale()
    found = _TRANSLATIONS.get(locale)
    if found is None:
        found = _TRANSLATIONS[locale] = get_translations()
    return found


def init_app(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
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
        }
