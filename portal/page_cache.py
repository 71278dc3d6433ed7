"""Whole anonymous pages, kept in each process and answered before Flask sees the request.

A view calls ``share(seconds)`` when what it renders for a visitor who is not signed in depends only on the
address, the language and the data: the catalogue, a procedure's start page, a facility's calendar. The
answer — compressed body and headers as sent — is then kept for that long and given to the next anonymous
visitor asking for the same thing (the same address, query, language, host and accepted encodings) without
running Flask at all: no session, no rate-limit check, no template, no query. The request is still logged and
counted, with a request id of its own.

What is never kept: anything for a request carrying a cookie other than the session, or a session holding
more than the language and the CSRF secret (a resident, a staff member, a draft, a flash message); an answer
that rendered a CSRF token or changed the session (``Set-Cookie``); any status but 200.

Kept pages are dropped when data changes: every commit that wrote through the ORM, in any process of this
instance folder (a file's modification time is the shared generation), so a published definition, a changed
facility or a new booking shows at once. The time limit is for what changes by itself: a slot passing, a
booking window opening.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.http import parse_cookie

from portal.i18n import LOCALES
from portal.ops import logs, metrics

#: how long a page that shows live availability is kept: a hold always re-checks capacity
LIVE_SECONDS = 5.0
#: pages that change only with published data (a commit drops them anyway)
DEFINITION_SECONDS = 30.0
MAX_ENTRIES = 2000
#: session keys that say nothing about the visitor: the language chosen, and the CSRF secret (a kept page
#: carries no token: ``_mark`` refuses one that rendered a form)
NEUTRAL_SESSION_KEYS = frozenset({"lang", "csrf_token"})
_WANTED = "portal.page_cache.seconds"
_ROUTE = "portal.page_cache.route"
_DIRTY = "portal.page_cache.dirty"
_request_logger = logging.getLogger(logs.REQUEST_LOGGER)


def share(seconds: float) -> None:
    """The page being rendered may be kept for ``seconds`` and given to every anonymous visitor."""
    request.environ[_WANTED] = seconds


@dataclass(frozen=True)
class Entry:
    expires: float
    generation: tuple
    status: str
    headers: list
    body: bytes
    route: str
    municipality: str | None


class Generation:
    """A counter for this process and a file's modification time for the others sharing the instance folder."""

    files: set[Path] = set()
    local = 0

    @classmethod
    def current(cls, file: Path) -> tuple:
        try:
            return cls.local, os.stat(file).st_mtime_ns
        except FileNotFoundError:
            return cls.local, 0

    @classmethod
    def bump(cls) -> None:
        cls.local += 1
        for file in cls.files:
            try:
                file.touch()
            except OSError:  # a read-only instance folder: other processes wait for the time limit
                pass


@event.listens_for(Session, "after_flush")
def _note_writes(db_session: Session, _context) -> None:
    if db_session.new or db_session.dirty or db_session.deleted:
        db_session.info[_DIRTY] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state) -> None:
    if not state.is_select:
        state.session.info[_DIRTY] = True


@event.listens_for(Session, "after_commit")
def _drop_on_commit(db_session: Session) -> None:
    if db_session.info.pop(_DIRTY, False):
        Generation.bump()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(db_session: Session) -> None:
    db_session.info.pop(_DIRTY, None)


class PageCache:
    """The WSGI side: answer kept pages, keep the pages a view shared."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.max_age = int(app.permanent_session_lifetime.total_seconds())
        self.file = Path(app.instance_path) / "page-cache-generation"
        Generation.files.add(self.file)
        self.entries: dict[tuple, Entry] = {}
        self.generation: tuple = ()

    def __call__(self, environ, start_response):
        key = self._key(environ)
        # a travelled business clock (tests, a demo "as of" another day) may jump past any time limit
        if key is None or self.app.extensions.get("clock") is not None:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        generation = Generation.current(self.file)
        entry = self.entries.get(key)
        if entry is not None and entry.generation == generation and entry.expires > time.monotonic():
            return self._answer(entry, environ, start_response, started)
        answered = {}

        def capture(status, headers, exc_info=None):
            answered.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        seconds = environ.get(_WANTED)
        if seconds is None or _ROUTE not in environ or answered.get("status", "")[:4] != "200 " \
                or any(name.lower() == "set-cookie" for name, _value in answered["headers"]):
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        if len(self.entries) >= MAX_ENTRIES or generation != self.generation:  # the others are stale
            self.entries.clear()
            self.generation = generation
        route, municipality = environ[_ROUTE]
        self.entries[key] = Entry(time.monotonic() + seconds, generation, answered["status"],
                                  [(n, v) for n, v in answered["headers"] if n.lower() != "x-request-id"],
                                  content, route, municipality)
        return [content]

    def live(self) -> dict[tuple, Entry]:
        """The entries still to be given."""
        generation, now = Generation.current(self.file), time.monotonic()
        return {key: e for key, e in self.entries.items() if e.generation == generation and e.expires > now}

    def _key(self, environ) -> tuple | None:
        if environ["REQUEST_METHOD"] != "GET" or "HTTP_AUTHORIZATION" in environ:
            return None
        lang = "ja"
        header = environ.get("HTTP_COOKIE")
        if header:
            cookies = parse_cookie(header)
            if any(name != self.cookie_name for name in cookies):
                return None
            data = self._session(cookies.get(self.cookie_name, ""))
            if data is None or not data.keys() <= NEUTRAL_SESSION_KEYS:
                return None
            lang = data.get("lang") if data.get("lang") in LOCALES else "ja"
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""),
                environ.get("PATH_INFO"), environ.get("QUERY_STRING", ""), lang,
                environ.get("HTTP_ACCEPT_ENCODING", ""), environ.get("HTTP_ACCEPT", ""))

    def _session(self, value: str) -> dict | None:
        """The session as Flask would open it; None when Flask would start an empty one over a bad cookie,
        which it would then send back (not a page to answer from here)."""
        if not value:
            return {}
        try:
            return self.serializer.loads(value, max_age=self.max_age)
        except Exception:  # noqa: BLE001 — a forged, expired or garbled cookie: Flask's own path decides
            return None

    def _answer(self, entry: Entry, environ, start_response, started: float):
        given = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = given if logs.is_token(given) else uuid.uuid4().hex
        start_response(entry.status, [*entry.headers, ("X-Request-ID", request_id)])
        elapsed = time.perf_counter() - started
        _request_logger.info("request", extra={"fields": {
            "request_id": request_id, "user_kind": "anonymous", "municipality": entry.municipality,
            "route": entry.route, "method": "GET", "status": 200, "duration_ms": round(elapsed * 1000, 1),
        }})
        metrics.REQUESTS.labels(entry.route, "GET", "200").inc()
        metrics.LATENCY.labels(entry.route, "GET").observe(elapsed)
        return [entry.body]


def init_app(app: Flask) -> None:
    """Before the middlewares that rewrite the request (proxies) are wrapped around it: it sees their result."""

    @app.after_request
    def _mark(response):
        # only what every anonymous visitor would be given: no one signed in, no token rendered, nothing kept
        if _WANTED in request.environ and response.status_code == 200 and g.get("resident") is None \
                and g.get("staff") is None and "csrf_token" not in g and not session.modified:
            municipality = g.get("municipality")
            request.environ[_ROUTE] = (logs.route(), getattr(municipality, "slug", None))
        return response

    app.wsgi_app = app.extensions["page_cache"] = PageCache(app, app.wsgi_app)

