"""The header's language link (?lang=) with hand-edited values: never a server error, never a redirect off the
portal, and an unknown language changes nothing."""
from __future__ import annotations

import pytest

HOSTILE = ["xx", "", "%00", "en%0D%0ALocation:%20http://evil.example", "e" * 5000, "en&lang=ja", "EN",
           "en&next=//evil.example", "../../etc/passwd"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("page", ["/ichinomiya/", "/ichinomiya/facilities", "/ichinomiya/juminhyo/", "/login",
                                  "/ichinomiya/99999999999999999999999/"])
def test_hand_edited_language_values_answer_without_a_server_error(client, page, value):
    response = client.get(f"{page}?lang={value}")
    assert response.status_code < 500, (page, value)
    location = response.headers.get("Location", "")
    assert not location.startswith(("http://evil", "//")), location
    assert "\n" not in location and "\r" not in location


def test_an_unknown_language_keeps_the_page_in_japanese(client):
    client.get("/ichinomiya/?lang=xx", follow_redirects=True)
    assert 'lang="ja"' in client.get("/ichinomiya/").get_data(as_text=True)
