"""Benchmark: resident pages under gunicorn, as a ratio to a bare Flask view on the same server (issue "Hardening").

Starts two gunicorns with the same settings (2 sync workers, on free ports of 127.0.0.1): the portal on a
fresh SQLite database with the demo data (``flask db upgrade`` and ``flask demo load``; with DATABASE_URL set
to PostgreSQL, that database, migrated and demo-loaded as it is), and ``bench.bare_app`` — a bare Flask view
rendering a small template. Then wrk (https://github.com/wg/wrk, which must be installed: ``apt-get install
wrk``) keeps 20 connections busy on each page for a fixed time, in rounds — the bare view, then the page,
for every page, again and again, so that a neighbour's load on the machine weighs on each pair alike — and it
prints, per page, the median over the rounds of requests/s, of its ratio to the bare view measured just
before it, of p50 and of p95. To compare two versions, run each one's ``bench.pages`` in turn, alternating.

    python -m bench.pages                 # BENCH_ROUNDS=3 rounds of BENCH_SECONDS=3 per page by default
    DATABASE_URL=postgresql://… python -m bench.pages
    nice -n -10 python -m bench.pages     # on a machine shared with other work (as root)

Pages: the municipality catalogue ``/ichinomiya/``, a procedure's start page, a form step of an anonymous
draft (ご意見・ご相談), and the month view of 中央公民館 会議室 (hourly rooms) for next month.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 20
WORKERS = 2
SECONDS = int(os.environ.get("BENCH_SECONDS", 3))  # wrk counts whole seconds
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
WARMUP_SECONDS = 1
# What a phone's browser sends: the portal may compress, the bare view never does.
HEADERS = {"Accept": "text/html", "Accept-Encoding": "gzip, deflate, br", "Accept-Language": "ja"}


@contextmanager
def gunicorn(app: str, env: dict, ready_path: str = "/", workers: int = WORKERS, quiet: bool = False):
    """Serve ``app`` on a free port (bound here and handed over as a file descriptor, so nothing races for it);
    ``quiet`` drops its stderr (the portal's request lines)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    fd = listener.fileno()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"fd://{fd}", "--workers", str(workers),
         "--worker-class", "sync", "--log-level", "warning", app],
        cwd=ROOT, env=env, pass_fds=(fd,), stderr=subprocess.DEVNULL if quiet else None,
    )
    listener.close()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _body, _headers = get(port, ready_path)
                if status < 500:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn for {app} did not start")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get(port: int, path: str, headers: dict | None = None, method: str = "GET", body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.timeout, e.status, latency:percentile(50)))
  io.write(string.format("P95 %d\\n", latency:percentile(95)))
end
"""


def wrk_binary() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        sys.exit("bench.pages needs wrk (the HTTP load generator): apt-get install wrk")
    return binary


def drive(port: int, path: str, headers: dict, seconds: float) -> dict:
    """CLIENTS connections of wrk requesting ``path`` for ``seconds`` after a warm-up; every answer must be a 200.

    wrk (one thread, event-driven C) rather than Python clients: on a 2-core machine a Python load generator
    takes a core from the servers it measures, and the bare view — the cheapest — would lose the most."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        command = [wrk_binary(), "--threads", "1", "--connections", str(CLIENTS), "--timeout", "30s",
                   "--script", script.name]
        for name, value in headers.items():
            command += ["--header", f"{name}: {value}"]
        url = f"http://127.0.0.1:{port}{path}"
        subprocess.run([*command, "--duration", f"{WARMUP_SECONDS:g}s", url], check=True, capture_output=True)
        output = subprocess.run([*command, "--duration", f"{seconds:g}s", url], check=True,
                                capture_output=True, text=True).stdout
    fields = re.search(r"^BENCH ([\d ]+)$", output, re.M).group(1).split()
    requests, duration_us, connect, read, write, timeout, status, p50_us = map(int, fields)
    p95_us = int(re.search(r"^P95 (\d+)$", output, re.M).group(1))
    # gunicorn's sync workers close every connection, which wrk may count as a read error on the next request
    # of that connection; a refused connection, a timeout or a non-2xx/3xx answer is a real failure.
    if connect or timeout or status or write:
        raise RuntimeError(f"{path}: {connect} connect, {write} write, {timeout} timeout errors, "
                           f"{status} non-2xx/3xx answers")
    if 2 * read > requests:
        raise RuntimeError(f"{path}: {read} read errors in {requests} requests")
    return {
        "rps": requests / (duration_us / 1e6),
        "p50_ms": p50_us / 1000,
        "p95_ms": p95_us / 1000,
    }


