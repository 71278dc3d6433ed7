"""`make run`: migrate, load demo data, then start every process the portal needs on this machine.

    portal (gunicorn)           http://127.0.0.1:8000   PORTAL_PORT
    mock My Number provider     http://127.0.0.1:8001   MOCKIDP_PORT
    Stripe API emulator         http://127.0.0.1:8002   STRIPE_EMULATOR_PORT (checkout pages, signed webhooks)
    mailbox (read sent email)   http://127.0.0.1:8003   MAILBOX_PORT (SMTP on SMTP_PORT, 8025)
    task consumer               `flask tasks consume`: sends the outbox's emails, and runs the periodic jobs
                                (holds, the lottery, reminders, payment reconciliation, the draft purge);
                                its queue is instance/tasks.sqlite3, or Redis when REDIS_URL is set

The URLs the processes give each other (PUBLIC_URL, the OIDC discovery URL and redirect URI, the Stripe API
base and webhook URL) follow the ports. With other ports and another PORTAL_INSTANCE_DIR, a second instance
runs beside the first. With STRIPE_SECRET_KEY set (real Stripe test keys), the emulator is not started.

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
DEFAULT_PORTS = {"PORTAL_PORT": 8000, "MOCKIDP_PORT": 8001, "STRIPE_EMULATOR_PORT": 8002, "MAILBOX_PORT": 8003,
                 "SMTP_PORT": 8025}


def ports(environ=os.environ) -> dict[str, int]:
    return {name: int(environ.get(name) or default) for name, default in DEFAULT_PORTS.items()}


def dev_env(port: dict[str, int]) -> dict[str, str]:
    """Development settings, consistent with the chosen ports; a variable already set wins."""
    portal = f"http://127.0.0.1:{port['PORTAL_PORT']}"
    env = {
        "PORTAL_INSTANCE_DIR": str(INSTANCE),
        "PUBLIC_URL": portal,
        "OIDC_DISCOVERY_URL": f"http://127.0.0.1:{port['MOCKIDP_PORT']}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": "portal",
        # A development-only secret shared by the portal and the mock provider; real deployments set their own.
        "OIDC_CLIENT_SECRET": "dev-portal-secret",
        "MOCKIDP_REDIRECT_URIS": f"{portal}/auth/callback",
        "MOCKIDP_DATA_DIR": str(INSTANCE / "mockidp"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port["SMTP_PORT"]),
        # Plain http on localhost: a Secure cookie would never come back.
        "SESSION_COOKIE_SECURE": "false",
    }
    if port["PORTAL_PORT"] != DEFAULT_PORTS["PORTAL_PORT"]:
        # Browsers keep cookies per host, not per port: another instance on 127.0.0.1 needs its own cookie.
        env["SESSION_COOKIE_NAME"] = f"portal_{port['PORTAL_PORT']}"
    return env


def emulator_env(port: dict[str, int]) -> dict[str, str]:
    """The local Stripe emulator and a development-only webhook secret it signs with (devtools/stripe_emulator)."""
    base = f"http://127.0.0.1:{port['STRIPE_EMULATOR_PORT']}"
    return {
        "STRIPE_SECRET_KEY": "sk_test_dev_emulator",
        "STRIPE_WEBHOOK_SECRET": "whsec_dev_emulator",
        "STRIPE_API_BASE": base,
        "STRIPE_CHECKOUT_ORIGIN": base,
    }


def main() -> int:
    port = ports()
    env = {**os.environ, **{k: v for k, v in dev_env(port).items() if k not in os.environ}}
    use_emulator = "STRIPE_SECRET_KEY" not in os.environ
    if use_emulator:
        env.update(emulator_env(port))
    python = sys.executable
    INSTANCE.mkdir(parents=True, exist_ok=True)
    flask = [python, "-m", "flask", "--app", "wsgi:app"]
    subprocess.run([*flask, "db", "upgrade"], check=True, env=env, cwd=ROOT)
    subprocess.run([*flask, "demo", "load"], check=True, env=env, cwd=ROOT)

    commands = {
        "mailbox": [python, "-m", "devtools.mailbox", "--smtp-port", str(port["SMTP_PORT"]),
                    "--http-port", str(port["MAILBOX_PORT"]), "--dir", str(INSTANCE / "mailbox")],
        "mock IdP": [python, "-m", "portal.mockidp", "--port", str(port["MOCKIDP_PORT"])],
        "portal": [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port['PORTAL_PORT']}", "--workers", "2",
                   "--access-logfile", "-", "wsgi:app"],
        "task consumer": [*flask, "tasks", "consume"],
    }
    if use_emulator:
        commands["Stripe emulator"] = [
            python, "-m", "devtools.stripe_emulator", "--port", str(port["STRIPE_EMULATOR_PORT"]),
            "--webhook-url", f"http://127.0.0.1:{port['PORTAL_PORT']}/payments/stripe/webhook",
            "--webhook-secret", env["STRIPE_WEBHOOK_SECRET"],
            "--state-file", str(INSTANCE / "stripe-emulator.json"),
        ]
    processes = {name: subprocess.Popen(cmd, env=env, cwd=ROOT) for name, cmd in commands.items()}
    time.sleep(1.5)
    print(BANNER.format(**port), flush=True)
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
   portal              http://127.0.0.1:{PORTAL_PORT}
   mock My Number IdP  http://127.0.0.1:{MOCKIDP_PORT}   (demo PIN: 1234)
   Stripe emulator     http://127.0.0.1:{STRIPE_EMULATOR_PORT}   (test payments; controls at /_emulator/…)
   mailbox             http://127.0.0.1:{MAILBOX_PORT}   (SMTP on {SMTP_PORT})
 Demo municipalities: 一宮市 (/ichinomiya/), 安城市 (/anjo/)
 Back office: /ichinomiya/backoffice/  (demo staff: see README)
 Ctrl-C stops everything.
==============================================================
"""

if __name__ == "__main__":
    sys.exit(main())
