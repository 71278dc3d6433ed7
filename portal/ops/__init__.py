"""Running the portal as a service: health endpoints, structured request logs with a request id, and
Prometheus metrics (gunicorn's multi-process mode included). Nothing here reads or writes personal data."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.ops import health, logs, metrics

    logs.init_app(app)
    metrics.init_app(app)
    health.init_app(app)
