"""What the authorization and token endpoints refuse."""
import pytest

from portal.mockidp.store import CODE_LIFETIME_SECONDS


def redirected_error(response, oidc) -> dict:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith(oidc.REDIRECT_URI + "?")
    return oidc.query_of(location)


@pytest.mark.parametrize(
    "overrides",
    [
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge": None},
        {"code_challenge_method": None},
        {"code_challenge_method": "plain"},
        {"code_challenge": "too-short"},
    ],
    ids=["no-pkce", "no-challenge", "no-method", "plain", "malformed"],
)
def test_authorize_requires_s256_pkce(idp, oidc, overrides):
    request = oidc.AuthRequest(overrides=overrides)
    error = redirected_error(idp.page(request), oidc)
    assert error["error"] == "invalid_request"
    assert error["state"] == request.state


def test_authorize_requires_state(idp, oidc):
    error = redirected_error(idp.page(oidc.AuthRequest(overrides={"state": None})), oidc)
    assert error["error"] == "invalid_request"
    assert "state" in error["error_description"]


def test_authorize_requires_nonce(idp, oidc):
    request = oidc.AuthRequest(overrides={"nonce": None})
    error = redirected_error(idp.page(request), oidc)
    assert error["error"] == "invalid_request"
    assert error["state"] == request.state
    assert "nonce" in error["error_description"]


def test_authorize_requires_openid_scope(idp, oidc):
    error = redirected_error(idp.page(oidc.AuthRequest(scope="name")), oidc)
    assert error["error"] == "invalid_scope"


def test_authorize_rejects_unknown_scope(idp, oidc):
    error = redirected_error(idp.page(oidc.AuthRequest(scope="openid profile email")), oidc)
    assert error["error"] == "invalid_scope"


def test_authorize_rejects_other_response_types(idp, oidc):
    error = redirected_error(idp.page(oidc.AuthRequest(overrides={"response_type": "token"})), oidc)
    assert error["error"] == "unsupported_response_type"


def test_prompt_none_cannot_be_satisfied(idp, oidc):
    error = redirected_error(idp.page(oidc.AuthRequest(overrides={"prompt": "none"})), oidc)
    assert error["error"] == "login_required"


def test_reused_nonce_is_rejected(idp, oidc):
    first = oidc.AuthRequest()
    idp.sign_in(first)
    replay = oidc.AuthRequest(nonce=first.nonce)
    assert redirected_error(idp.page(replay), oidc)["error"] == "invalid_request"


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "unknown"},
        {"client_id": None},
        {"redirect_uri": "https://attacker.example/cb"},
        {"redirect_uri": "http://127.0.0.1:8000/auth/callback/extra"},
        {"redirect_uri": None},
    ],
    ids=["unknown-client", "no-client", "foreign-redirect", "prefix-redirect", "no-redirect"],
)
def test_bad_client_or_redirect_uri_shows_an_error_page_never_a_redirect(idp, oidc, overrides):
    response = idp.page(oidc.AuthRequest(overrides=overrides))
    assert response.status_code == 400
    assert "Location" not in response.headers
    page = response.get_data(as_text=True)
    assert "<h1>" in page and "This request cannot continue" in page


def test_wrong_code_verifier_is_rejected(idp, oidc):
    request = oidc.AuthRequest()
    callback = idp.sign_in(request)
    response = idp.redeem(request, callback["code"], code_verifier=oidc.AuthRequest().verifier)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    # The failed attempt burned the code.
    assert idp.redeem(request, callback["code"]).get_json()["error"] == "invalid_grant"


def test_code_verifier_is_required_of_confidential_clients(idp, oidc):
    request = oidc.AuthRequest()
    callback = idp.sign_in(request)
    response = idp.redeem(request, callback["code"], code_verifier=None)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_code_is_single_use_and_reuse_revokes_its_tokens(idp, oidc):
    request = oidc.AuthRequest()
    callback = idp.sign_in(request)
    first = idp.redeem(request, callback["code"])
    assert first.status_code == 200
    access_token = first.get_json()["access_token"]
    assert idp.client.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"}).status_code == 200

    second = idp.redeem(request, callback["code"])
    assert second.status_code == 400
    assert second.get_json()["error"] == "invalid_grant"
    assert idp.client.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"}).status_code == 401


def test_code_is_bound_to_redirect_uri(idp, oidc):
    request = oidc.AuthRequest()
    callback = idp.sign_in(request)
    response = idp.redeem(request, callback["code"], redirect_uri="http://127.0.0.1:8000/other")
    assert response.get_json()["error"] == "invalid_grant"


def test_code_is_bound_to_client(make_app, oidc):
    other = {"client_id": "other", "client_secret": "other-secret", "redirect_uris": [oidc.REDIRECT_URI]}
    portal = {"client_id": oidc.CLIENT_ID, "client_secret": oidc.CLIENT_SECRET, "redirect_uris": [oidc.REDIRECT_URI]}
    idp = oidc.IdPDriver(make_app(MOCKIDP_CLIENTS=[portal, other]).test_client())
    request = oidc.AuthRequest()
    callback = idp.sign_in(request)
    response = idp.client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": oidc.REDIRECT_URI,
            "code_verifier": request.verifier,
        },
        auth=("other", "other-secret"),
    )
    assert response.get_json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_rejected(idp, oidc):
    request = oidc.AuthRequest()
    callback = idp.sign_in(request)
    response = idp.client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": oidc.REDIRECT_URI,
            "code_verifier": request.verifier,
        },
        auth=(oidc.CLIENT_ID, "wrong"),
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_code_expires_quickly(app, oidc):
    assert CODE_LIFETIME_SECONDS <= 300
    store = app.extensions["mockidp"].store
    store.save_code(
        "expired-code",
        client_id=oidc.CLIENT_ID,
        redirect_uri=oidc.REDIRECT_URI,
        scope="openid",
        sub="mock-lifz2sr4y3rxpn0e42sw",
        nonce="n",
        code_challenge=oidc.s256("v" * 43),
        code_challenge_method="S256",
        auth_time=0,
        now=1_000.0,
    )
    assert store.consume_code("expired-code", oidc.CLIENT_ID, now=1_000.0 + CODE_LIFETIME_SECONDS + 1) is None


def test_codes_and_tokens_are_stored_hashed(idp, oidc, data_dir):
    request = oidc.AuthRequest()
    callback = idp.sign_in(request)
    access_token = idp.redeem(request, callback["code"]).get_json()["access_token"]
    raw = (data_dir / "mockidp.sqlite3").read_bytes()
    assert callback["code"].encode() not in raw
    assert access_token.encode() not in raw
