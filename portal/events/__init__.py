"""Event and course sign-up (イベント・講座申込).

``domain/`` is the pure core — seats counted in people, eligibility, participant fees, the waiting list's
states and the seat lottery — with no Flask and no database session, so the rules are tested on their own.
The web layer, models and the ``event`` procedure kind build on it.
"""
from flask_babel import lazy_gettext as _l

from portal.procedures.categories import register_category

register_category("event", _l("イベント"), 50)


def init_app(app) -> None:
    """Until the pages come, the package only brings its email templates and its periodic tasks."""
    from flask import Blueprint

    from portal.events import jobs  # noqa: F401  (registers the waiting list's and the reminders' tasks)

    app.register_blueprint(Blueprint("events", __name__, template_folder="templates"))
