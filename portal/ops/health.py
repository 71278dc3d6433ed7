"""``/healthz``: the process answers. ``/readyz``: what a request needs is reachable — the database, Redis when
configured, the identity provider's discovery document, and whatever else registered a check (the task queue).

Both are unauthenticated and cheap, and say only which dependency is down, never why in detail (no hosts, no
error text): a load balancer polls them every few seconds. The discovery document is fetched with a short
timeout and its outcome kept for ``READYZ_CACHE_SECONDS``, so the probes do not become load on the provider.

Another part registers a check with one line, e.g. in its ``init_app``::

    from portal.ops.health import add_check
    add_check(app, "task_queue", lambda: huey.storage.queue_size() is not None)

A check returns truthy when ready; returning falsy or raising means not ready.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

bp = Blueprint("ops_health", __name__)

Check = Callable[[], object]
TIMEOUT_SECONDS = 2.0


def add_check(app: Flask, name: str, check: Check) -> None:
    app.extensions.setdefault("readiness_checks", {})[name] = check


def checks(app: Flask) -> dict[str, Check]:
    return app.extensions.get("readiness_checks", {})


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz():
    results = {}
    for name, check in checks(current_app).items():
        try:
            results[name] = "ok" if check() else "down"
        except Exception:  # any failure of a dependency means "not ready", never a 500
            current_app.logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "down"
    ready = all(value == "ok" for value in results.values())
    response = jsonify(status="ready" if ready else "not ready", checks=results)
    response.status_code = 200 if ready else 503
    return _no_store(response)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def database_check(app: Flask) -> Check:
    engine = app.extensions["db_engine"]

    def check() -> bool:
        with engine.connect() as connection:
            return connection.execute(text("SELECT 1")).scalar() == 1

    return check


def redis_check(url: str) -> Check:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)
    return lambda: client.ping()


class CachedCheck:
    """Remembers the last outcome of a slow check for ``seconds`` (one probe in flight per process)."""

    def __init__(self, check: Check, seconds: float):
        self.check, self.seconds = check, seconds
        self.lock = threading.Lock()
        self.outcome: bool | None = None
        self.at = float("-inf")

    def __call__(self) -> bool:
        with self.lock:
            if time.monotonic() - self.at >= self.seconds:
                try:
                    self.outcome = bool(self.check())
                except Exception:  # noqa: BLE001 — a failing check is a "down", whatever it raised
                    self.outcome = False
                self.at = time.monotonic()
            return bool(self.outcome)


def discovery_check(url: str) -> Check:
    def check() -> bool:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        return response.status_code == 200 and "authorization_endpoint" in response.json()

    return check


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_check(app, "database", database_check(app))
    if app.config.get("REDIS_URL"):
        add_check(app, "redis", redis_check(app.config["REDIS_URL"]))
    limits_uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if limits_uri.startswith(("redis://", "rediss://", "redis+unix://")) and limits_uri != app.config.get("REDIS_URL"):
        add_check(app, "rate_limit_store", lambda: app.extensions["counters"].storage.check())
    add_check(app, "identity_provider",
              CachedCheck(discovery_check(app.config["OIDC_DISCOVERY_URL"]), app.config["READYZ_CACHE_SECONDS"]))
