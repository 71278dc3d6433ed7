"""The current time for business rules (holds, lottery phases, cancellation deadlines).

``app.extensions["clock"]``, when set, is a callable returning an aware UTC datetime: the lottery-month tests
travel through time with it, and a demo can be run "as of" another day with ``PORTAL_NOW`` (development only,
e.g. ``PORTAL_NOW=2026-12-12T10:00+09:00 flask booking draw``). Row timestamps (created_at, …) keep using the real
time.
"""
from __future__ import annotations

import time
from datetime import datetime

from flask import current_app, has_app_context

from portal.db import utcnow
from portal.timezone import TOKYO  # noqa: F401  (the one time zone, imported from here by the portal)


def now() -> datetime:
    clock = current_app.extensions.get("clock") if has_app_context() else None
    return clock() if clock is not None else utcnow()


def session_time() -> float:
    """Seconds since the epoch for sign-in lifetimes. The wall clock, not the business clock: a demo run
    "as of" another day, or a test travelling through a lottery month, must not sign anyone out. Tests move
    it with ``app.extensions["session_clock"]``."""
    clock = current_app.extensions.get("session_clock") if has_app_context() else None
    return clock() if clock is not None else time.time()


def init_app(app) -> None:
    """``PORTAL_NOW``: the clock starts at that moment and runs on from there (never in production)."""
    wanted = app.config.get("PORTAL_NOW")
    if not wanted or app.config.get("PORTAL_ENV") == "production":
        return
    start = datetime.fromisoformat(wanted)
    if start.tzinfo is None:
        raise ValueError("PORTAL_NOW needs a UTC offset, e.g. 2026-12-12T10:00+09:00")
    offset = start - utcnow()
    app.extensions["clock"] = lambda: utcnow() + offset
