"""Page weight on a phone, measured in Chromium: bytes on the wire (headers included, as compressed) of a first
visit to the catalogue and to a form step, and what a repeat visit fetches — the HTML only."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PHONE

FIRST_VISIT_BUDGET = 20_000  # bytes


class Wire:
    """What one page load took from the network, from Chromium's DevTools protocol."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        self.responses: dict[str, dict] = {}
        self.from_cache: set[str] = set()
        self.encoded: dict[str, int] = {}
        self.cdp.on("Network.responseReceived", lambda e: self.responses.__setitem__(e["requestId"], e))
        self.cdp.on("Network.requestServedFromCache", lambda e: self.from_cache.add(e["requestId"]))
        self.cdp.on("Network.loadingFinished",
                    lambda e: self.encoded.__setitem__(e["requestId"], int(e["encodedDataLength"])))

    def reset(self) -> None:
        self.responses.clear()
        self.from_cache.clear()
        self.encoded.clear()

    def fetched(self) -> list[dict]:
        """The responses that came over the network (not from the memory or disk cache)."""
        return [e for rid, e in self.responses.items()
                if rid not in self.from_cache and not e["response"].get("fromDiskCache")
                and not e["response"].get("fromServiceWorker")]

    def bytes(self) -> int:
        return sum(size for rid, size in self.encoded.items() if rid not in self.from_cache)


def visit_twice(page, wire, url: str):
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)  # the last loadingFinished events
    first = (wire.bytes(), [(e["type"], e["response"]["url"], e["response"]["headers"]) for e in wire.fetched()])
    wire.reset()
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)
    repeat = [(e["type"], e["response"]["url"]) for e in wire.fetched()]
    return first, repeat


def check(first, repeat, url: str) -> None:
    size, fetched = first
    print(f"\n{url}: first visit {size} bytes in {len(fetched)} responses; repeat visit fetches {repeat}")
    assert size <= FIRST_VISIT_BUDGET, f"first visit to {url}: {size} bytes in {len(fetched)} responses"
    statics = [(kind, address, headers) for kind, address, headers in fetched if "/static/" in address]
    assert {kind for kind, _a, _h in statics} >= {"Stylesheet", "Script"}
    for _kind, address, headers in statics:
        lowered = {k.lower(): v for k, v in headers.items()}
        assert re.search(r"-[0-9a-f]{32}\.", address), address
        assert "immutable" in lowered["cache-control"], (address, lowered["cache-control"])
        assert lowered.get("content-encoding") in ("br", "gzip"), address
    document = [headers for kind, _a, headers in fetched if kind == "Document"]
    assert {k.lower(): v for k, v in document[0].items()}.get("content-encoding") in ("br", "gzip")
    # Chromium's favicon service fetches the icon on a schedule of its own, past the page's HTTP cache: not the
    # page's weight (its URL is hashed and immutable like every static file, checked above when it was fetched)
    page_requests = [kind for kind, address in repeat if "/static/img/favicon-" not in address]
    assert page_requests == ["Document"], repeat


@pytest.fixture
def fresh_phone(browser, live, mail_sink):
    from tests.conftest import reset_database

    reset_database(live.portal)
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="ja-JP", is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_catalogue_first_visit_within_budget_repeat_visit_html_only(fresh_phone, live):
    page = fresh_phone
    wire = Wire(page)
    url = f"{live.portal_url}/ichinomiya/"
    first, repeat = visit_twice(page, wire, url)
    check(first, repeat, url)


def test_form_step_first_visit_within_budget_repeat_visit_html_only(fresh_phone, live):
    page = fresh_phone
    page.goto(f"{live.portal_url}/ichinomiya/procedures/consultation")
    page.get_by_role("button", name="申請をはじめる").click()
    page.wait_for_url("**/steps/**")
    step_url = page.url
    # a phone arriving at the step with nothing cached: a new context with the same session cookie
    cookies = page.context.cookies()
    context = page.context.browser.new_context(viewport=PHONE, device_scale_factor=1, locale="ja-JP",
                                               is_mobile=True, has_touch=True)
    try:
        context.add_cookies(cookies)
        fresh = context.new_page()
        wire = Wire(fresh)
        first, repeat = visit_twice(fresh, wire, step_url)
        assert "ご意見" in fresh.content()
        check(first, repeat, step_url)
    finally:
        context.close()
