"""A ``limits`` storage backed by the portal's own database, for deployments without Redis.

Flask-Limiter's ``memory://`` store lives in one process: with two gunicorn workers each keeps its own
counters, so "10 per minute" lets 20 through. This storage keeps every counter as a row and increments it
with one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite ≥ 3.35 and PostgreSQL), so every
process and machine that shares the database shares the limit. Only the fixed-window strategy (Flask-Limiter's
default) is supported.

On SQLite a counter is a write: count before the request writes anything of its own, or the counter's
connection waits for the request's write lock.

URI: ``db+`` followed by the SQLAlchemy URL, e.g. ``db+sqlite:////srv/portal.sqlite3`` or
``db+postgresql://user@host/portal``.
"""
from __future__ import annotations

import hashlib
import time

from limits.storage import Storage
from sqlalchemy import case, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from portal.db import make_engine
from portal.ratelimit.models import RateLimitCounter

SCHEME_PREFIX = "db+"
#: expired rows are swept at most this often per process (one DELETE on the indexed expiry)
SWEEP_EVERY_SECONDS = 600
_MAX_KEY = 255


def _row_key(key: str) -> str:
    """Flask-Limiter's keys name the endpoint and the client; an unusually long one is hashed to fit."""
    if len(key) <= _MAX_KEY:
        return key
    return key[:180] + "#" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["db+sqlite", "db+postgresql", "db+postgresql+psycopg"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.engine = make_engine(uri.removeprefix(SCHEME_PREFIX))
        self._insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        self._next_sweep = 0.0

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        fresh = self._insert(table).values(key=_row_key(key), count=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        statement = fresh.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, fresh.excluded.count), else_=table.c.count + fresh.excluded.count),
                "expires_at": case((expired, fresh.excluded.expires_at), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with self.engine.begin() as conn:
            count = conn.execute(statement).scalar_one()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY_SECONDS
            self.sweep(now)
        return count

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            count = conn.scalar(select(RateLimitCounter.count).where(
                RateLimitCounter.key == _row_key(key), RateLimitCounter.expires_at > time.time()))
        return count or 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self.engine.connect() as conn:
            expires_at = conn.scalar(select(RateLimitCounter.expires_at).where(
                RateLimitCounter.key == _row_key(key), RateLimitCounter.expires_at > now))
        return expires_at or now

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            count = conn.scalar(select(func.count()).select_from(RateLimitCounter))
            conn.execute(delete(RateLimitCounter))
        return count

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(RateLimitCounter).where(RateLimitCounter.key == _row_key(key)))

    def sweep(self, now: float | None = None) -> int:
        """Delete windows that have run out (a counter row is reused while its key keeps being hit)."""
        with self.engine.begin() as conn:
            return conn.execute(delete(RateLimitCounter).where(
                RateLimitCounter.expires_at <= (now or time.time()))).rowcount
