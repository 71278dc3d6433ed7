"""Resident sign-in through the real protocol: the portal's Authlib client against the mock provider
served on a localhost port (discovery, PKCE S256, token and JWKS over HTTP)."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal import create_app
from portal.identity.models import Resident
from tests.conftest import app_config
from tests.integration.helpers import location_path, post
from tests.live_server import LiveServer

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    from portal.mockidp import create_app as create_idp

    server = LiveServer()
    idp = create_idp({
        "MOCKIDP_ISSUER": server.url,
        "MOCKIDP_DATA_DIR": str(tmp_path_factory.mktemp("idp")),
        "MOCKIDP_CLIENTS": [{"client_id": "portal", "client_secret": "oidc-test-secret",
                             "redirect_uris": ["http://localhost/auth/callback"]}],
        "SECRET_KEY": "oidc-test-idp",
    })
    server.start(idp)
    yield server, idp
    server.stop()


@pytest.fixture
def oidc_client(provider, database_url, db, mail_sink, tmp_path):
    server, _idp = provider
    app = create_app(app_config(
        database_url, tmp_path,
        SMTP_PORT=mail_sink.port,
        OIDC_DISCOVERY_URL=f"{server.url}/.well-known/openid-configuration",
        OIDC_CLIENT_SECRET="oidc-test-secret",
    ))
    return app.test_client()


def card_steps(idp_app, authorize_url: str, persona: str = "yamada-hanako", decision: str = "allow") -> str:
    """What the resident does at the provider: card, PIN, consent. Returns the redirect back."""
    browser = idp_app.test_client()
    path = authorize_url.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path
    for step, fields in (("card", {"persona_id": persona}), ("pin", {"pin": "1234"}),
                         ("consent", {"decision": decision})):
        page = browser.get(path).get_data(as_text=True)
        response = browser.post(path, data={"csrf_token": CSRF.search(page).group(1), "step": step, **fields})
    return response.headers["Location"]


def start_sign_in(client, next_path="/ichinomiya/mypage/"):
    page = client.get(f"/login?next={next_path}").get_data(as_text=True)
    next_value = html.unescape(re.search(r'name="next" value="([^"]*)" id="login-next"', page).group(1))
    response = post(client, "/login", {"next": next_value}, page="/login")
    assert response.status_code == 302
    return response.headers["Location"]


def test_sign_in_with_pkce_creates_the_resident_from_claims(oidc_client, provider, db):
    _server, idp = provider
    authorize = start_sign_in(oidc_client)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    assert query["scope"] == ["openid name address birthdate gender"]

    callback = card_steps(idp, authorize)
    response = oidc_client.get(location_path(callback))
    assert location_path(response) == "/ichinomiya/mypage/"
    resident = db.scalar(select(Resident))
    assert resident.claims["name"] == "山田 花子"
    assert resident.claims["address"]["locality"] == "一宮市"
    assert resident.sub.startswith("mock-") and not re.search(r"\d{12}", str(resident.claims))
    assert "山田 花子" in oidc_client.get("/ichinomiya/mypage/").get_data(as_text=True)


def test_sign_in_starts_a_new_session(oidc_client, provider):
    _server, idp = provider
    with oidc_client.session_transaction() as planted:
        planted["browser_key"] = "planted-by-an-attacker"
    callback = card_steps(idp, start_sign_in(oidc_client))
    oidc_client.get(location_path(callback))
    with oidc_client.session_transaction() as after:
        assert "browser_key" not in after and "resident_id" in after


def test_signing_in_twice_keeps_one_resident_and_refreshes_claims(oidc_client, provider, db):
    _server, idp = provider
    for _ in range(2):
        oidc_client.get(location_path(card_steps(idp, start_sign_in(oidc_client))))
    assert len(db.scalars(select(Resident)).all()) == 1


def test_denied_consent_returns_to_login_with_a_message(oidc_client, provider, db):
    _server, idp = provider
    callback = card_steps(idp, start_sign_in(oidc_client), decision="deny")
    response = oidc_client.get(location_path(callback))
    assert location_path(response) == "/login"
    assert "サインインが完了しませんでした" in oidc_client.get("/login").get_data(as_text=True)
    assert db.scalar(select(Resident)) is None


def test_forged_callback_state_is_refused(oidc_client, provider, db):
    start_sign_in(oidc_client)
    response = oidc_client.get("/auth/callback?code=forged&state=not-the-state")
    assert location_path(response) == "/login"
    assert db.scalar(select(Resident)) is None


def test_logout_ends_the_portal_session(oidc_client, provider):
    _server, idp = provider
    oidc_client.get(location_path(card_steps(idp, start_sign_in(oidc_client))))
    assert oidc_client.get("/ichinomiya/mypage/").status_code == 200
    post(oidc_client, "/logout", page="/ichinomiya/")
    assert location_path(oidc_client.get("/ichinomiya/mypage/")).startswith("/login")


def test_login_next_must_stay_on_this_site(oidc_client, provider):
    _server, idp = provider
    start_sign_in(oidc_client, next_path="https://evil.example/phish")
    response = oidc_client.get(location_path(card_steps(idp, start_sign_in(oidc_client, "//evil.example"))))
    assert location_path(response) == "/"


def test_a_cookie_copied_before_logout_no_longer_signs_in(oidc_client, provider):
    """Logout revokes the session on the server: a copy of the cookie (another tab, a stolen value) is dead."""
    _server, idp = provider
    oidc_client.get(location_path(card_steps(idp, start_sign_in(oidc_client))))
    assert oidc_client.get("/ichinomiya/mypage/").status_code == 200
    copied = oidc_client.get_cookie("session").value
    post(oidc_client, "/logout", page="/ichinomiya/")
    replay = oidc_client.application.test_client()
    replay.set_cookie("session", copied)
    assert location_path(replay.get("/ichinomiya/mypage/")).startswith("/login")
    # Signing in again works, and the new cookie is the one that counts.
    oidc_client.get(location_path(card_steps(idp, start_sign_in(oidc_client))))
    assert oidc_client.get("/ichinomiya/mypage/").status_code == 200
    assert location_path(replay.get("/ichinomiya/mypage/")).startswith("/login")


def test_pressing_start_then_signing_in_lands_on_the_first_question(oidc_client, provider, db):
    _server, idp = provider
    response = post(oidc_client, "/ichinomiya/procedures/juminhyo/start")
    login_page = location_path(response)
    assert login_page == "/login?next=/ichinomiya/procedures/juminhyo/start"
    page = oidc_client.get(login_page).get_data(as_text=True)
    next_value = html.unescape(re.search(r'name="next" value="([^"]*)" id="login-next"', page).group(1))
    authorize = post(oidc_client, "/login", {"next": next_value}, page=login_page).headers["Location"]
    back = oidc_client.get(location_path(card_steps(idp, authorize)))
    assert location_path(back) == "/ichinomiya/procedures/juminhyo/start"
    step = oidc_client.get("/ichinomiya/procedures/juminhyo/start")
    assert re.fullmatch(r"/ichinomiya/drafts/[\w-]+/steps/requester", location_path(step))
    assert "自分の住民票" in oidc_client.get(location_path(step)).get_data(as_text=True)
    # Following the same address again (back button, reload) does not pile up empty drafts.
    again = oidc_client.get("/ichinomiya/procedures/juminhyo/start")
    assert location_path(again) == location_path(step)
    from portal.procedures.models import Draft

    assert len(db.scalars(select(Draft)).all()) == 1
