"""Email: the outbox (``mail``), its tasks (``jobs``) and the status-change emails (``status``)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.notifications import jobs  # noqa: F401  (the send task, the sweep, the hook queueing each send)
