"""The current time for business rules (holds, lottery phases, cancellation deadlines).

``app.extensions["clock"]``, when set, is a callable returning an aware UTC datetime: the lottery-month tests
travel through time with it, and a demo can be run "as of" another day. Row timestamps (created_at, …) keep
using the real time.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context

from portal.db import utcnow


def now() -> datetime:
    clock = current_app.extensions.get("clock") if has_app_context() else None
    return clock() if clock is not None else utcnow()
