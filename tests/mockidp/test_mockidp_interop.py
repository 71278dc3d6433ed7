"""A real Authlib Flask client against the provider on a real localhost port.

This is how the portal uses the provider: discovery through server_metadata_url,
PKCE S256, and the ID token parsed into token["userinfo"]. The browser is played
by a requests.Session, so the provider sees real HTTP, cookies and redirects.
"""
from urllib.parse import urlsplit

import pytest
import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, jsonify

RP_CALLBACK = "http://127.0.0.1:8000/auth/callback"


@pytest.fixture
def live_issuer(live_idp):
    return live_idp(redirect_uris=[RP_CALLBACK])


@pytest.fixture
def relying_party(live_issuer, oidc):
    rp = Flask("relying_party")
    rp.secret_key = "relying-party-test-secret"
    oauth = OAuth(rp)
    oauth.register(
        "mynumber",
        server_metadata_url=f"{live_issuer}/.well-known/openid-configuration",
        client_id=oidc.CLIENT_ID,
        client_secret=oidc.CLIENT_SECRET,
        client_kwargs={"scope": "openid name address birthdate gender", "code_challenge_method": "S256"},
    )

    @rp.get("/login")
    def login():
        return oauth.mynumber.authorize_redirect(RP_CALLBACK)

    @rp.get("/auth/callback")
    def callback():
        token = oauth.mynumber.authorize_access_token()
        return jsonify(
            id_token_userinfo=dict(token["userinfo"]),
            userinfo_endpoint=dict(oauth.mynumber.userinfo(token=token)),
        )

    return rp


def browser_step(browser, oidc, url, **fields):
    page = browser.get(url, allow_redirects=False)
    assert page.status_code == 200, page.text
    data = {"csrf_token": oidc.csrf_token_in(page.text), **fields}
    return browser.post(url, data=data, allow_redirects=False)


def test_authlib_flask_client_signs_in_through_the_provider(relying_party, live_issuer, oidc):
    rp_browser = relying_party.test_client()
    start = rp_browser.get("/login")
    assert start.status_code == 302
    authorize_url = start.headers["Location"]
    assert authorize_url.startswith(f"{live_issuer}/authorize?")
    assert "code_challenge_method=S256" in authorize_url and "nonce=" in authorize_url

    with requests.Session() as browser:
        assert browser_step(browser, oidc, authorize_url, step="card", persona_id="nguyen-van-an").status_code == 303
        assert browser_step(browser, oidc, authorize_url, step="pin", pin="1234").status_code == 303
        back = browser_step(browser, oidc, authorize_url, step="consent", decision="allow")
    assert back.status_code == 302
    location = back.headers["Location"]
    assert location.startswith(RP_CALLBACK + "?")

    parts = urlsplit(location)
    result = rp_browser.get(f"{parts.path}?{parts.query}")
    assert result.status_code == 200, result.get_data(as_text=True)
    claims = result.get_json()["id_token_userinfo"]
    assert claims["iss"] == live_issuer
    assert claims["sub"] == "mock-306cker91qznk2fyy5p1"
    assert claims["name"] == "NGUYEN VAN AN"
    assert claims["birthdate"] == "1997-11-23"
    assert claims["gender"] == "male"
    assert claims["address"]["postal_code"] == "446-0056"
    assert claims["address"]["locality"] == "安城市"
    userinfo = result.get_json()["userinfo_endpoint"]
    assert userinfo == {key: claims[key] for key in ("sub", "name", "address", "birthdate", "gender")}


def test_authlib_flask_client_sees_access_denied(relying_party, oidc):
    from authlib.integrations.base_client import OAuthError

    rp_browser = relying_party.test_client()
    authorize_url = rp_browser.get("/login").headers["Location"]
    with requests.Session() as browser:
        browser_step(browser, oidc, authorize_url, step="card", persona_id="yamada-hanako")
        browser_step(browser, oidc, authorize_url, step="pin", pin="1234")
        back = browser_step(browser, oidc, authorize_url, step="consent", decision="deny")
    parts = urlsplit(back.headers["Location"])
    relying_party.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(OAuthError) as raised:
        rp_browser.get(f"{parts.path}?{parts.query}")
    assert raised.value.error == "access_denied"
