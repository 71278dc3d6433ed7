"""For the database owner only (never the application): emptying a whole SQLite database, as the test
suite does between tests, has to lift the append-only triggers for the moment. PostgreSQL needs nothing:
``TRUNCATE`` does not fire the row triggers."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection


@contextmanager
def append_only_triggers_lifted(connection: Connection):
    if connection.dialect.name != "sqlite":
        yield
        return
    triggers = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
    ).all()
    for name, _sql in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    try:
        yield
    finally:
        for _name, sql in triggers:
            connection.execute(text(sql))
