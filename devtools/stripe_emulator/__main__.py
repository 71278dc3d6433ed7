"""Command line: ``python -m devtools.stripe_emulator --port 8002``."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from werkzeug.serving import run_simple

from .app import create_app
from .config import DEFAULT_PORT, EmulatorConfig


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.stripe_emulator",
                                     description="Local Stripe API emulator (test mode only).")
    parser.add_argument("--host", default=os.environ.get("STRIPE_EMULATOR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("STRIPE_EMULATOR_PORT", DEFAULT_PORT)))
    parser.add_argument(
        "--webhook-url",
        action="append",
        default=None,
        help="Webhook endpoint to deliver events to (repeatable). Env: STRIPE_EMULATOR_WEBHOOK_URL (comma-separated).",
    )
    parser.add_argument("--webhook-secret", default=None,
                        help="Signing secret. Env: STRIPE_WEBHOOK_SECRET (default whsec_dev_emulator).")
    parser.add_argument("--public-url", default=None,
                        help="Base URL browsers use for hosted pages. Env: STRIPE_EMULATOR_PUBLIC_URL.")
    parser.add_argument("--state-file", default=None,
                        help="Persist state as JSON here. Env: STRIPE_EMULATOR_STATE_FILE.")
    parser.add_argument(
        "--deferred-payment-intent",
        action="store_true",
        default=None,
        help="Create the PaymentIntent only when the customer pays, like Stripe API >= 2022-08-01.",
    )
    parser.add_argument("--retry-delays", default=None, help="Webhook retry delays in seconds, e.g. 0.5,1,2.")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> EmulatorConfig:
    config = EmulatorConfig.from_env()
    if args.webhook_url:
        config.webhook_urls = [url for value in args.webhook_url for url in value.split(",") if url]
    if args.webhook_secret:
        config.webhook_secret = args.webhook_secret
    if args.public_url:
        config.public_url = args.public_url
    if args.state_file:
        config.state_file = args.state_file
    if args.deferred_payment_intent:
        config.deferred_payment_intent = True
    if args.retry_delays:
        config.retry_delays = tuple(float(part) for part in args.retry_delays.split(",") if part)
    return config


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = build_config(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(config)
    endpoints = ", ".join(config.webhook_urls) or "none (POST /_emulator/webhooks/endpoints to add)"
    print(f"Stripe emulator on http://{args.host}:{args.port}  webhooks: {endpoints}", file=sys.stderr, flush=True)
    # Threaded so a webhook handler in the portal can call back into the API
    # while another request is in progress; no reloader (state is in memory).
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False, use_debugger=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
