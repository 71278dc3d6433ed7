"""Fixtures for the mock My Number Card provider tests.

The `idp` fixture drives the sign-in like a browser would: every POST carries
the CSRF token scraped from the page, because CSRF protection stays on here.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from werkzeug.serving import make_server

from portal.mockidp import create_app

ISSUER = "http://127.0.0.1:8001"
CLIENT_ID = "portal"
CLIENT_SECRET = "test-portal-secret"
REDIRECT_URI = "http://127.0.0.1:8000/auth/callback"
ALL_SCOPES = "openid name address birthdate gender"

_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def csrf_token_in(page: str) -> str:
    match = _CSRF_RE.search(page)
    assert match, "page has no CSRF token"
    return html.unescape(match.group(1))


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class AuthRequest:
    """One authorization request with its PKCE verifier, as a relying party would build it."""

    scope: str = ALL_SCOPES
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    overrides: dict = field(default_factory=dict)

    def params(self) -> dict:
        params = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": self.scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": s256(self.verifier),
            "code_challenge_method": "S256",
        }
        params.update(self.overrides)
        return {key: value for key, value in params.items() if value is not None}

    @property
    def url(self) -> str:
        return "/authorize?" + urlencode(self.params())


class IdPDriver:
    def __init__(self, client):
        self.client = client

    def page(self, request: AuthRequest):
        return self.client.get(request.url)

    def post_step(self, request: AuthRequest, step: str, **fields):
        page = self.client.get(request.url)
        assert page.status_code == 200, page.get_data(as_text=True)
        data = {"csrf_token": csrf_token_in(page.get_data(as_text=True)), "step": step, **fields}
        return self.client.post(request.url, data=data)

    def choose_card(self, request: AuthRequest, persona_id: str):
        return self.post_step(request, "card", persona_id=persona_id)

    def enter_pin(self, request: AuthRequest, pin: str):
        return self.post_step(request, "pin", pin=pin)

    def decide(self, request: AuthRequest, decision: str):
        return self.post_step(request, "consent", decision=decision)

    def unlock(self, request: AuthRequest, persona_id: str):
        return self.post_step(request, "unlock", persona_id=persona_id)

    def sign_in(self, request: AuthRequest, persona_id: str = "yamada-hanako", decision: str = "allow") -> dict:
        """Card, PIN, consent; returns the query of the redirect back to the relying party."""
        assert self.choose_card(request, persona_id).status_code == 303
        assert self.enter_pin(request, "1234").status_code == 303
        response = self.decide(request, decision)
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
        assert location.startswith(REDIRECT_URI + "?")
        return query_of(location)

    def redeem(self, request: AuthRequest, code: str, **overrides):
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": request.verifier,
        }
        data.update(overrides)
        data = {key: value for key, value in data.items() if value is not None}
        credentials = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return self.client.post("/token", data=data, headers={"Authorization": f"Basic {credentials}"})


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    for name in (
        "MOCKIDP_ISSUER", "MOCKIDP_DATA_DIR", "MOCKIDP_CLIENTS", "MOCKIDP_SECRET_KEY",
        "MOCKIDP_REDIRECT_URIS", "MOCKIDP_COOKIE_SECURE", "OIDC_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "mockidp"


@pytest.fixture
def make_app(data_dir):
    def factory(**overrides):
        config = {
            "TESTING": True,
            "MOCKIDP_ISSUER": ISSUER,
            "MOCKIDP_DATA_DIR": str(data_dir),
            "MOCKIDP_CLIENTS": [
                {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [REDIRECT_URI]}
            ],
        }
        config.update(overrides)
        return create_app(config)

    return factory


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def idp(app):
    return IdPDriver(app.test_client())


@pytest.fixture
def oidc():
    """Helpers and constants for test modules (this folder is not a package, so no imports)."""
    return SimpleNamespace(
        AuthRequest=AuthRequest,
        s256=s256,
        csrf_token_in=csrf_token_in,
        query_of=query_of,
        ISSUER=ISSUER,
        CLIENT_ID=CLIENT_ID,
        CLIENT_SECRET=CLIENT_SECRET,
        REDIRECT_URI=REDIRECT_URI,
        ALL_SCOPES=ALL_SCOPES,
        IdPDriver=IdPDriver,
    )


@pytest.fixture
def live_idp(data_dir):
    """Serve the provider on a real localhost port; returns a starter taking the redirect URIs."""
    servers = []

    def start(redirect_uris=(REDIRECT_URI,)) -> str:
        holder = {}
        # Bind first so the issuer can name the port the OS picked.
        server = make_server("127.0.0.1", 0, lambda environ, start_response: holder["app"](environ, start_response),
                             threaded=True)
        issuer = f"http://127.0.0.1:{server.server_port}"
        holder["app"] = create_app(
            {
                "MOCKIDP_ISSUER": issuer,
                "MOCKIDP_DATA_DIR": str(data_dir),
                "MOCKIDP_CLIENTS": [
                    {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": list(redirect_uris)}
                ],
            }
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return issuer

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=5)
