"""End-to-end fixtures: the portal and the mock identity provider served on real localhost ports,
driven by Debian's Chromium through Playwright, with axe-core on the pages a journey visits."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from portal import create_app
from tests.conftest import app_config, reset_database
from tests.live_server import LiveServer

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "portal-e2e"))


@pytest.fixture(scope="session")
def live(database_url, mail_sink, tmp_path_factory):
    """The portal and the mock provider, each on its own port, configured for each other."""
    from portal.mockidp import create_app as create_idp

    portal_server, idp_server = LiveServer(), LiveServer()
    tmp = tmp_path_factory.mktemp("live")
    secret = "e2e-client-secret"
    idp = create_idp({
        "MOCKIDP_ISSUER": idp_server.url,
        "MOCKIDP_DATA_DIR": str(tmp / "idp"),
        "MOCKIDP_CLIENTS": [{"client_id": "portal", "client_secret": secret,
                             "redirect_uris": [f"{portal_server.url}/auth/callback"]}],
        "SECRET_KEY": "e2e-idp-secret",
    })
    portal = create_app(app_config(
        database_url, tmp,
        SMTP_PORT=mail_sink.port,
        OIDC_DISCOVERY_URL=f"{idp_server.url}/.well-known/openid-configuration",
        OIDC_CLIENT_SECRET=secret,
        PUBLIC_URL=portal_server.url,
    ))
    idp_server.start(idp)
    portal_server.start(portal)
    yield type("Live", (), {"portal": portal, "portal_url": portal_server.url, "idp_url": idp_server.url})
    portal_server.stop()
    idp_server.stop()


@pytest.fixture
def phone(browser, live, mail_sink):
    """A fresh phone-sized browser context on a clean database."""
    reset_database(live.portal)
    mail_sink.clear()
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="ja-JP", is_mobile=True, has_touch=True)
    errors: list[str] = []
    context.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    context.console_errors = errors
    yield context.new_page()
    context.close()


class Accessibility:
    """Runs axe-core on each page a journey visits and keeps a screenshot of it."""

    def __init__(self, name: str):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.name = name
        self.checked: list[str] = []
        self.directory = SCREENSHOTS / name
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True, exist_ok=True)

    def check(self, page, label: str) -> None:
        page.wait_for_load_state("load")
        index = len(self.checked) + 1
        page.screenshot(path=str(self.directory / f"{index:02d}-{label}.png"), full_page=True)
        # The page itself must break no Content-Security-Policy rule and load every resource; axe
        # injects styles of its own, so what it triggers afterwards is cleared, not counted.
        errors = getattr(page.context, "console_errors", [])
        # A failed validation answers 422 on purpose; Chromium logs that status like a failed load.
        errors[:] = [e for e in errors if "status of 422" not in e]
        assert not errors, f"console errors on {label} ({page.url}): {errors}"
        results = self.axe.run(page)
        page.wait_for_timeout(50)
        errors.clear()
        violations = results.response["violations"]
        summary = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        assert not violations, f"axe violations on {label} ({page.url}): {summary}"
        self.checked.append(label)


@pytest.fixture
def a11y(request):
    return Accessibility(request.node.name)


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
