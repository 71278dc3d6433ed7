"""`make run`'s ports come from the environment, and every URL the processes give each other follows them."""
from __future__ import annotations

from devtools import run


def test_default_ports():
    port = run.ports({})
    assert port == {"PORTAL_PORT": 8000, "MOCKIDP_PORT": 8001, "STRIPE_EMULATOR_PORT": 8002, "MAILBOX_PORT": 8003,
                    "SMTP_PORT": 8025}
    env = run.dev_env(port)
    assert env["PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert "SESSION_COOKIE_NAME" not in env


def test_other_ports_for_a_second_instance():
    port = run.ports({"PORTAL_PORT": "9100", "MOCKIDP_PORT": "9101", "STRIPE_EMULATOR_PORT": "9102",
                      "MAILBOX_PORT": "9103", "SMTP_PORT": "9125"})
    env = run.dev_env(port)
    assert env["PUBLIC_URL"] == "http://127.0.0.1:9100"
    assert env["MOCKIDP_REDIRECT_URIS"] == "http://127.0.0.1:9100/auth/callback"
    assert env["OIDC_DISCOVERY_URL"] == "http://127.0.0.1:9101/.well-known/openid-configuration"
    assert env["SMTP_PORT"] == "9125"
    assert env["SESSION_COOKIE_NAME"] == "portal_9100"  # cookies ignore ports: its own cookie
    assert run.emulator_env(port)["STRIPE_API_BASE"] == "http://127.0.0.1:9102"
    assert run.emulator_env(port)["STRIPE_CHECKOUT_ORIGIN"] == "http://127.0.0.1:9102"