def prepare(tmp: Path) -> dict:
    """The portal's environment, with its database migrated and the demo data loaded."""
    env = {
        **os.environ,
        "PORTAL_INSTANCE_DIR": str(tmp),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'portal.sqlite3'}",
        "SECRET_KEY": "bench-secret-key",
        "OIDC_CLIENT_SECRET": "bench",
        "SESSION_COOKIE_SECURE": "false",
        # no demo staff: their argon2 hashes only slow the set-up down
        "PORTAL_ENV": "production",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi:app"]
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([*flask, *command], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    return env


def anonymous_form_step(port: int) -> tuple[str, dict]:
    """Start ご意見・ご相談 without signing in: the first step's path and the headers carrying its session."""
    plain = {"Accept": "text/html"}  # uncompressed: the token is read from the page
    status, body, response = get(port, "/ichinomiya/procedures/consultation", plain)
    assert status == 200, status
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
    status, _body, response = get(
        port, "/ichinomiya/procedures/consultation/start",
        {**plain, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        method="POST", body=f"csrf_token={token}",
    )
    assert status in (302, 303), status
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
    path = re.sub(r"^https?://[^/]+", "", response.getheader("Location"))
    return path, {**HEADERS, "Cookie": cookie}


def next_month() -> date:
    today = date.today()
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def run() -> dict:
    wrk_binary()  # before minutes of set-up
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as servers:
        env = prepare(Path(tmp))
        bare_port = servers.enter_context(gunicorn("bench.bare_app:app", env))
        port = servers.enter_context(gunicorn("wsgi:app", env, "/ichinomiya/"))
        step_path, step_headers = anonymous_form_step(port)
        pages = [
            ("municipality catalogue", "/ichinomiya/", HEADERS),
            ("procedure start page", "/ichinomiya/procedures/juminhyo", HEADERS),
            ("form step (anonymous draft)", step_path, step_headers),
            ("facility month (中央公民館)",
             f"/ichinomiya/facilities/chuo-kominkan?view=month&date={next_month().isoformat()}", HEADERS),
        ]
        for _label, path, headers in pages:  # every page answers before anything is timed
            status, _body, _response = get(port, path, headers)
            assert status == 200, (path, status)
        # each page right after the bare view, so that a neighbour's burst of load weighs on both alike
        samples = {label: [] for label, _path, _headers in pages}
        bares = []
        for _round in range(ROUNDS):
            for label, path, headers in pages:
                bare = drive(bare_port, "/", HEADERS, SECONDS)
                bares.append(bare)
                samples[label].append((bare, drive(port, path, headers, SECONDS)))
    median = statistics.median
    results = {
        # other work on the machine preempts the portal's longer requests more than the bare view's short ones
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end",
        "database": "PostgreSQL" if env["DATABASE_URL"].startswith("postgresql") else "SQLite",
        "load": f"{CLIENTS} connections (wrk), {ROUNDS} rounds × {SECONDS:g} s per page "
                f"(gunicorn, {WORKERS} sync workers)",
        "bare Flask view": f"{median(b['rps'] for b in bares):.0f} req/s  "
                           f"p95 {median(b['p95_ms'] for b in bares):.1f} ms",
    }
    for label, pairs in samples.items():
        ratio = median(measured["rps"] / bare["rps"] for bare, measured in pairs)
        rps = median(measured["rps"] for _bare, measured in pairs)
        p50 = median(measured["p50_ms"] for _bare, measured in pairs)
        p95 = median(measured["p95_ms"] for _bare, measured in pairs)
        results[label] = f"ratio {ratio:.2f}  {rps:.0f} req/s  p50 {p50:.1f} ms  p95 {p95:.1f} ms"
    return results


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:>30}: {value}")
