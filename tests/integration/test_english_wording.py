"""English wording residents noticed: counted units in the singular for one ("1 copy"), error messages that do
not read "Choose Record requested", ASCII brackets and separators in English (never （）「」、)."""
from __future__ import annotations

import re

from tests.conftest import sign_in_as
from tests.integration.helpers import JUMINHYO_SELF, answer, draft_token, start, switch_language


def _english(client) -> None:
    switch_language(client, "en", "/ichinomiya/")


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_one_copy_is_singular_and_the_fee_shows_its_breakdown(client, make_resident):
    sign_in_as(client, make_resident())
    _english(client)
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    for step_id, data in JUMINHYO_SELF:
        if step_id == "contents":
            data = {**data, "copies": "1"}
        assert answer(client, "ichinomiya", token, step_id, data).status_code == 302
    check = _text(client.get(f"/ichinomiya/drafts/{token}/check"))
    assert "1 copy" in check and "1 copies" not in check
    assert "¥300 × 1 copy = ¥300" in check
    assert answer(client, "ichinomiya", token, "contents", {**JUMINHYO_SELF[2][1], "copies": "2"},
                  returning=True).status_code == 302
    check = _text(client.get(f"/ichinomiya/drafts/{token}/check"))
    assert "2 copies" in check and "¥300 × 2 copies = ¥600" in check
    assert not re.search(r"[（）「」、]", check), re.findall(r".{20}[（）「」、].{20}", check)
    start_page = _text(client.get("/ichinomiya/procedures/juminhyo"))
    assert "¥300 per copy" in start_page


def test_japanese_fee_breakdown_on_the_check_page(client, make_resident):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    for step_id, data in JUMINHYO_SELF:
        assert answer(client, "ichinomiya", token, step_id, data).status_code == 302
    check = _text(client.get(f"/ichinomiya/drafts/{token}/check"))
    assert "300円 × 3通 = 900円" in check and "3通" in check


def test_english_error_messages_name_the_question_without_bad_grammar(client, make_resident):
    sign_in_as(client, make_resident())
    _english(client)
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    page = _text(answer(client, "ichinomiya", token, "requester", {}))
    assert "Record requested: choose an answer" in page and "Choose Record requested" not in page
    assert answer(client, "ichinomiya", token, "requester", {"requester": "self"}).status_code == 302
    page = _text(answer(client, "ichinomiya", token, "applicant", {**JUMINHYO_SELF[1][1], "name_kana": "やまだ 1"}))
    assert "“1”" in page and "「" not in page
