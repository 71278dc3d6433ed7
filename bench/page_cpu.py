"""CPU time per request in one process (Flask test client), for the pages of ``bench.pages`` and the bare view.

    python -m bench.page_cpu            # best of BENCH_BATCHES=40 batches of 50 requests per page

On a machine shared with other work wall-clock throughput is noisy; the best batch's process CPU time is not.
``--profile LABEL`` prints a cProfile of that page instead (``LABEL``: catalogue, start, step, month, bare).
"""
from __future__ import annotations

import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

from bench.pages import HEADERS, next_month, prepare

BATCHES = int(os.environ.get("BENCH_BATCHES", 40))
PER_BATCH = 50


def _clients(env: dict):
    os.environ.update(env)
    from bench.bare_app import app as bare
    from portal import create_app
    from portal.config import from_environment

    portal = create_app(from_environment())
    return portal.test_client(), bare.test_client()


def _anonymous_step(client) -> tuple[str, dict]:
    page = client.get("/ichinomiya/procedures/consultation", headers={"Accept": "text/html"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/ichinomiya/procedures/consultation/start", data={"csrf_token": token})
    assert response.status_code in (302, 303), response.status_code
    return re.sub(r"^https?://[^/]+", "", response.headers["Location"]), {}


def pages(client, bare) -> dict:
    step_path, _headers = _anonymous_step(client)
    anonymous = client.application.test_client()
    return {
        "bare": (bare, "/"),
        "catalogue": (anonymous, "/ichinomiya/"),
        "start": (anonymous, "/ichinomiya/procedures/juminhyo"),
        "step": (client, step_path),
        "month": (anonymous, f"/ichinomiya/facilities/chuo-kominkan?view=month&date={next_month().isoformat()}"),
    }


def best_ms(client, path: str) -> float:
    best = float("inf")
    for _batch in range(BATCHES):
        started = time.process_time()
        for _request in range(PER_BATCH):
            response = client.get(path, headers=HEADERS)
            assert response.status_code == 200, (path, response.status_code)
        best = min(best, (time.process_time() - started) / PER_BATCH * 1000)
    return best


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        client, bare = _clients(prepare(Path(tmp)))
        return {label: f"{best_ms(c, path):.3f} ms" for label, (c, path) in pages(client, bare).items()}


def profile(label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        client, bare = _clients(prepare(Path(tmp)))
        c, path = pages(client, bare)[label]
        for _warm in range(20):
            c.get(path, headers=HEADERS)
        profiler = cProfile.Profile()
        profiler.enable()
        for _request in range(500):
            c.get(path, headers=HEADERS)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--profile":
        profile(sys.argv[2])
    else:
        for key, value in run().items():
            print(f"{key:>10}: {value}")
