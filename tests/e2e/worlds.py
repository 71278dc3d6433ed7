"""End-to-end worlds that several journeys share: the portal, the mock identity provider and the Stripe emulator
on real ports (``pay_live``), a test's browsers in them (``world``), and a tennis facility with the portal's
clock fixed (``booking``). The root conftest.py loads this module as a plugin, so tests ask for them by name."""
from __future__ import annotations

from datetime import date, time
from types import SimpleNamespace

import pytest

from devtools.stripe_emulator.testing import run_in_thread
from portal import create_app, db as portal_db
from portal.booking.domain.calendar import jst
from tests.conftest import app_config, reset_database
from tests.e2e.conftest import PHONE
from tests.integration.booking_factory import make_facility
from tests.integration.payments_env import WEBHOOK_SECRET, payment_config
from tests.live_server import LiveServer

# Tuesday 1 December 2026, 10:00 in Tokyo: next Tuesday is 8 December; the lottery for February 2027 takes
# applications from 1 to 10 December and draws on the 12th (the default lottery calendar).
TODAY = jst(date(2026, 12, 1), time(10, 0))
LOTTERY = {"schedule": {}, "scope": {"day_types": ["holiday"]},
           "policy": {"max_preferences": 3, "max_applications_per_person": 2, "win_cap_per_person": 1}}
SLUG = "test-tennis"


@pytest.fixture(scope="module")
def pay_live(database_url, mail_sink, tmp_path_factory):
    """Portal, mock identity provider and Stripe emulator on their own ports, configured for each other."""
    from portal.mockidp import create_app as create_idp

    portal_server, idp_server = LiveServer(), LiveServer()
    tmp = tmp_path_factory.mktemp("pay-live")
    emulator = run_in_thread(webhook_url=f"{portal_server.url}/payments/stripe/webhook", secret=WEBHOOK_SECRET,
                             retry_delays=(0.05, 0.1, 0.2))
    secret = "e2e-pay-client-secret"
    idp = create_idp({
        "MOCKIDP_ISSUER": idp_server.url,
        "MOCKIDP_DATA_DIR": str(tmp / "idp"),
        "MOCKIDP_CLIENTS": [{"client_id": "portal", "client_secret": secret,
                             "redirect_uris": [f"{portal_server.url}/auth/callback"]}],
        "SECRET_KEY": "e2e-pay-idp-secret",
    })
    portal = create_app(app_config(
        database_url, tmp, SMTP_PORT=mail_sink.port,
        OIDC_DISCOVERY_URL=f"{idp_server.url}/.well-known/openid-configuration",
        OIDC_CLIENT_SECRET=secret, PUBLIC_URL=portal_server.url, **payment_config(emulator.base_url),
    ))
    idp_server.start(idp)
    portal_server.start(portal)
    yield type("PayLive", (), {"portal": portal, "portal_url": portal_server.url, "emulator": emulator})
    portal_server.stop()
    idp_server.stop()
    emulator.stop()


def _context(browser, **kwargs):
    context = browser.new_context(locale="ja-JP", accept_downloads=True, **kwargs)
    errors: list[str] = []
    context.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    context.console_errors = errors
    return context


@pytest.fixture
def world(browser, pay_live, mail_sink):
    reset_database(pay_live.portal)
    mail_sink.clear()
    pay_live.emulator.reset()
    contexts = []

    def phone():
        context = _context(browser, viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
        contexts.append(context)
        return context.new_page()

    def desktop():
        context = _context(browser, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield type("World", (), {"live": pay_live, "phone": staticmethod(phone), "desktop": staticmethod(desktop)})
    for context in contexts:
        context.close()


@pytest.fixture
def booking(world):
    """The payments world plus a tennis facility (two courts, 土日祝 by lottery) and the portal's clock at TODAY."""
    app = world.live.portal
    with app.app_context():
        make_facility(portal_db.session(), slug=SLUG, lottery=LOTTERY,
                      description="砂入り人工芝コート2面。ラケット・ボールの貸出はありません。")
    moment = {"now": TODAY}
    app.extensions["clock"] = lambda: moment["now"]
    yield SimpleNamespace(live=world.live, phone=world.phone, set_clock=lambda when: moment.update(now=when))
    app.extensions.pop("clock", None)
