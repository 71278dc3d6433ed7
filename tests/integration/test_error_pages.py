"""The portal's own error pages: in Japanese and English, in the layout of the area the visitor was in, never
Werkzeug's raw English page; the 500 page survives a broken layout."""
from __future__ import annotations

import pytest

from portal import create_app
from tests.conftest import app_config, sign_in_as
from tests.integration.backoffice import sign_in_staff
from tests.integration.helpers import post

WERKZEUG = ("The requested URL was not found", "Method Not Allowed", "Request Entity Too Large", "Too Many Requests",
            "Internal Server Error", "The CSRF token")


def assert_portal_page(response, code: int, *texts: str) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == code, page[:300]
    assert response.mimetype == "text/html" and 'class="site-header' in page, page[:300]
    assert not any(raw in page for raw in WERKZEUG), page
    for text in texts:
        assert text in page, (text, page[:2000])
    return page


def english(client) -> None:
    with client.session_transaction() as browser_session:
        browser_session["lang"] = "en"


def test_404_in_japanese_and_english(client):
    assert_portal_page(client.get("/ichinomiya/no-such-page"), 404, "ページが見つかりません", "一宮市")
    assert_portal_page(client.get("/nowhere/"), 404, "ページが見つかりません")
    english(client)
    assert_portal_page(client.get("/ichinomiya/no-such-page"), 404, "Page not found")


def test_ids_beyond_what_the_database_holds_are_not_found(client, make_resident):
    """PostgreSQL's INTEGER refuses 2^31 as a parameter, SQLite 2^63: either would be a 500."""
    sign_in_as(client, make_resident())
    for url in ("/ichinomiya/mypage/bookings/2147483648", "/ichinomiya/payments/99999999999999999999/return",
                "/ichinomiya/mypage/bookings/99999999999999999999",
                "/ichinomiya/mypage/bookings/9223372036854775808.ics",
                "/ichinomiya/payments/9223372036854775807/receipt.pdf"):
        assert_portal_page(client.get(url), 404, "ページが見つかりません")


def test_405_keeps_its_allow_header(client):
    response = client.get("/payments/stripe/webhook")
    assert_portal_page(response, 405, "この操作はできません")
    assert "POST" in response.headers["Allow"]


def test_413_says_the_file_is_too_large(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = post(client, "/lang", {"lang": "en", "padding": "x" * 4096})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert_portal_page(response, 413, "送信された内容が大きすぎます")


def test_429_says_wait_and_retry(limited_app):
    client = limited_app().test_client()
    codes = [client.get("/login").status_code for _ in range(31)]
    assert codes[-1] == 429, codes
    response = client.get("/login")
    assert_portal_page(response, 429, "しばらく待ってから")
    english(client)
    assert_portal_page(client.get("/login"), 429, "Please wait")


def test_an_expired_form_says_so_and_how_to_go_on(client):
    response = client.post("/lang", data={"lang": "en", "csrf_token": "stale"})
    assert_portal_page(response, 400, "ページの有効期限が切れました", "もう一度お試しください")
    english(client)
    assert_portal_page(client.post("/lang", data={"lang": "ja"}), 400, "This page has expired")


def test_the_back_office_has_its_own_layout(client, make_staff):  # noqa: F811
    sign_in_staff(client, make_staff())
    page = assert_portal_page(client.get("/ichinomiya/backoffice/submissions/ZZZZ-ZZZZ"), 404, "ページが見つかりません")
    assert "職員用" in page and "申請一覧へ戻る" in page
    # An unknown municipality under /backoffice has no back office to show: the residents' page.
    assert_portal_page(client.get("/nowhere/backoffice/"), 404, "ページが見つかりません")


@pytest.fixture
def broken_app(tmp_path, mail_sink):
    """A production-like app (errors are answered, not raised) whose database cannot be opened."""
    url = f"sqlite:///{tmp_path / 'missing' / 'portal.sqlite3'}"
    return create_app(app_config(url, tmp_path, TESTING=False, SMTP_PORT=mail_sink.port))


def test_500_is_the_portal_page(broken_app):
    client = broken_app.test_client()
    assert_portal_page(client.get("/ichinomiya/"), 500, "システムでエラーが起きました")


def test_500_falls_back_to_a_minimal_page_when_the_layout_fails_too(broken_app):
    def url_for_that_fails(*_args, **_kwargs):
        raise RuntimeError("the layout is broken as well")

    broken_app.jinja_env.globals["url_for"] = url_for_that_fails
    response = broken_app.test_client().get("/ichinomiya/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "システムでエラーが起きました" in page and "A system error occurred" in page
