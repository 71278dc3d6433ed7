"""Relying parties registered with the provider, read from configuration."""
from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin

from .personas import SUPPORTED_SCOPES

TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    client_name: str = "オンライン手続ポータル"
    client_name_en: str = "Online procedure portal"
    # Authlib's UserInfoEndpoint looks here for userinfo_signed_response_alg; plain JSON is what we serve.
    client_metadata: dict = field(default_factory=dict, compare=False, hash=False)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        # OpenID Connect makes redirect_uri mandatory, so never guess one.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        return " ".join(s for s in scope.split() if s in SUPPORTED_SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match only (OAuth 2.0 Security BCP): no prefix or pattern matching.
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.client_secret.encode(), (client_secret or "").encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # Confidential clients only: a public client ("none") cannot redeem codes here.
        return method in TOKEN_ENDPOINT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        # No refresh_token grant: the portal signs the resident in once per visit.
        return grant_type == "authorization_code"


def parse_clients(raw: str | list | None, default_secret: str, default_redirect_uris: list[str]) -> dict[str, Client]:
    """Build the client registry from MOCKIDP_CLIENTS (a JSON list, or the list itself)."""
    if raw in (None, "", []):
        entries = [{"client_id": "portal", "client_secret": default_secret, "redirect_uris": default_redirect_uris}]
    else:
        entries = json.loads(raw) if isinstance(raw, str) else raw
    clients: dict[str, Client] = {}
    for entry in entries:
        client_id = str(entry["client_id"])
        secret = str(entry.get("client_secret") or "")
        uris = tuple(str(uri) for uri in entry.get("redirect_uris") or ())
        if not secret:
            raise ValueError(f"mock IdP client {client_id!r} needs a client_secret")
        if not uris:
            raise ValueError(f"mock IdP client {client_id!r} needs at least one redirect URI")
        for uri in uris:
            parts = urlsplit(uri)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
                raise ValueError(f"mock IdP client {client_id!r}: invalid redirect URI {uri!r}")
        extra = {k: str(entry[k]) for k in ("client_name", "client_name_en") if entry.get(k)}
        clients[client_id] = Client(client_id=client_id, client_secret=secret, redirect_uris=uris, **extra)
    return clients


def redirect_origins(clients: dict[str, Client]) -> list[str]:
    """Origins the browser may be sent to after a form post (for CSP form-action)."""
    origins = set()
    for client in clients.values():
        for uri in client.redirect_uris:
            parts = urlsplit(uri)
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
