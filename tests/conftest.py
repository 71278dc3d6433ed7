"""Fixtures that build real data in a real database (SQLite by default, PostgreSQL with DATABASE_URL).

The schema is made by the Alembic migrations, as in production; each test starts from the demo data.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from portal import create_app, db as portal_db, migrate
from portal.clock import session_time
from portal.db import Base, make_engine
from portal.identity.models import Resident
from portal.procedures.sync import sync_directory
from portal.tenancy.demo import load_municipalities

# Fixture modules that several test modules share: their fixtures are found by name, not imported (a module's own
# fixture of the same name still wins). payments_env before worlds, which imports it, so pytest can rewrite its asserts.
pytest_plugins = [
    "tests.integration.backoffice",
    "tests.integration.booking_env",
    "tests.integration.payments_env",
    "tests.e2e.worlds",
]
ROOT = Path(__file__).resolve().parent.parent
# Every app a test makes runs its tasks at once, in the test's process (huey's immediate mode): an email queued
# by a request is sent when its transaction commits, before the response. The consumer tests run real consumers.
os.environ["TASKS_IMMEDIATE"] = "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# As root, and on a network that refuses everything but loopback (see the README).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def static_files_built():
    """Pages name the content-hashed, compressed static files, as after `make install` (which builds them);
    a bare `pytest` after a change to static/ builds them here."""
    from portal.static_files import is_built

    if not is_built(ROOT / "static"):
        for command in ("clean", "compile"):
            subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi:app", "digest", command],
                           check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def mail_sink():
    from devtools.mailbox.testing import MailSink

    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


def app_config(database_url: str, tmp: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "FORMS_DIR": str(ROOT / "forms"),
        "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False,
        "OIDC_CLIENT_SECRET": "test-client-secret",
        "SERVER_NAME": None,
        **extra,
    }


@pytest.fixture(scope="session")
def app(database_url, mail_sink, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    return create_app(app_config(database_url, tmp, SMTP_PORT=mail_sink.port))


def reset_database(app) -> None:
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            from portal.audit.maintenance import append_only_triggers_lifted

            with append_only_triggers_lifted(conn):
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(table.delete())
    with app.app_context():
        session = portal_db.session()
        load_municipalities(session)
        sync_directory(session, Path(app.config["FORMS_DIR"]))
        session.commit()


@pytest.fixture
def db(app, mail_sink):
    """A clean database with the demo municipalities and forms, and the test's own session.

    No app context is held open: each test-client request must get its own, as in production
    (Flask reuses an already-pushed context, which would share ``g`` between requests)."""
    reset_database(app)
    mail_sink.clear()
    session = app.extensions["db_sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def limited_app(database_url, mail_sink, tmp_path, db):
    """Make an app with rate limits on (the other tests run without), counting where ``make run`` counts:
    in the database, unless ``RATELIMIT_STORAGE_URI`` is given."""
    from portal.extensions import limiter

    def make(**extra):
        return create_app(app_config(database_url, tmp_path, SMTP_PORT=mail_sink.port, RATELIMIT_ENABLED=True, **extra))

    yield make
    limiter.enabled = False  # one Flask-Limiter object per process: leave it off, as the other tests expect


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis: TEST_REDIS_URL, else a throw-away redis-server on a unix socket. Missing both fails."""
    import shutil
    import subprocess
    import time

    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("Redis is required: set TEST_REDIS_URL=redis://host:port/db or install redis-server")
    folder = tmp_path_factory.mktemp("redis")
    socket = folder / "redis.sock"
    server = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly", "no",
                               "--dir", str(folder)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not socket.exists():
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.05)
    yield f"redis+unix://{socket}"
    server.terminate()
    server.wait(timeout=10)


PERSONA_CLAIMS = {
    "ichinomiya": {
        "name": "一宮 花子",
        "birthdate": "1990-04-12",
        "gender": "female",
        "address": {
            "formatted": "愛知県一宮市本町2丁目5番6号",
            "postal_code": "491-0859",
            "region": "愛知県",
            "locality": "一宮市",
            "street_address": "本町2丁目5番6号",
            "country": "JP",
        },
    },
    "anjo": {
        "name": "安城 太郎",
        "birthdate": "1975-11-03",
        "gender": "male",
        "address": {
            "formatted": "愛知県安城市桜町18番23号",
            "postal_code": "446-0045",
            "region": "愛知県",
            "locality": "安城市",
            "street_address": "桜町18番23号",
            "country": "JP",
        },
    },
}


@pytest.fixture
def make_resident(db):
    counter = iter(range(1, 10_000))

    def make(home: str = "ichinomiya", **claims) -> Resident:
        resident = Resident(
            sub=f"test-sub-{next(counter):04d}",
            issuer="http://idp.test",
            claims={**PERSONA_CLAIMS[home], **claims},
            remembered={},
        )
        db.add(resident)
        db.commit()
        return resident

    return make


def sign_in_as(client, resident: Resident) -> None:
    """Test set-up shortcut: the real OIDC sign-in is exercised in test_identity_oidc and the e2e test."""
    with client.application.app_context():
        now = int(session_time())
    with client.session_transaction() as browser_session:
        browser_session.update({"resident_id": resident.id, "resident_v": resident.session_version,
                                "resident_since": now, "resident_seen": now})


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run (Playwright's sync API allows one driver per process)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required for the end-to-end tests: {CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
