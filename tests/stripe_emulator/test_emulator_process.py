"""State-file persistence and the ``python -m`` entry point."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import stripe

from devtools.stripe_emulator.testing import run_in_thread

ROOT = Path(__file__).resolve().parents[2]


def _params() -> dict:
    return {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "jpy", "unit_amount": 500, "product_data": {"name": "手数料"}},
                        "quantity": 1}],
        "success_url": "http://portal.test/ok",
    }


def test_state_file_survives_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "stripe-state.json"
    with run_in_thread(state_file=str(state_file), tick_interval=0) as first:
        client = first.client()
        session = client.v1.checkout.sessions.create(params=_params(), options={"idempotency_key": "persist-1"})
        first.outcome(session.id, "card_success")
        first.advance_clock(hours=2)
        first.set_webhook("http://127.0.0.1:9/never", "whsec_saved")
    assert state_file.exists()

    with run_in_thread(state_file=str(state_file), tick_interval=0) as second:
        client = second.client()
        restored = client.v1.checkout.sessions.retrieve(session.id)
        assert restored.status == "complete" and restored.payment_status == "paid"
        assert second.control("GET", "/clock")["offset"] >= 7200
        again = client.v1.checkout.sessions.create(params=_params(), options={"idempotency_key": "persist-1"})
        assert again.id == session.id
        assert [ep["url"] for ep in second.control("GET", "/webhooks/endpoints")["data"]] == ["http://127.0.0.1:9/never"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_module_entry_point_serves_the_sdk() -> None:
    port = _free_port()
    env = {**os.environ, "STRIPE_WEBHOOK_SECRET": "whsec_from_env", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.stripe_emulator", "--port", str(port), "--webhook-url", "http://127.0.0.1:9/hook"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                if requests.get(f"{base}/_emulator/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "emulator did not start"
            time.sleep(0.05)
        client = stripe.StripeClient("sk_test_cli", base_addresses={"api": base}, max_network_retries=0)
        session = client.v1.checkout.sessions.create(params=_params())
        assert session.url == f"{base}/checkout/{session.id}"
        endpoints = requests.get(f"{base}/_emulator/webhooks/endpoints", timeout=2).json()["data"]
        assert [(ep["url"], ep["secret"]) for ep in endpoints] == [("http://127.0.0.1:9/hook", "whsec_from_env")]
    finally:
        proc.terminate()
        proc.wait(timeout=5)
