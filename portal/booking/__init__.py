"""Public-facility booking: availability, first-come holds, the monthly lottery (抽選), and the back office.

The pure domain core — plain dataclasses and functions, no Flask and no SQLAlchemy, shared by views, jobs and
benchmarks:

    calendar  — 祝日, 年末年始, weekday vs 土日祝, JST ↔ UTC
    slots     — opening hours, slot patterns, closures → concrete slots
    pricing   — fee per slot and per booking, cancellation terms
    rules     — booking rules (how far ahead, notice, monthly caps, …) and each slot's availability status
    lottery   — the lottery calendar of a target month and validation of applications
    draw      — the reproducible, auditable lottery draw
    config    — a facility's stored JSON ↔ those objects (which validate it)

On top of it, with the database:

    models          — facilities, units, closures, registered groups, reservations and their slots, lottery rounds
    inventory       — taking and releasing slots; no double booking is the database's to enforce
    availability    — the grid residents see
    service         — book, hold, pay (with ``portal.procedures.kinds.booking``), cancel, hold expiry
    lottery_service — apply, commit the seed, draw, confirm or decline a win
    groups          — registered groups (団体登録) and their members
    reminders       — the day-before reminder email
    views / cli     — residents' pages (group_views: their groups); the scheduler's ``flask booking tick`` / ``draw``
    admin_*         — facility administration;  staff_*, group_staff_views — the back office
    opendata        — 公共施設一覧 CSV/JSON with the column mapping as data

Times are aware datetimes in UTC, reasoned about in Asia/Tokyo; money is integer yen.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.booking import (
        group_views,  # noqa: F401  (its routes are on the booking blueprint)
        templating,
    )
    from portal.booking.admin_views import bp as admin_bp
    from portal.booking.cli import booking_cli
    from portal.booking.group_staff_views import bp as groups_bp
    from portal.booking.opendata.views import bp as opendata_bp
    from portal.booking.staff_views import bp as staff_bp
    from portal.booking.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(staff_bp)
    app.cli.add_command(booking_cli)
    templating.init_app(app)
    from portal.booking.retention import purge_lottery_applications
    from portal.retention.sweepers import register_sweeper

    register_sweeper("lottery_applications", purge_lottery_applications)
