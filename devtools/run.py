"""`make run`: migrate, load demo data, then start every process the portal needs on this machine.

    portal (gunicorn)           http://127.0.0.1:8000
    mock My Number provider     http://127.0.0.1:8001
    Stripe API emulator         http://127.0.0.1:8002   (checkout pages, signed webhooks to the portal)
    mailbox (read sent email)   http://127.0.0.1:8003   (SMTP on 8025)
    payment reconciliation      every minute (catches a missed webhook)
    booking scheduler           every 30 s (releases run-out holds, commits seeds, runs due lottery draws)
    anonymous draft purge       every hour (drafts started without sign-in, untouched for a day)

With STRIPE_SECRET_KEY set (real Stripe test keys), the emulator is not started; see the README.

Ctrl-C stops them all.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("PORTAL_INSTANCE_DIR", ROOT / "instance"))

DEV_ENV = {
    "PORTAL_INSTANCE_DIR": str(INSTANCE),
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "OIDC_DISCOVERY_URL": "http://127.0.0.1:8001/.well-known/openid-configuration",
    "OIDC_CLIENT_ID": "portal",
    # A development-only secret shared by the portal and the mock provider; real deployments set their own.
    "OIDC_CLIENT_SECRET": "dev-portal-secret",
    "MOCKIDP_REDIRECT_URIS": "http://127.0.0.1:8000/auth/callback",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": "8025",
    # Plain http on localhost: a Secure cookie would never come back.
    "SESSION_COOKIE_SECURE": "false",
}

EMULATOR_PORT = 8002
WEBHOOK_URL = "http://127.0.0.1:8000/payments/stripe/webhook"
# The local Stripe emulator and a development-only webhook secret it signs with (see devtools/stripe_emulator).
EMULATOR_ENV = {
    "STRIPE_SECRET_KEY": "sk_test_dev_emulator",
    "STRIPE_WEBHOOK_SECRET": "whsec_dev_emulator",
    "STRIPE_API_BASE": f"http://127.0.0.1:{EMULATOR_PORT}",
    "STRIPE_CHECKOUT_ORIGIN": f"http://127.0.0.1:{EMULATOR_PORT}",
}
RECONCILE_EVERY_SECONDS = 60
# Holds run out after minutes, and the lottery's moments are on the minute: look every half minute.
BOOKING_TICK_SECONDS = 30
DRAFT_PURGE_EVERY_SECONDS = 3600


def main() -> int:
    env = {**os.environ, **{k: v for k, v in DEV_ENV.items() if k not in os.environ}}
    use_emulator = "STRIPE_SECRET_KEY" not in os.environ
    if use_emulator:
        env.update(EMULATOR_ENV)
    python = sys.executable
    INSTANCE.mkdir(parents=True, exist_ok=True)
    flask = [python, "-m", "flask", "--app", "wsgi:app"]
    subprocess.run([*flask, "db", "upgrade"], check=True, env=env, cwd=ROOT)
    subprocess.run([*flask, "demo", "load"], check=True, env=env, cwd=ROOT)

    commands = {
        "mailbox": [python, "-m", "devtools.mailbox", "--smtp-port", "8025", "--http-port", "8003",
                    "--dir", str(INSTANCE / "mailbox")],
        "mock IdP": [python, "-m", "portal.mockidp", "--port", "8001"],
        "portal": [python, "-m", "gunicorn", "--bind", "127.0.0.1:8000", "--workers", "2",
                   "--access-logfile", "-", "wsgi:app"],
        "payment reconciliation": [*flask, "payments", "reconcile", "--every", str(RECONCILE_EVERY_SECONDS)],
        "booking scheduler": [*flask, "booking", "tick", "--every", str(BOOKING_TICK_SECONDS)],
        "anonymous draft purge": [*flask, "drafts", "purge-anonymous", "--every", str(DRAFT_PURGE_EVERY_SECONDS)],
    }
    if use_emulator:
        commands["Stripe emulator"] = [
            python, "-m", "devtools.stripe_emulator", "--port", str(EMULATOR_PORT),
            "--webhook-url", WEBHOOK_URL, "--webhook-secret", EMULATOR_ENV["STRIPE_WEBHOOK_SECRET"],
            "--state-file", str(INSTANCE / "stripe-emulator.json"),
        ]
    processes = {name: subprocess.Popen(cmd, env=env, cwd=ROOT) for name, cmd in commands.items()}
    time.sleep(1.5)
    print(BANNER, flush=True)
    try:
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} stopped (exit {process.returncode}); stopping the rest", file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


BANNER = """
==============================================================
 書かない portal is running
   portal              http://127.0.0.1:8000
   mock My Number IdP  http://127.0.0.1:8001   (demo PIN: 1234)
   Stripe emulator     http://127.0.0.1:8002   (test payments; controls at /_emulator/…)
   mailbox             http://127.0.0.1:8003
 Demo municipalities: 一宮市 (/ichinomiya/), 安城市 (/anjo/)
 Back office: /ichinomiya/backoffice/  (demo staff: see README)
 Ctrl-C stops everything.
==============================================================
"""

if __name__ == "__main__":
    sys.exit(main())
