"""The cancellation pages in Chromium, with axe-core and a screenshot of each (E2E_SCREENSHOTS, default
/tmp/portal-e2e): the resident's confirmation and cancelled pages on a phone (390×844, also without JavaScript),
the staff's confirmation and the list of people to phone on a desktop (1280×900). Served by the payments world's
live portal, so the card refund crosses the Stripe emulator."""
from __future__ import annotations

import pytest

from portal.events.models import EventRegistration
from tests.e2e.conftest import PHONE, Accessibility
from tests.integration.events_factory import NOW
from tests.integration.test_event_cancel import walk_in
from tests.integration.test_event_cancel_payments import (
    QUESTIONS,
    applied,
    cancel_url,
    paid_by_card,
    paid_event,
    payment_of,
)

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def world(pay):
    pay.app.extensions["clock"] = lambda: NOW
    yield pay
    pay.app.extensions.pop("clock", None)


def browser_with(browser, pay, client, viewport, javascript=True):
    """A browser context carrying the test client's signed-in session cookie."""
    name = pay.app.config.get("SESSION_COOKIE_NAME", "session")
    cookie = client.get_cookie(name)
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="ja-JP",
                                  java_script_enabled=javascript, is_mobile=viewport == PHONE,
                                  has_touch=viewport == PHONE)
    context.add_cookies([{"name": name, "value": cookie.value, "url": pay.world.portal_url}])
    return context


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_resident_cancels_a_paid_registration_on_a_phone(browser, world, javascript, request):
    pay = world
    a11y = Accessibility(request.node.name)
    event = paid_event(pay, department="生涯学習課", contact="電話 0586-28-9999")
    registration = paid_by_card(pay, event, pay.resident())
    context = browser_with(browser, pay, pay.client, PHONE, javascript)
    page = context.new_page()
    # axe needs JavaScript: without it the pages are only shown and used (the JS-on run checks them)
    check = a11y.check if javascript else (lambda page, label: page.screenshot(
        path=str(a11y.directory / f"{label}.png"), full_page=True))
    page.goto(pay.world.portal_url + cancel_url(registration))
    check(page, "cancel-confirm")
    assert page.get_by_role("heading", name="お申込みを取り消しますか").is_visible()
    assert page.locator("#cancel-money").inner_text() == \
        "お支払いの 1,800円 は全額返金されます（カードへの返金は数日かかります）。"
    page.get_by_role("button", name="申込を取り消す").click()
    page.wait_for_url(f"**/events/registrations/{registration.reference}")
    page.goto(pay.world.portal_url + cancel_url(registration))
    check(page, "cancel-done")
    assert page.get_by_text("返金: 1,800円（返金済み）").is_visible()
    assert payment_of(pay, registration).status == "refunded"
    context.close()


def test_staff_cancel_a_session_and_print_the_phone_list_on_a_desktop(browser, world, request):
    pay = world
    a11y = Accessibility(request.node.name)
    event = paid_event(pay, (20,), department="生涯学習課", contact="電話 0586-28-9999")
    paid_by_card(pay, event, pay.resident(pay.app.test_client()))
    applied(pay, event, pay.resident(pay.app.test_client()), party={"infant": 1}, email="taro@example.com",
            lang="en")
    walk_in(pay.db, event, "当日 花子", 2)
    walk_in(pay.db, event, "窓口 次郎", 1)
    staff = pay.staff()
    staff.procedures[0].definition_key = QUESTIONS["id"]
    pay.db.commit()
    context = browser_with(browser, pay, pay.staff_client(staff), DESKTOP)
    page = context.new_page()
    page.goto(f"{pay.world.portal_url}/ichinomiya/backoffice/events/sessions/{event.sessions[0].id}/cancel")
    a11y.check(page, "staff-cancel-confirm")
    page.get_by_role("button", name="この回を中止して、4件のお申込みを取り消す").click()
    page.wait_for_load_state("load")
    a11y.check(page, "staff-cancel-no-reason")
    assert page.get_by_role("alert").is_visible()
    page.get_by_label("中止の理由").fill("講師の急病のため")
    page.get_by_role("button", name="この回を中止して、4件のお申込みを取り消す").click()
    page.wait_for_url("**/cancel")
    a11y.check(page, "staff-cancel-done")
    assert page.get_by_role("heading", name="電話で連絡してください — スマホ教室").is_visible()
    assert page.get_by_role("button", name="印刷する").is_visible()
    page.emulate_media(media="print")
    page.screenshot(path=str(a11y.directory / "99-print.png"), full_page=True)
    pay.fresh()
    assert {r.status for r in pay.db.query(EventRegistration)} == {"cancelled"}
    context.close()
