"""One log line per request, as JSON (``LOG_FORMAT=json``, the default in production) or text (otherwise).

Every other line written during a request (a payment warning, a failed check) carries its request id too.
A request line names: the request id (the client's or proxy's ``X-Request-ID`` when it is a plain token, else a new
one; sent back in the response's ``X-Request-ID``), the user kind (anonymous | resident | staff), the
municipality's slug, the route as its URL rule (``/<municipality>/procedures/<key>``, never the path: paths
carry draft tokens and references), method, status and duration. No names, no addresses, no IPs: a client
address is personal data, and the audit log is where addresses are kept, for who needs them.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_LOGGER = "portal.request"
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                "logger": record.name, "message": record.getMessage()}
        if has_request_context() and g.get("request_id"):
            line["request_id"] = g.request_id
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or (
            {"request_id": g.request_id} if has_request_context() and g.get("request_id") else {})
        fields = " ".join(f"{k}={v}" for k, v in fields.items())
        return f"{super().format(record)} {fields}".rstrip()


def configure(log_format: str) -> None:
    """The portal's loggers write to stderr (gunicorn and systemd collect it) in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json"
                         else TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("portal")
    for old in list(root.handlers):
        if getattr(old, "_portal", False):
            root.removeHandler(old)
    handler._portal = True
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


def request_id() -> str:
    return g.get("request_id", "")


def is_token(value: str) -> bool:
    """Whether a client's ``X-Request-ID`` may be kept as the request id."""
    return _TOKEN.match(value) is not None


def user_kind() -> str:
    if g.get("staff") is not None:
        return "staff"
    if g.get("resident") is not None:
        return "resident"
    return "anonymous"


def route() -> str:
    """The URL rule that matched (``<unmatched>`` for a 404 that matched none)."""
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


def init_app(app: Flask) -> None:
    configure(app.config["LOG_FORMAT"])
    logger = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def _start():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if is_token(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response):
        started = g.get("request_started")
        if started is None:  # a request that failed before the first before_request
            return response
        response.headers["X-Request-ID"] = g.request_id
        municipality = g.get("municipality")
        logger.info("request", extra={"fields": {
            "request_id": g.request_id,
            "user_kind": user_kind(),
            "municipality": getattr(municipality, "slug", None),
            "route": route(),
            "method": request.method,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }})
        return response
