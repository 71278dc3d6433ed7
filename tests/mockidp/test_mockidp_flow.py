"""The authorization code flow end to end through the Flask test client."""
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

PERSONAL_CLAIMS = {"name", "address", "birthdate", "gender"}
PROTOCOL_CLAIMS = {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "amr"}


def verified_id_token(idp, id_token: str) -> tuple[dict, dict]:
    keys = KeySet.import_key_set(idp.client.get("/jwks.json").get_json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    return token.header, token.claims


def exchange(idp, request, persona_id="yamada-hanako") -> dict:
    callback = idp.sign_in(request, persona_id)
    assert callback["state"] == request.state
    response = idp.redeem(request, callback["code"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_full_flow_releases_every_consented_claim(idp, oidc):
    request = oidc.AuthRequest()
    tokens = exchange(idp, request)
    assert tokens["token_type"].lower() == "bearer"
    assert "refresh_token" not in tokens

    header, claims = verified_id_token(idp, tokens["id_token"])
    jwks = idp.client.get("/jwks.json").get_json()
    assert header["alg"] == "RS256"
    assert header["kid"] == jwks["keys"][0]["kid"]
    assert claims["iss"] == oidc.ISSUER
    assert claims["aud"] == oidc.CLIENT_ID
    assert claims["nonce"] == request.nonce
    assert claims["exp"] > claims["iat"]
    assert set(claims) - PROTOCOL_CLAIMS == PERSONAL_CLAIMS
    assert claims["sub"] == "mock-lifz2sr4y3rxpn0e42sw"
    assert claims["name"] == "山田 花子"
    assert claims["birthdate"] == "1993-06-14"
    assert claims["gender"] == "female"
    assert claims["address"] == {
        "formatted": "愛知県一宮市本町2丁目5番6号",
        "postal_code": "491-0859",
        "region": "愛知県",
        "locality": "一宮市",
        "street_address": "本町2丁目5番6号",
        "country": "JP",
    }

    userinfo = idp.client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 200
    assert userinfo.get_json() == {key: claims[key] for key in {"sub", *PERSONAL_CLAIMS}}


@pytest.mark.parametrize(
    "scope, released",
    [
        ("openid", set()),
        ("openid name", {"name"}),
        ("openid address", {"address"}),
        ("openid birthdate", {"birthdate"}),
        ("openid gender", {"gender"}),
        ("openid name birthdate", {"name", "birthdate"}),
    ],
)
def test_each_scope_releases_only_its_claim(idp, oidc, scope, released):
    tokens = exchange(idp, oidc.AuthRequest(scope=scope))
    assert tokens["scope"] == scope
    _, claims = verified_id_token(idp, tokens["id_token"])
    assert set(claims) & PERSONAL_CLAIMS == released
    userinfo = idp.client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()
    assert set(userinfo) == {"sub", *released}


def test_consent_screen_lists_exactly_the_requested_claims(idp, oidc):
    request = oidc.AuthRequest(scope="openid name birthdate")
    idp.choose_card(request, "sato-masao")
    idp.enter_pin(request, "1234")
    page = idp.page(request).get_data(as_text=True)
    assert "氏名" in page and "佐藤 正雄" in page
    assert "生年月日" in page and "1938年3月2日" in page
    assert "住所" not in page and "大宮" not in page
    assert "性別" not in page
    assert "同意する" in page and "同意しない" in page


def test_foreign_resident_with_alphabet_name(idp, oidc):
    tokens = exchange(idp, oidc.AuthRequest(scope="openid name address"), persona_id="nguyen-van-an")
    _, claims = verified_id_token(idp, tokens["id_token"])
    assert claims["name"] == "NGUYEN VAN AN"
    assert claims["address"]["locality"] == "安城市"
    assert claims["address"]["postal_code"].startswith("446-")


def test_deny_redirects_with_access_denied_and_state(idp, oidc):
    request = oidc.AuthRequest()
    callback = idp.sign_in(request, decision="deny")
    assert callback["error"] == "access_denied"
    assert callback["state"] == request.state
    assert "code" not in callback


def test_cancel_on_card_step_redirects_with_access_denied(idp, oidc):
    request = oidc.AuthRequest()
    response = idp.post_step(request, "cancel")
    assert response.status_code == 302
    callback = oidc.query_of(response.headers["Location"])
    assert (callback["error"], callback["state"]) == ("access_denied", request.state)


def test_client_secret_post_is_accepted(idp, oidc):
    request = oidc.AuthRequest()
    callback = idp.sign_in(request)
    response = idp.client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": oidc.REDIRECT_URI,
            "code_verifier": request.verifier,
            "client_id": oidc.CLIENT_ID,
            "client_secret": oidc.CLIENT_SECRET,
        },
    )
    assert response.status_code == 200
    assert "id_token" in response.get_json()


def test_userinfo_requires_a_valid_bearer_token(idp):
    assert idp.client.get("/userinfo").status_code == 401
    response = idp.client.get("/userinfo", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_pin_verified_for_one_request_cannot_approve_another(idp, oidc):
    first = oidc.AuthRequest()
    idp.choose_card(first, "yamada-hanako")
    idp.enter_pin(first, "1234")
    assert "同意する" in idp.page(first).get_data(as_text=True)
    other = oidc.AuthRequest()
    page = idp.page(other).get_data(as_text=True)
    assert "同意する" not in page
    assert 'name="persona_id"' in page
    response = idp.decide(other, "allow")
    assert response.status_code == 303
    assert "code=" not in response.headers["Location"]


def test_every_sign_in_needs_the_pin_again(idp, oidc):
    idp.sign_in(oidc.AuthRequest())
    page = idp.page(oidc.AuthRequest()).get_data(as_text=True)
    assert 'name="persona_id"' in page and "同意する" not in page
