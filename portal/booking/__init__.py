"""Public-facility booking (issue 5): the pure domain core.

Plain dataclasses and functions, no Flask and no SQLAlchemy, so views, jobs and benchmarks share one
implementation:

    calendar  — 祝日, 年末年始, weekday vs 土日祝, JST ↔ UTC
    slots     — opening hours, slot patterns, closures → concrete slots
    pricing   — fee per slot and per booking, cancellation terms
    rules     — booking rules (how far ahead, notice, monthly caps, …) and each slot's availability status
    lottery   — the lottery calendar of a target month and validation of applications
    draw      — the reproducible, auditable lottery draw

Times are aware datetimes in UTC, reasoned about in Asia/Tokyo; money is integer yen.

On top of the core: ``inventory`` (taking slots, enforced by the database), ``availability`` (the grid
residents see), ``service`` (book, pay, cancel, hold expiry), ``lottery_service`` (apply, commit, draw),
``views`` (residents), ``cli`` (the scheduler's ``flask booking tick`` / ``draw``).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.booking import templating
    from portal.booking.admin_views import bp as admin_bp
    from portal.booking.cli import booking_cli
    from portal.booking.group_staff_views import bp as groups_bp
    from portal.booking.staff_views import bp as staff_bp
    from portal.booking.opendata.views import bp as opendata_bp
    from portal.booking.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(staff_bp)
    app.cli.add_command(booking_cli)
    templating.init_app(app)
