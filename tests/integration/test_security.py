"""Resident A's drafts, submissions and files are unreachable for anyone else, by id or by guess;
CSRF on every POST; cookie flags and the Content-Security-Policy."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal import create_app
from portal.procedures.models import Submission, UploadedFile
from tests.conftest import app_config, sign_in_as
from tests.integration.helpers import answer, draft_token, post, start

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def dog_death_answers():
    return [
        ("owner", {"phone": "0586-11-2233", "email": "owner@example.jp"}),
        ("dog", {"registration_number": "一宮第12345号", "dog_name": "ポチ", "death_date__year": "2026",
                 "death_date__month": "11", "death_date__day": "1",
                 "tag_photo": (io.BytesIO(PNG), "tag.png")}),
    ]


@pytest.fixture
def owned(client, db, make_resident):
    """Resident A with a submitted dog-death notification (with a photo) and an open draft."""
    owner = make_resident()
    sign_in_as(client, owner)
    token = draft_token(start(client, "ichinomiya", "ichinomiya-dog-death"))
    for step_id, data in dog_death_answers():
        response = answer(client, "ichinomiya", token, step_id, data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    draft = draft_token(start(client, "ichinomiya", "juminhyo"))
    submission = db.scalar(select(Submission))
    upload = db.scalar(select(UploadedFile))
    return {"submission": submission.reference, "file": upload.token, "draft": draft, "submitted_draft": token}


def object_urls(o):
    ref, draft = o["submission"], o["draft"]
    return [
        ("GET", f"/ichinomiya/drafts/{draft}/steps/requester"),
        ("POST", f"/ichinomiya/drafts/{draft}/steps/requester"),
        ("GET", f"/ichinomiya/drafts/{draft}/check"),
        ("POST", f"/ichinomiya/drafts/{draft}/submit"),
        ("POST", f"/ichinomiya/drafts/{draft}/delete"),
        ("GET", f"/ichinomiya/drafts/{o['submitted_draft']}/check"),
        ("GET", f"/ichinomiya/submissions/{ref}/confirmation"),
        ("GET", f"/ichinomiya/mypage/submissions/{ref}"),
        ("POST", f"/ichinomiya/mypage/submissions/{ref}/withdraw"),
        ("GET", f"/ichinomiya/mypage/submissions/{ref}/files/{o['file']}"),
    ]


def test_owner_reaches_everything(client, owned):
    for method, url in object_urls(owned):
        if method == "GET":
            assert client.get(url).status_code in (200, 302), url
    download = client.get(f"/ichinomiya/mypage/submissions/{owned['submission']}/files/{owned['file']}")
    assert download.data == PNG and download.mimetype == "image/png"


@pytest.mark.parametrize("who", ["other resident", "anonymous", "other municipality URL"])
def test_nobody_else_reaches_any_object(app, owned, make_resident, who):
    intruder = app.test_client()
    if who == "other resident":
        sign_in_as(intruder, make_resident())
    for method, url in object_urls(owned):
        if who == "other municipality URL":
            sign_in_as(intruder, make_resident("anjo"))
            url = url.replace("/ichinomiya/", "/anjo/")
        if method == "GET":
            response = intruder.get(url)
        else:
            response = post(intruder, url, {"requester": "self"})
        if who == "anonymous" and "/mypage/" in url:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 404, (who, method, url, response.status_code)


def test_guessing_references_finds_nothing(client, owned, make_resident, app):
    intruder = app.test_client()
    sign_in_as(intruder, make_resident())
    assert intruder.get(f"/ichinomiya/mypage/submissions/{owned['submission']}").status_code == 404
    assert intruder.get("/ichinomiya/mypage/submissions/AAAA-AAAA").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/ichinomiya/procedures/consultation/start", "/logout", "/lang", "/login"],
)
def test_posts_without_csrf_token_are_refused(client, url):
    assert client.post(url, data={"lang": "en"}).status_code == 400


def test_step_and_submit_without_csrf_token_are_refused(client, owned):
    assert client.post(f"/ichinomiya/drafts/{owned['draft']}/steps/requester",
                       data={"requester": "self"}).status_code == 400
    assert client.post(f"/ichinomiya/drafts/{owned['draft']}/submit").status_code == 400


def test_cookie_flags_and_security_headers(database_url, tmp_path, mail_sink, db):
    production_like = create_app(app_config(database_url, tmp_path, SESSION_COOKIE_SECURE=True))
    browser = production_like.test_client()
    response = browser.get("/ichinomiya/")
    # an anonymous page leaves the session alone: the first cookie comes with the language choice
    cookie = browser.get("/ichinomiya/?lang=en").headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_only_when_the_public_url_is_https(database_url, tmp_path, mail_sink, db):
    served = create_app(app_config(database_url, tmp_path, PUBLIC_URL="https://portal.example.jp"))
    assert served.test_client().get("/ichinomiya/").headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = create_app(app_config(database_url, tmp_path, PUBLIC_URL="http://127.0.0.1:8000"))
    assert "Strict-Transport-Security" not in plain.test_client().get("/ichinomiya/").headers


def test_sign_in_is_rate_limited(limited_app):
    limited = limited_app()
    browser = limited.test_client()
    statuses = [browser.get("/login").status_code for _ in range(35)]
    assert statuses[0] == 200 and statuses[-1] == 429
