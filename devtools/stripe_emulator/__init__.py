"""A small Stripe API emulator for local development and tests.

Covers what the portal uses: Checkout Sessions in payment mode with card,
konbini and PayPay, PaymentIntents, refunds, events and signed webhooks,
plus test controls (time travel, outcomes, webhook faults) under /_emulator.
See README.md in this folder.
"""

from .app import Emulator, create_app
from .config import EmulatorConfig

__all__ = ["Emulator", "EmulatorConfig", "create_app"]
