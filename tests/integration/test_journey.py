"""The resident's journey through the Flask test client, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.notifications.models import OutboxEmail
from portal.procedures.models import Draft, Submission
from tests.conftest import sign_in_as
from tests.integration.helpers import JUMINHYO_SELF, answer, draft_token, form_version, location_path, post, start


def complete_juminhyo(client, steps=JUMINHYO_SELF) -> str:
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    for step_id, data in steps:
        response = answer(client, "ichinomiya", token, step_id, data)
        assert response.status_code == 302, (step_id, response.get_data(as_text=True)[:2000])
    return token


def test_catalogue_groups_procedures_by_life_event_and_is_per_municipality(client):
    page = client.get("/ichinomiya/").get_data(as_text=True)
    assert "住民票の写しの交付請求" in page and "犬の死亡届" in page and "証明書" in page
    anjo = client.get("/anjo/").get_data(as_text=True)
    assert "住民票の写しの交付請求" in anjo and "犬の死亡届" not in anjo
    assert client.get("/anjo/procedures/ichinomiya-dog-death").status_code == 404
    assert client.get("/nowhere/").status_code == 404


def test_catalogue_search(client):
    page = client.get("/ichinomiya/?q=住民票").get_data(as_text=True)
    assert "住民票の写しの交付請求" in page and "犬の死亡届" not in page
    page = client.get("/ichinomiya/?q=dog").get_data(as_text=True)
    assert "犬の死亡届" in page and "住民票の写しの交付請求" not in page


def test_catalogue_search_by_reading_and_romaji(client):
    for query in ("じゅうみんひょう", "ジュウミンヒョウ", "ｼﾞｭｳﾐﾝﾋｮｳ", "juminhyo", "juuminhyou", "ＪＵＭＩＮＨＹＯ",
                  "jūminhyō"):
        page = client.get("/ichinomiya/", query_string={"q": query}).get_data(as_text=True)
        assert "住民票の写しの交付請求" in page and "犬の死亡届" not in page, query
    for query in ("いぬ", "inu shibo", "たいいくかん"):
        page = client.get("/ichinomiya/", query_string={"q": query}).get_data(as_text=True)
        assert ("犬の死亡届" in page) == (query != "たいいくかん") and "住民票の写しの交付請求" not in page, query
    page = client.get("/ichinomiya/", query_string={"q": "たいいくかん"}).get_data(as_text=True)
    assert "公共施設の利用申込" in page
    page = client.get("/ichinomiya/", query_string={"q": "juminhyo inu"}).get_data(as_text=True)
    assert "見つかりませんでした" in page


def test_signed_in_procedure_sends_anonymous_visitors_to_login(client):
    # the start page's button is a GET to the sign-in page; a POST (an older page) is sent there too
    response = post(client, "/ichinomiya/procedures/juminhyo/start")
    assert response.status_code == 302 and location_path(response).startswith("/login?next=")


def test_full_journey_with_identity_prefill_check_submit_and_email(client, db, make_resident, mail_sink):
    resident = make_resident()
    sign_in_as(client, resident)
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    answer(client, "ichinomiya", token, "requester", {"requester": "self"})

    page = client.get(f"/ichinomiya/drafts/{token}/steps/applicant").get_data(as_text=True)
    assert "一宮 花子" in page and "マイナンバーカードから" in page and "ここでは変更できません" in page
    assert "491-0859" in page and 'name="name"' not in page

    # A tampered locked field is ignored: the card's name stands.
    data = dict(JUMINHYO_SELF[1][1], name="別人 太郎")
    assert answer(client, "ichinomiya", token, "applicant", data).status_code == 302
    for step_id, data in JUMINHYO_SELF[2:]:
        assert answer(client, "ichinomiya", token, step_id, data).status_code == 302

    check = client.get(f"/ichinomiya/drafts/{token}/check").get_data(as_text=True)
    assert "入力内容の確認" in check and "900円" in check and "イチノミヤ\u3000ハナコ" in check

    response = post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    assert response.status_code == 302
    confirmation = client.get(location_path(response)).get_data(as_text=True)
    submission = db.scalar(select(Submission))
    assert submission.reference in confirmation
    assert submission.answers["name"] == "一宮 花子"
    assert submission.fee_amount == 900 and submission.status == "received"
    assert set(submission.identity_fields) == {"name", "birthdate", "address"}
    assert submission.definition.version == form_version("juminhyo.yaml")

    message = mail_sink.wait_for(lambda m: submission.reference in m["Subject"])
    assert message["To"] == "hanako@example.jp"
    assert "住民票の写しの交付請求" in message.get_content()
    assert db.scalar(select(OutboxEmail)).status == "sent"


def test_validation_errors_keep_every_answer(client, make_resident):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    answer(client, "ichinomiya", token, "requester", {"requester": "self"})
    response = answer(client, "ichinomiya", token, "applicant",
                      {"name_kana": "Hanako", "phone": "090-1234-5678", "email": "not-an-email"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "error-summary" in page and 'href="#f-name_kana"' in page and 'href="#f-email"' in page
    assert 'value="Hanako"' in page and 'value="090-1234-5678"' in page and 'value="not-an-email"' in page


def test_conditional_steps_and_hidden_answers_are_not_stored(client, db, make_resident):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    response = answer(client, "ichinomiya", token, "requester", {"requester": "household"})
    assert location_path(response).endswith("/steps/applicant")
    answer(client, "ichinomiya", token, "applicant", JUMINHYO_SELF[1][1])
    page = client.get(f"/ichinomiya/drafts/{token}/steps/target").get_data(as_text=True)
    assert "請求する方との続柄" in page and "委任状" not in page
    answer(client, "ichinomiya", token, "target", {
        "target_name": "一宮 次郎", "target_kana": "イチノミヤ ジロウ",
        "target_birthdate__year": "2015", "target_birthdate__month": "6", "target_birthdate__day": "1",
        "relationship": "長男"})
    assert db.scalar(select(Draft)).answers["relationship"] == "長男"
    # Going back and choosing "self" hides the target step: its answers are dropped.
    answer(client, "ichinomiya", token, "requester", {"requester": "self"})
    db.expire_all()
    answers = db.scalar(select(Draft)).answers
    assert "target_name" not in answers and "relationship" not in answers
    assert client.get(f"/ichinomiya/drafts/{token}/steps/target").status_code == 404


def test_steps_cannot_be_skipped_by_url(client, make_resident):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    response = client.get(f"/ichinomiya/drafts/{token}/steps/delivery")
    assert location_path(response).endswith("/steps/requester")
    assert location_path(client.get(f"/ichinomiya/drafts/{token}/check")).endswith("/steps/requester")


def test_draft_is_kept_and_resumed_from_my_page(client, app, make_resident):
    resident = make_resident()
    sign_in_as(client, resident)
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    answer(client, "ichinomiya", token, "requester", {"requester": "self"})
    response = answer(client, "ichinomiya", token, "applicant", dict(JUMINHYO_SELF[1][1], intent="later"))
    assert location_path(response) == "/ichinomiya/mypage/"

    other_browser = app.test_client()  # the browser was closed: a new one, signed in again
    sign_in_as(other_browser, resident)
    page = other_browser.get("/ichinomiya/mypage/").get_data(as_text=True)
    assert "住民票の写しの交付請求" in page and f"/drafts/{token}/steps/contents" in page
    step = other_browser.get(f"/ichinomiya/drafts/{token}/steps/applicant").get_data(as_text=True)
    assert 'value="hanako@example.jp"' in step


def test_double_submit_creates_one_submission(client, db, make_resident):
    sign_in_as(client, make_resident())
    token = complete_juminhyo(client)
    first = post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    second = post(client, f"/ichinomiya/drafts/{token}/submit", page="/ichinomiya/procedures/juminhyo")
    assert first.headers["Location"] == second.headers["Location"]
    assert db.scalar(select(func.count()).select_from(Submission)) == 1
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 1


def test_concurrent_submit_clicks_create_one_submission(app, client, db, make_resident):
    sign_in_as(client, make_resident())
    token = complete_juminhyo(client)
    url = f"/ichinomiya/drafts/{token}/submit"
    from tests.integration.helpers import csrf_token

    tokens = [csrf_token(client, f"/ichinomiya/drafts/{token}/check") for _ in range(4)]
    cookie = client.get_cookie("session").value
    results = []

    def click(csrf):
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        results.append(browser.post(url, data={"csrf_token": csrf}))

    threads = [threading.Thread(target=click, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4  # no click died on "database is locked"
    assert {r.status_code for r in results} == {302}
    assert len({r.headers["Location"] for r in results}) == 1
    assert db.scalar(select(func.count()).select_from(Submission)) == 1


def test_once_only_answers_are_offered_next_time(client, make_resident):
    sign_in_as(client, make_resident())
    token = complete_juminhyo(client)
    post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    token = draft_token(start(client, "ichinomiya", "ichinomiya-dog-death"))
    page = client.get(f"/ichinomiya/drafts/{token}/steps/owner").get_data(as_text=True)
    assert "前回の申請から" in page and 'value="hanako@example.jp"' in page


def test_anonymous_survey_without_sign_in(client, app, db):
    token = draft_token(start(client, "anjo", "consultation"))
    answer(client, "anjo", token, "message",
           {"topic": "town", "body": "公園のベンチを増やしてください", "wants_reply": "yes"})
    answer(client, "anjo", token, "contact", {"name": "匿名 希望", "email": "kibou@example.jp"})
    response = post(client, f"/anjo/drafts/{token}/submit", page=f"/anjo/drafts/{token}/check")
    confirmation_url = location_path(response)
    assert client.get(confirmation_url).status_code == 200
    submission = db.scalar(select(Submission))
    assert submission.resident_id is None and submission.contact_email == "kibou@example.jp"
    assert app.test_client().get(confirmation_url).status_code == 404


def test_withdraw_before_staff_start(client, db, make_resident):
    sign_in_as(client, make_resident())
    token = complete_juminhyo(client)
    post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    submission = db.scalar(select(Submission))
    url = f"/ichinomiya/mypage/submissions/{submission.reference}"
    assert "申請を取り下げる" in client.get(url).get_data(as_text=True)
    post(client, url + "/withdraw", page=url)
    db.expire_all()
    assert db.scalar(select(Submission)).status == "withdrawn"
    assert "申請を取り下げる" not in client.get(url).get_data(as_text=True)


def test_residents_only_procedure_refuses_other_residents(client, make_resident):
    sign_in_as(client, make_resident("anjo"))
    page = client.get("/ichinomiya/procedures/ichinomiya-dog-death").get_data(as_text=True)
    assert "住民登録がある方のみ" in page
    response = post(client, "/ichinomiya/procedures/ichinomiya-dog-death/start", page="/ichinomiya/")
    assert response.status_code == 403


def test_postal_code_api(client):
    assert client.get("/api/postal-codes/4918501").get_json()["city"] == "一宮市"
    assert client.get("/api/postal-codes/0000000").status_code == 404


def test_postal_lookup_works_without_javascript_and_saves_nothing(client, db, make_resident):
    sign_in_as(client, make_resident())
    steps = JUMINHYO_SELF[:3] + [("delivery", {"delivery": "other"})]
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    for step_id, data in steps:
        answer(client, "ichinomiya", token, step_id, data)
    response = answer(client, "ichinomiya", token, "delivery_address",
                      {"field_action": "delivery_to", "delivery_to__postal_code": "４９１８５０１",
                       "delivery_name": "株式会社一宮"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="一宮市"' in page and 'value="株式会社一宮"' in page
    db.expire_all()
    assert "delivery_to" not in db.scalar(select(Draft)).answers


def test_other_purpose_needs_its_detail_and_keeps_every_answer(client, db, make_resident):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    for step_id, data in JUMINHYO_SELF[:2]:
        answer(client, "ichinomiya", token, step_id, data)
    page = client.get(f"/ichinomiya/drafts/{token}/steps/contents").get_data(as_text=True)
    assert "使いみちの詳細（「その他」を選んだ場合は必須）" in page
    contents = {"copies": "2", "scope": "person", "include": ["head"], "purpose": "other", "purpose_note": " "}
    response = answer(client, "ichinomiya", token, "contents", contents)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'href="#f-purpose_note"' in page and "「その他」を選んだ場合は、使いみちの詳細を入力してください" in page
    assert 'value="2"' in page and 'value="other" checked' in page and 'value="head" checked' in page
    assert "purpose" not in db.scalar(select(Draft)).answers
    response = answer(client, "ichinomiya", token, "contents", {**contents, "purpose_note": "パスポートの申請"})
    assert response.status_code == 302
    db.expire_all()
    assert db.scalar(select(Draft)).answers["purpose_note"] == "パスポートの申請"
