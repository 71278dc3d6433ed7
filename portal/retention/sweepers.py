"""Personal data a feature keeps outside submissions (a lottery's applications, an event's registrations): the
feature registers a sweeper, and every retention pass calls it for each municipality, inside the pass's
transaction. A sweeper deletes or anonymises what is past the municipality's ``retention_submissions_years``,
adds ``Purged`` items to the report and records its own audit tombstone."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

#: sweeper(session, report, municipality, now)
Sweeper = Callable[[Session, object, object, datetime], None]
SWEEPERS: dict[str, Sweeper] = {}


def register_sweeper(name: str, sweeper: Sweeper) -> None:
    if SWEEPERS.get(name, sweeper) is not sweeper:
        raise ValueError(f"a retention sweeper named {name!r} is already registered")
    SWEEPERS[name] = sweeper
