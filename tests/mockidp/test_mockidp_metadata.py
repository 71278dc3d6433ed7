"""Discovery document, JWKS and key persistence."""
import json
import stat

from authlib.oidc.discovery import OpenIDProviderMetadata

from portal.mockidp import create_app
from portal.mockidp.keys import KEY_FILENAME


def test_discovery_document_describes_the_provider(idp, oidc):
    response = idp.client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.get_json()
    OpenIDProviderMetadata(doc).validate()
    assert doc["issuer"] == oidc.ISSUER
    assert doc["authorization_endpoint"] == f"{oidc.ISSUER}/authorize"
    assert doc["token_endpoint"] == f"{oidc.ISSUER}/token"
    assert doc["userinfo_endpoint"] == f"{oidc.ISSUER}/userinfo"
    assert doc["jwks_uri"] == f"{oidc.ISSUER}/jwks.json"
    assert doc["scopes_supported"] == ["openid", "name", "address", "birthdate", "gender"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}


def test_issuer_trailing_slash_is_normalised(make_app):
    app = make_app(MOCKIDP_ISSUER="http://127.0.0.1:8001/")
    doc = app.test_client().get("/.well-known/openid-configuration").get_json()
    assert doc["issuer"] == "http://127.0.0.1:8001"
    assert doc["token_endpoint"] == "http://127.0.0.1:8001/token"


def test_jwks_publishes_one_public_rs256_key(idp):
    jwks = idp.client.get("/jwks.json").get_json()
    assert len(jwks["keys"]) == 1
    key = jwks["keys"][0]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & key.keys(), "private members must never be published"


def test_signing_key_is_private_file_and_survives_restart(make_app, data_dir):
    first = make_app().test_client().get("/jwks.json").get_json()
    key_file = data_dir / KEY_FILENAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "d" in json.loads(key_file.read_text())
    second = make_app().test_client().get("/jwks.json").get_json()
    assert first == second


def test_different_data_dirs_get_different_keys(tmp_path):
    kids = {
        create_app({"MOCKIDP_DATA_DIR": str(tmp_path / name)}).test_client().get("/jwks.json")
        .get_json()["keys"][0]["kid"]
        for name in ("a", "b")
    }
    assert len(kids) == 2


def test_secret_key_is_generated_once_and_shared(make_app, data_dir):
    first, second = make_app(), make_app()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    secret_files = [p for p in data_dir.iterdir() if "secret" in p.name]
    assert secret_files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in secret_files)


def test_secret_key_from_environment_wins(make_app, monkeypatch):
    monkeypatch.setenv("MOCKIDP_SECRET_KEY", "from-the-environment")
    assert make_app().config["SECRET_KEY"] == "from-the-environment"


def test_default_client_comes_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("MOCKIDP_REDIRECT_URIS", "http://127.0.0.1:8000/auth/callback, http://localhost:8000/auth/callback")
    app = create_app({"MOCKIDP_DATA_DIR": str(tmp_path)})
    client = app.extensions["mockidp"].clients["portal"]
    assert client.check_client_secret("env-secret")
    assert client.redirect_uris == ("http://127.0.0.1:8000/auth/callback", "http://localhost:8000/auth/callback")


def test_clients_can_be_configured_as_json(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "MOCKIDP_CLIENTS",
        json.dumps([{"client_id": "other", "client_secret": "x", "redirect_uris": ["https://rp.example/cb"]}]),
    )
    app = create_app({"MOCKIDP_DATA_DIR": str(tmp_path)})
    assert set(app.extensions["mockidp"].clients) == {"other"}
