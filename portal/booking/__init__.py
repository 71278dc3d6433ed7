"""Public-facility booking: availability, first-come holds, the monthly lottery (抽選), and the back office.

    domain/       the pure core — plain dataclasses and functions, no Flask, no SQLAlchemy (a test checks):
                  calendar (祝日, 年末年始, JST ↔ UTC), slots, pricing, rules (and each slot's status), lottery
                  (its calendar, validating applications), draw (reproducible, auditable), availability (the grid's
                  cells and day marks), config (a facility's stored JSON ↔ those objects; ``Settings`` parses it once)
    services/     with the database: inventory (no double booking is the database's to enforce), availability,
                  booking (book, hold, pay with ``portal.procedures.kinds.booking``, cancel, hold expiry), lottery
                  and lottery_draft, groups (団体登録), holders, mailing, reminders, retention, terms, photos, ics,
                  staff (day sheet, counter, blocks, closures), admin and facility_form (facility administration),
                  settings (a facility's parsed configuration, once per request)
    presentation/ labels and the texts of dates and slots, shared by services (emails, CSV) and pages
    web/          the pages by audience: resident (blueprint ``booking``), groups/ (residents' on ``booking``,
                  staff's ``booking_groups``), staff/ (``booking_staff``), admin/ (``booking_admin``); templating
                  (the Jinja globals)
    models, cli, demo, opendata/ (公共施設一覧 CSV/JSON), templates/

Times are aware datetimes in UTC, reasoned about in Asia/Tokyo; money is integer yen.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.booking.web import templating
    from portal.booking.web.admin.views import bp as admin_bp
    from portal.booking.cli import booking_cli
    from portal.booking.web.groups.staff import bp as groups_bp
    from portal.booking.opendata.views import bp as opendata_bp
    from portal.booking.web.staff.views import bp as staff_bp
    from portal.booking.web.groups import resident as group_views  # noqa: F401  (routes on the booking blueprint)
    from portal.booking.web.resident import bp

    app.register_blueprint(bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(staff_bp)
    app.cli.add_command(booking_cli)
    templating.init_app(app)
    from portal.booking.services.retention import purge_lottery_applications
    from portal.retention.sweepers import register_sweeper

    register_sweeper("lottery_applications", purge_lottery_applications)
