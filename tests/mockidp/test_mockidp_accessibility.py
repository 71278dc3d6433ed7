"""axe-core and a 320px-wide phone on every page of the sign-in, in Debian's Chromium."""
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    # A failed CSP or a missing asset shows up as a console error.
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.console_errors = console_errors
    yield page
    context.close()


def assert_accessible(page, what: str, expected_console_errors: int = 0):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{what} scrolls sideways at 320px ({width}px)"
    assert len(page.console_errors) == expected_console_errors, f"{what}: {page.console_errors}"
    page.console_errors.clear()
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "", "stylesheet did not load"


def test_every_page_passes_axe_on_a_phone(browser_page, live_idp, oidc):
    page = browser_page
    issuer = live_idp()
    authorize_url = f"{issuer}/authorize?" + urlencode(oidc.AuthRequest().params())

    page.goto(issuer + "/")
    assert_accessible(page, "index")

    page.goto(authorize_url)
    assert_accessible(page, "choose card")

    page.check("#persona-sato-masao")
    page.click("button:has-text('このカードを読み取る')")
    page.fill("#pin", "0000")
    page.click("button:has-text('次へ')")
    assert page.locator("[role=alert]").count() == 1
    assert_accessible(page, "PIN with a wrong-PIN notice")

    page.fill("#pin", "0000")
    page.click("button:has-text('次へ')")
    page.fill("#pin", "0000")
    page.click("button:has-text('次へ')")
    assert_accessible(page, "locked card")

    page.click("button:has-text('別のカードを選ぶ')")
    assert page.locator("text=ロックを解除（デモ）").count() == 1
    assert_accessible(page, "choose card with a locked card")

    page.click("button:has-text('ロックを解除（デモ）')")
    assert_accessible(page, "choose card after unlocking")

    page.check("#persona-da-silva-maria")
    page.click("button:has-text('このカードを読み取る')")
    page.fill("#pin", "1234")
    page.click("button:has-text('次へ')")
    assert page.locator("dt").count() == 5
    assert_accessible(page, "consent with the longest name")

    response = page.goto(f"{issuer}/authorize?client_id=unknown&response_type=code")
    assert response.status == 400
    # The only console error is Chromium reporting the page's own 400 status.
    assert_accessible(page, "error page", expected_console_errors=1)
