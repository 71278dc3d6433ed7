"""Public-facility booking: availability, first-come holds, the monthly lottery (抽選), and the back office.

    domain/       the pure core — plain dataclasses and functions, no Flask, no SQLAlchemy (a test checks):
                  calendar (祝日, 年末年始, JST ↔ UTC), slots, pricing, rules (and each slot's status), lottery
                  (its calendar, validating applications), draw (reproducible, auditable), availability (the grid's
                  cells and day marks), config (a facility's stored JSON ↔ those objects; ``Settings`` parses it once)
    services/     with the database: inventory (no double booking is the database's to enforce), availability,
                  booking (book, hold, pay, cancel, hold expiry), lottery
                  and lottery_draft, groups (団体登録), holders, mailing, reminders, retention, terms, photos, ics,
                  staff (day sheet, counter, blocks, closures), admin and facility_form (facility administration),
                  settings (a facility's parsed configuration, once per request)
    presentation/ labels and the texts of dates and slots, shared by services (emails, CSV) and pages
    web/          the pages by audience: resident (blueprint ``booking``), groups/ (residents' on ``booking``,
                  staff's ``booking_groups``), staff/ (``booking_staff``), admin/ (``booking_admin``); templating
                  (the Jinja globals)
    kind          the ``booking`` procedure kind (an entry point of ``portal.kinds``): its hooks into the generic
                  engine; jobs — its periodic tasks
    models, cli, demo, opendata/ (公共施設一覧 CSV/JSON), templates/

Times are aware datetimes in UTC, reasoned about in Asia/Tokyo; money is integer yen.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from portal.booking.cli import booking_cli
    from portal.booking.opendata.views import bp as opendata_bp
    from portal.booking.web import templating
    from portal.booking.web.admin.views import bp as admin_bp
    from portal.booking.web.groups import resident as group_views  # noqa: F401  (routes on the booking blueprint)
    from portal.booking.web.groups.staff import bp as groups_bp
    from portal.booking.web.resident import bp
    from portal.booking.web.staff.views import bp as staff_bp

    app.register_blueprint(bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(staff_bp)
    app.cli.add_command(booking_cli)
    templating.init_app(app)
    from portal.booking import jobs  # noqa: F401  (registers booking's periodic tasks)
    from portal.booking.services.retention import anonymise_reservations, purge_lottery_applications
    from portal.retention.purgers import register_purger
    from portal.retention.sweepers import register_sweeper
    from portal.staff import menu

    register_sweeper("lottery_applications", purge_lottery_applications)
    register_purger("reservations", submission=anonymise_reservations)
    menu.add_entry(app, 40, "booking", _l("施設予約"), "booking_staff.facilities")
    menu.add_entry(app, 50, "groups", _l("登録団体"), "booking_groups.index")
    menu.add_entry(app, 80, "facilities", _l("施設"), "booking_admin.facilities", role="admin")
    _add_page_parts(app)


def _add_page_parts(app: Flask) -> None:
    """The booking's entries on the generic pages: the header's 施設予約, and on my page the coming bookings
    and the link to 施設の予約と抽選."""
    from portal import page_parts
    from portal.booking.services import booking as service

    page_parts.add_nav_entry(app, "booking.facilities", _l("施設予約"))
    page_parts.add_mypage_section(
        app, "booking/kind/_mypage_upcoming.html",
        lambda session, municipality, resident, now: {
            "bookings": service.upcoming(session, municipality.id, resident, now)})
    page_parts.add_mypage_link(app, "booking.my_bookings", _l("施設の予約と抽選"))
