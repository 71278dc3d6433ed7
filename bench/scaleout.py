"""Benchmark: the resident pages with 1 and with 4 gunicorn processes, on PostgreSQL and Redis (issue 15).

Both servers run side by side on free ports of 127.0.0.1 — the portal on DATABASE_URL (PostgreSQL; migrated and
demo-loaded as it is) with REDIS_URL as its rate-limit store, one with 1 sync worker, one with 4 — and ``wrk``
(20 connections, 2 threads: a C client, so the load generator takes little of the machine it shares) requests
each page for BENCH_SECONDS, alternating 1 and 4 in rounds so that a neighbour's load weighs on both alike. It
prints, per page, the median over the rounds of requests/s at 1 and at 4 processes, their ratio, and p95.

    DATABASE_URL=postgresql://… REDIS_URL=redis://… python -m bench.scaleout

Pages: the municipality catalogue, a form step of an anonymous draft (ご意見・ご相談), the month view of
中央公民館 for next month.
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.pages import HEADERS, anonymous_form_step, get, gunicorn, next_month, prepare

CLIENTS = 20
PROCESSES = (1, 4)
SECONDS = float(os.environ.get("BENCH_SECONDS", 5))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))

# wrk's own summary has no p95: a Lua hook prints what is needed, one parsable line.
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %f %f\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def wrk(port: int, path: str, headers: dict, script: Path, seconds: float) -> dict:
    command = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True,
                         text=True).stdout
    requests, micros, errors, p50, p95 = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out).groups()
    if int(errors):
        raise RuntimeError(f"{path}: {errors} failed requests at port {port}\n{out}")
    return {"rps": int(requests) / (int(micros) / 1e6), "p50_ms": float(p50), "p95_ms": float(p95)}


def run() -> dict:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgresql") or not redis_url:
        raise SystemExit("bench.scaleout needs DATABASE_URL=postgresql://… and REDIS_URL=redis://…")
    if shutil.which("wrk") is None:
        raise SystemExit("bench.scaleout needs wrk (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(REPORT)
        env = {**prepare(Path(tmp)), "LOG_FORMAT": "json"}
        # The request lines are written (their cost is part of the figures) but not shown.
        with gunicorn("wsgi:app", env, "/healthz", workers=1, quiet=True) as one, \
                gunicorn("wsgi:app", env, "/healthz", workers=4, quiet=True) as four:
            step_path, step_headers = anonymous_form_step(one)  # a signed cookie: valid on both servers
            pages = [
                ("municipality catalogue", "/ichinomiya/", HEADERS),
                ("form step (anonymous draft)", step_path, step_headers),
                ("facility month (中央公民館)",
                 f"/ichinomiya/facilities/chuo-kominkan?view=month&date={next_month().isoformat()}", HEADERS),
            ]
            for port in (one, four):
                for _label, path, headers in pages:  # every page answers (and every worker warms up) first
                    for _ in range(8):
                        status, _body, _response = get(port, path, headers)
                        assert status == 200, (path, status)
            rounds = [{n: [wrk(port, path, headers, script, SECONDS) for _label, path, headers in pages]
                       for n, port in zip(PROCESSES, (one, four))} for _round in range(ROUNDS)]
    median = statistics.median
    results = {"setup": f"PostgreSQL + Redis, {CLIENTS} connections (wrk), {ROUNDS} rounds × {SECONDS:g} s, "
                        f"gunicorn sync workers, {os.cpu_count()} cores"}
    for index, (label, _path, _headers) in enumerate(pages):
        at = {n: {key: median(r[n][index][key] for r in rounds) for key in ("rps", "p95_ms")} for n in PROCESSES}
        ratio = median(r[4][index]["rps"] / r[1][index]["rps"] for r in rounds)
        results[label] = (f"1 process {at[1]['rps']:.0f} req/s p95 {at[1]['p95_ms']:.0f} ms · "
                          f"4 processes {at[4]['rps']:.0f} req/s p95 {at[4]['p95_ms']:.0f} ms · ratio {ratio:.2f}")
    return results


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:>28}: {value}")
