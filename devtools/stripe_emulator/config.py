"""Emulator settings, from CLI flags or environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_WEBHOOK_SECRET = "whsec_dev_emulator"
DEFAULT_PORT = 8002


def _sdk_api_version() -> str:
    # Events carry the API version they were rendered with; matching the
    # installed SDK keeps `stripe.Webhook.construct_event` free of warnings.
    try:
        import stripe

        return str(stripe.api_version)
    except Exception:  # pragma: no cover - the SDK is a project dependency
        return "2025-01-27.acacia"


def _split_urls(value: str | None) -> list[str]:
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def _parse_delays(value: str | None) -> tuple[float, ...] | None:
    if not value:
        return None
    return tuple(float(part) for part in value.split(",") if part.strip())


@dataclass
class EmulatorConfig:
    webhook_urls: list[str] = field(default_factory=list)
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET
    # Base URL the *browser* uses for hosted pages; defaults to the host the
    # API request came in on (fine when portal and browser share localhost).
    public_url: str | None = None
    state_file: str | None = None
    # Real Stripe (API >= 2022-08-01) only creates the PaymentIntent when the
    # customer confirms; the default here creates it with the session.
    deferred_payment_intent: bool = False
    # Stripe retries failed deliveries for days; locally a few quick retries
    # are enough to exercise the portal's retry handling.
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0)
    delivery_timeout: float = 5.0
    # How often due work (session expiry, konbini voucher lapse) is checked
    # against the emulated clock when nobody advances it explicitly.
    tick_interval: float = 1.0
    api_version: str = field(default_factory=_sdk_api_version)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EmulatorConfig:
        env = os.environ if environ is None else environ
        config = cls(
            webhook_urls=_split_urls(env.get("STRIPE_EMULATOR_WEBHOOK_URL")),
            webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or DEFAULT_WEBHOOK_SECRET,
            public_url=env.get("STRIPE_EMULATOR_PUBLIC_URL") or None,
            state_file=env.get("STRIPE_EMULATOR_STATE_FILE") or None,
            deferred_payment_intent=env.get("STRIPE_EMULATOR_DEFERRED_PAYMENT_INTENT", "").lower()
            in ("1", "true", "yes"),
        )
        delays = _parse_delays(env.get("STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS"))
        if delays is not None:
            config.retry_delays = delays
        return config
