"""Rate limits that hold across every process of a deployment, keyed by who is asking.

One store for Flask-Limiter's decorators and for the portal's own counters (staff sign-in failures, anonymous
submissions per recipient address): ``RATELIMIT_STORAGE_URI`` if set, else ``REDIS_URL``, else the portal's
own database (``db+<DATABASE_URL>``, see ``storage``). ``memory://`` is for a single process only.

Signed-in requests are counted per resident (or staff member), anonymous ones per client address (an IPv6
client per /64, the block one subscriber is given): residents behind one carrier NAT never share a budget.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Callable

from flask import Flask, current_app, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from portal.ratelimit import storage as _storage  # noqa: F401  (registers the db+ schemes with ``limits``)


def storage_uri(config) -> str:
    return (config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL")
            or _storage.SCHEME_PREFIX + config["DATABASE_URL"])


def init_app(app: Flask) -> None:
    """Before ``limiter.init_app``: both read the same store."""
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config)
    app.extensions["counters"] = Counters(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["ratelimit_requesters"] = []


def add_requester(app: Flask, prefix: str, current: Callable[[], object | None]) -> None:
    """A kind of signed-in person (``current`` returns this request's, or None) whose requests are counted as
    theirs, "<prefix>:<id>"; asked in the order added."""
    app.extensions["ratelimit_requesters"].append((prefix, current))


def client_address() -> str:
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def request_key() -> str:
    """Flask-Limiter's key: the signed-in person (a resident, a staff member), else the client address."""
    for prefix, current in current_app.extensions["ratelimit_requesters"]:
        person = current()
        if person is not None:
            return f"{prefix}:{person.id}"
    return f"ip:{client_address()}"


class Counters:
    """Named fixed-window limits on the shared store, for limits a decorator cannot express (they depend
    on what was typed, or count failures only)."""

    def __init__(self, uri: str):
        self.storage = storage_from_string(uri)
        self.strategy = FixedWindowRateLimiter(self.storage)

    def hit(self, limit: str, *identifiers: str) -> bool:
        """Count one use against every part of ``limit`` ("5 per minute; 20 per hour"); False if any is spent."""
        allowed = True
        for item in parse_many(limit):
            allowed = self.strategy.hit(item, *identifiers) and allowed
        return allowed

    def test(self, limit: str, *identifiers: str) -> bool:
        return all(self.strategy.test(item, *identifiers) for item in parse_many(limit))

    def clear(self, limit: str, *identifiers: str) -> None:
        for item in parse_many(limit):
            self.strategy.clear(item, *identifiers)


def counters() -> Counters:
    return current_app.extensions["counters"]


def limits_enabled() -> bool:
    """The portal's own counters obey RATELIMIT_ENABLED like the decorators (tests turn them off by default)."""
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))
