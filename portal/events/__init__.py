"""Event and course sign-up (イベント・講座申込).

``domain/`` is the pure core — seats counted in people, eligibility, participant fees, the waiting list's
states and the seat lottery — with no Flask and no database session, so the rules are tested on their own.
The web layer, models and the ``event`` procedure kind build on it.
"""
from flask_babel import lazy_gettext as _l

from portal.procedures.categories import register_category

register_category("event", _l("イベント"), 50)


def init_app(app) -> None:
    from portal import page_parts
    from portal.events import jobs, mailing  # noqa: F401  (the periodic tasks; the offer email listens)
    from portal.events.cli import events_cli
    from portal.events.web import apply, cancel, checkin, draw, staff_cancel, tickets  # noqa: F401  (routes on the blueprints below)
    from portal.events.web.admin import bp as admin_bp
    from portal.events.web.opendata import bp as opendata_bp
    from portal.events.web.resident import bp
    from portal.events.web.staff import bp as staff_bp
    from portal.staff import menu

    app.register_blueprint(bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(opendata_bp)
    app.cli.add_command(events_cli)
    page_parts.add_nav_entry(app, "events.index", _l("イベント・講座"))
    menu.add_entry(app, 45, "events", _l("イベント"), "events_staff.index")
    menu.add_entry(app, 85, "events_admin", _l("イベント管理"), "events_admin.index", role="admin")
    _add_mypage_parts(app)


def _add_mypage_parts(app) -> None:
    """My page: the resident's coming events with their status, and the link to all their applications."""
    from portal import page_parts
    from portal.events import applying, presenting

    def coming(session, municipality, resident, now):
        rows = applying.upcoming(session, municipality.id, resident, now)
        return {"registrations": [(r, presenting.context(session, r, now)) for r in rows]} if rows else None

    page_parts.add_mypage_section(app, "events/kind/_mypage_upcoming.html", coming)
    page_parts.add_mypage_link(app, "events.my_registrations", _l("イベント・講座の申込"))
