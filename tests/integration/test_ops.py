"""Health endpoints, request logs and metrics (portal/ops)."""
from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from portal import create_app
from tests.conftest import app_config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def discovery_url():
    """A stand-in identity provider serving only its discovery document."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"issuer": "http://idp", "authorization_endpoint": "http://idp/auth"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/openid-configuration"
    server.shutdown()


@pytest.fixture
def make_app(database_url, tmp_path, mail_sink, db, discovery_url):
    def make(**extra):
        settings = {"OIDC_DISCOVERY_URL": discovery_url, "SMTP_PORT": mail_sink.port, **extra}
        return create_app(app_config(settings.pop("DATABASE_URL", database_url), tmp_path, **settings))
    return make


@pytest.fixture
def throwaway_redis(tmp_path):
    """A redis-server of this test's own on a free port, to stop halfway."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is required for this test")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield server, f"redis://127.0.0.1:{port}/0"
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=10)


def test_healthz_is_alive_and_says_nothing_else(make_app):
    response = make_app().test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_with_database_identity_provider_and_task_queue(make_app):
    response = make_app().test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "identity_provider": "ok",
                                                                 "task_queue": "ok"}}


def test_a_stopped_database_is_not_ready(make_app):
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/portal"
    client = make_app(DATABASE_URL=closed).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "down"
    assert client.get("/healthz").status_code == 200  # alive all the same: restarting it would not help


def test_redis_is_checked_when_configured_and_a_stopped_one_is_not_ready(make_app, throwaway_redis, app):
    from portal.tasks import queue

    server, url = throwaway_redis
    try:
        client = make_app(REDIS_URL=url, TASKS_IMMEDIATE=False).test_client()   # the task queue in that Redis too
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.get_json()
        assert ready.get_json()["checks"] == {"database": "ok", "redis": "ok", "identity_provider": "ok",
                                              "task_queue": "ok"}
        server.terminate()
        server.wait(timeout=10)
        stopped = client.get("/readyz")
        assert stopped.status_code == 503
        assert stopped.get_json() == {"status": "not ready",
                                      "checks": {"database": "ok", "redis": "down", "identity_provider": "ok",
                                                 "task_queue": "down"}}
    finally:
        queue.configure(app)   # the queue is one per process: give it back to the other tests' app


def test_an_unreachable_identity_provider_is_not_ready_and_the_answer_is_cached(make_app):
    app = make_app(OIDC_DISCOVERY_URL=f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration")
    client = app.test_client()
    assert client.get("/readyz").get_json()["checks"]["identity_provider"] == "down"
    check = app.extensions["readiness_checks"]["identity_provider"]
    first = check.at
    client.get("/readyz")
    assert check.at == first  # one probe per READYZ_CACHE_SECONDS, not one per poll


def test_another_part_adds_a_check_with_one_line(make_app):
    from portal.ops.health import add_check

    app = make_app()
    add_check(app, "search_index", lambda: False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["search_index"] == "down"


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def request_lines():
    handler = Lines()
    logger = logging.getLogger("portal.request")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_a_request_line_names_the_route_not_the_path_and_no_personal_data(make_app, request_lines):
    from portal.ops.logs import JsonFormatter

    client = make_app().test_client()
    response = client.get("/ichinomiya/procedures/no-such-procedure", headers={"X-Request-ID": "abc-123"},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.headers["X-Request-ID"] == "abc-123"
    fields = request_lines[-1].fields
    assert fields["request_id"] == "abc-123" and fields["user_kind"] == "anonymous"
    assert fields["municipality"] == "ichinomiya" and fields["status"] == response.status_code
    assert "<" in fields["route"] and "no-such-procedure" not in fields["route"]
    line = JsonFormatter().format(request_lines[-1])
    assert json.loads(line)["route"] == fields["route"] and "203.0.113.9" not in line


def test_a_request_id_is_made_when_none_or_a_bad_one_is_given(make_app, request_lines):
    client = make_app().test_client()
    made = client.get("/healthz").headers["X-Request-ID"]
    bad = client.get("/healthz", headers={"X-Request-ID": "x\" injected=1"}).headers["X-Request-ID"]
    assert len(made) == 32 and len(bad) == 32 and made != bad


def test_metrics_count_requests_by_route_and_read_the_database(make_app, db):
    from portal.notifications.models import OutboxEmail

    db.add(OutboxEmail(recipient="a@example.jp", subject="s", body="b"))
    db.commit()
    client = make_app().test_client()
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'portal_http_requests_total{method="GET",route="/healthz",status="200"}' in body
    assert 'portal_outbox_emails{status="pending"} 1.0' in body
    assert "portal_booking_holds_active 0.0" in body
    client.open("/healthz", method="BREW")
    assert 'method="other",route="<unmatched>",status="405"' in client.get("/metrics").get_data(as_text=True)


def test_metrics_are_only_for_allowed_networks_or_the_token(make_app):
    client = make_app(METRICS_TOKEN="s3cret").test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    assert client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/metrics").status_code == 200  # loopback


def test_a_gauge_is_added_with_one_line(make_app):
    from portal.ops.metrics import add_gauge

    app = make_app()
    add_gauge(app, "portal_task_queue_depth", "Tasks waiting", lambda: 7)
    assert "portal_task_queue_depth 7.0" in app.test_client().get("/metrics").get_data(as_text=True)


def test_behind_a_trusted_proxy_the_audit_address_and_urls_are_the_clients(make_app):
    """One setting (TRUSTED_PROXIES) for ProxyFix: what the audit log records and what url_for builds."""
    from flask import url_for

    from portal.staff.auth import client_ip

    app = make_app(TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/_seen")
    def seen_view():
        seen.update(ip=client_ip(), url=url_for("ops_health.healthz", _external=True))
        return ""

    app.test_client().get("/_seen", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={
        "X-Forwarded-For": "203.0.113.77", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "portal.example.jp"})
    assert seen == {"ip": "203.0.113.77", "url": "https://portal.example.jp/healthz"}
    # Without a trusted proxy the headers are anyone's to forge: ignored.
    direct = make_app()
    direct.add_url_rule("/_seen", view_func=seen_view)
    direct.test_client().get("/_seen", environ_base={"REMOTE_ADDR": "198.51.100.2"},
                             headers={"X-Forwarded-For": "203.0.113.77", "X-Forwarded-Proto": "https"})
    assert seen["ip"] == "198.51.100.2" and seen["url"].startswith("http://localhost/")


def test_metrics_still_answer_when_the_database_is_down(make_app):
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/portal"
    client = make_app(DATABASE_URL=closed).test_client()
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200 and "portal_http_requests_total" in response.get_data(as_text=True)


def test_other_log_lines_of_a_request_carry_its_request_id(make_app):
    from portal.ops.logs import JsonFormatter

    class Formatted(logging.Handler):
        def __init__(self):
            super().__init__()
            self.lines = []

        def emit(self, record):
            self.lines.append(json.loads(self.format(record)))  # formatted while the request runs, as on stderr

    app = make_app()

    @app.get("/_warn")
    def warn():
        logging.getLogger("portal.payments").warning("provider slow")
        return ""

    handler = Formatted()
    handler.setFormatter(JsonFormatter())
    logging.getLogger("portal.payments").addHandler(handler)
    try:
        app.test_client().get("/_warn", headers={"X-Request-ID": "req-7"})
    finally:
        logging.getLogger("portal.payments").removeHandler(handler)
    assert handler.lines[0]["message"] == "provider slow" and handler.lines[0]["request_id"] == "req-7"
