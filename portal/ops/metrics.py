"""Prometheus metrics at ``/metrics`` (``prometheus_client``).

Per request, counted in the process that served it: ``portal_http_requests_total`` and
``portal_http_request_duration_seconds`` by route (the URL rule), method and status. Under gunicorn every
worker is its own process: with ``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, emptied at each start;
``gunicorn.conf.py`` marks dead workers) the counters live in files there and every scrape adds them up,
whichever worker answers it.

Read from the database at scrape time, so true whichever process scrapes: payments by status, active booking
holds, the email outbox backlog, and any gauge another part registers (the task queue's depth) with::

    from portal.ops.metrics import add_gauge
    add_gauge(app, "portal_task_queue_depth", "Tasks waiting in the queue", lambda: huey.pending_count())

Who may scrape: clients from ``METRICS_ALLOW_NETWORKS`` (default loopback), or any client sending
``Authorization: Bearer <METRICS_TOKEN>`` when that is set. Everyone else gets a 404.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable

from flask import Blueprint, Flask, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from portal.ops.logs import route

bp = Blueprint("ops_metrics", __name__)

REQUESTS = Counter("portal_http_requests_total", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram("portal_http_request_duration_seconds", "Time to answer an HTTP request", ["route", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def add_gauge(app: Flask, name: str, documentation: str, read: Callable[[], float]) -> None:
    app.extensions.setdefault("metrics_gauges", []).append((name, documentation, read))


class DatabaseCollector:
    """Gauges read when scraped: one short query each, on their own session."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        session = self.app.extensions["db_sessionmaker"]()
        try:
            yield from _database_gauges(session)
        except SQLAlchemyError:
            # /readyz says the database is down; the request counters are still worth scraping
            self.app.logger.warning("metrics: database gauges unavailable", exc_info=True)
        finally:
            session.close()
        for name, documentation, read in self.app.extensions.get("metrics_gauges", []):
            yield GaugeMetricFamily(name, documentation, value=read())


def _database_gauges(session):
    from portal.booking.models import Reservation
    from portal.notifications.models import OutboxEmail
    from portal.payments.models import Payment

    payments = GaugeMetricFamily("portal_payments", "Payments by status", labels=["status"])
    for status, count in session.execute(select(Payment.status, func.count()).group_by(Payment.status)):
        payments.add_metric([status], count)
    yield payments
    holds = session.scalar(select(func.count()).select_from(Reservation).where(Reservation.status == "held"))
    yield GaugeMetricFamily("portal_booking_holds_active", "Reservations held, not yet paid", value=holds)
    backlog = GaugeMetricFamily("portal_outbox_emails", "Emails in the outbox not yet sent, by status",
                                labels=["status"])
    for status, count in session.execute(select(OutboxEmail.status, func.count())
                                         .where(OutboxEmail.status != "sent").group_by(OutboxEmail.status)):
        backlog.add_metric([status], count)
    yield backlog


class _ProcessLocal:
    """Without the multi-process directory, this process's own counters."""

    def collect(self):
        yield from REGISTRY.collect()


def registry_for_scrape(app: Flask) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessLocal())
    registry.register(DatabaseCollector(app))
    return registry


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.config["METRICS_ALLOW_NETWORKS"])


@bp.get("/metrics")
def metrics():
    if not _allowed():
        abort(404)
    body = generate_latest(registry_for_scrape(current_app))
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


def networks(value: str) -> list:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]


def init_app(app: Flask) -> None:
    app.config["METRICS_ALLOW_NETWORKS"] = networks(app.config["METRICS_ALLOW_NETWORKS"]) \
        if isinstance(app.config["METRICS_ALLOW_NETWORKS"], str) else app.config["METRICS_ALLOW_NETWORKS"]
    app.register_blueprint(bp)

    @app.after_request
    def _count(response):
        started = g.get("request_started")
        if started is not None and request.endpoint != "ops_metrics.metrics":
            rule = route()
            # a client may send any method name: label values stay a small, fixed set
            method = request.method if request.method in METHODS else "other"
            REQUESTS.labels(rule, method, str(response.status_code)).inc()
            LATENCY.labels(rule, method).observe(time.perf_counter() - started)
        return response
