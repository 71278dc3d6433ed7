"""The task queue (huey): a SQLite file in the instance folder on one machine, Redis when ``REDIS_URL`` is set
(any number of portal processes and consumers on any number of machines then share it). With
``TASKS_IMMEDIATE`` (the tests) a task runs at once in the process that queued it, as huey's immediate mode.

A task runs in an app context of its own, so it has its own database session: the consumer's app, or, for a
task run at once, the app it was queued from (its clock and settings)."""
from __future__ import annotations

import functools
import sqlite3
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from redis import ConnectionPool, RedisError

# Results are never read: a task's effect is in the database.
huey = Huey("portal", results=False, utc=True, storage_class=MemoryStorage)
_consumer_app: dict[str, Flask] = {}
#: A queued message names its task "<module>.<name>". Every task gets the module the portal's tasks were all
#: defined in before each feature kept its own, so messages queued by an older release still find their task, and
#: moving a feature's code never orphans what is already queued.
TASK_MODULE = "portal.tasks.jobs"


def configure(app: Flask) -> None:
    """Point the queue at the storage the app's settings name; the app is the one consumers run tasks in."""
    config = app.config
    huey.name = config["TASK_QUEUE_NAME"]
    if config.get("REDIS_URL"):
        # A stopped Redis must fail fast (readiness checks, the commit that queues an email), not hang.
        # redis-py spells a unix socket unix://; the rate limits' library, sharing this setting, redis+unix://.
        url = config["REDIS_URL"].replace("redis+unix://", "unix://", 1)
        pool = ConnectionPool.from_url(url, socket_connect_timeout=3)
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"connection_pool": pool}
    else:
        Path(config["TASK_QUEUE_FILE"]).parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": config["TASK_QUEUE_FILE"]}
    huey._immediate = bool(config["TASKS_IMMEDIATE"])  # the setter would build the storage twice
    huey.storage = huey.create_storage()
    _consumer_app["app"] = app


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    return _consumer_app["app"]


def _in_app_context(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        with _app().app_context():
            return fn(*args, **kwargs)
    run.__module__ = TASK_MODULE
    return run


def task(**options):
    """``huey.task`` for a function that needs the app (database, settings, templates)."""
    def decorate(fn):
        return huey.task(name=fn.__name__, **options)(_in_app_context(fn))
    return decorate


def periodic(schedule, **options):
    """``huey.periodic_task``, the registry of periodic tasks: a feature declares its own in its ``jobs`` module,
    which its ``init_app`` imports, and every consumer's scheduler queues what is registered. So N consumers run
    each N times per period; each is safe to run twice at once (the database claims decide who does the work).
    The task's name is the function's: keep it when moving one, a queued message names its task by it."""
    def decorate(fn):
        return huey.periodic_task(schedule, name=fn.__name__, **options)(_in_app_context(fn))
    return decorate


def queue_ready() -> bool:
    """Whether the queue's storage answers (for the readiness check): Redis reachable, or the SQLite file usable."""
    try:
        huey.storage.queue_size()
    except (OSError, RedisError, sqlite3.Error):
        return False
    return True


def queue_depth() -> int:
    """Tasks waiting to be run (for metrics); scheduled retries are not counted."""
    return huey.pending_count()
