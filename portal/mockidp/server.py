"""The OpenID Connect authorization server, assembled from Authlib parts.

Authlib's defaults are looser than what the portal must be tested against, so
three things are tightened here: PKCE with S256 is required of every client at
both endpoints, `state` and `nonce` are required, and each scope releases
exactly one claim (Authlib's UserInfo.filter only knows the standard scopes).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError, scope_to_list
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oidc.core import OpenIDCode, UserInfo, UserInfoEndpoint
from joserfc.jwk import RSAKey

from . import personas
from .clients import TOKEN_ENDPOINT_AUTH_METHODS, Client
from .keys import ALGORITHM
from .personas import Persona
from .store import Store

ACCESS_TOKEN_LIFETIME_SECONDS = 600
ID_TOKEN_LIFETIME_SECONDS = 600


@dataclass(frozen=True)
class SignedInResident:
    """A persona whose card PIN was just verified, as handed to Authlib as the granting user."""

    persona: Persona
    auth_time: int


class MockAuthorizationServer(AuthorizationServer):
    def __init__(self, app, *, store: Store, clients: dict[str, Client], signing_key: RSAKey, issuer: str):
        self.store = store
        self.clients = clients
        self.signing_key = signing_key
        self.issuer = issuer
        super().__init__(app, query_client=clients.get, save_token=self._save_token)

    def _save_token(self, token: dict, request) -> None:
        self.store.save_access_token(
            token["access_token"],
            client_id=request.client.get_client_id(),
            sub=request.user.sub,
            scope=token.get("scope", ""),
            expires_in=int(token["expires_in"]),
            code=request.authorization_code,
        )


class StrictAuthorizationRequest:
    """Grant extension: an authorization request must carry state and nonce and ask for openid.

    Raised errors are redirected back to the (already validated) redirect URI
    by Authlib, as RFC 6749 section 4.1.2.1 prescribes.
    """

    def __call__(self, grant):
        grant.register_hook("after_validate_authorization_request_payload", self.validate)

    @staticmethod
    def validate(grant, _result):
        request = grant.request
        if not request.payload.state:
            raise InvalidRequestError("Missing 'state' in request.")
        if not request.payload.data.get("nonce"):
            raise InvalidRequestError("Missing 'nonce' in request.")
        if "openid" not in scope_to_list(request.scope or ""):
            raise InvalidScopeError("The 'openid' scope is required.")


class RequiredS256CodeChallenge(CodeChallenge):
    """PKCE for every client, confidential ones included, and only with S256."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}

    def __init__(self):
        super().__init__(required=True)

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE 'code_challenge_method' must be 'S256'.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        # Authlib only insists on a verifier for public clients.
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(TOKEN_ENDPOINT_AUTH_METHODS)

    def save_authorization_code(self, code: str, request) -> None:
        resident: SignedInResident = request.user
        data = request.payload.data
        self.server.store.save_code(
            code,
            client_id=request.client.get_client_id(),
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            sub=resident.persona.sub,
            nonce=data["nonce"],
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            auth_time=resident.auth_time,
        )

    def query_authorization_code(self, code: str, client: Client):
        return self.server.store.consume_code(code, client.get_client_id())

    def delete_authorization_code(self, authorization_code) -> None:
        # Already marked used by consume_code, atomically with the lookup.
        pass

    def authenticate_user(self, authorization_code):
        return personas.by_sub(authorization_code.sub)


class IdTokenIssuer(OpenIDCode):
    def __init__(self, server: MockAuthorizationServer):
        super().__init__(require_nonce=True)
        self.server = server

    def exists_nonce(self, nonce: str, request) -> bool:
        return self.server.store.nonce_was_used(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client):
        return self.server.signing_key

    def get_client_algorithm(self, client) -> str:
        return ALGORITHM

    def get_encode_header(self, client) -> dict:
        return {"alg": ALGORITHM, "kid": self.server.signing_key.kid, "typ": "JWT"}

    def get_client_claims(self, client) -> dict:
        return {
            "iss": self.server.issuer,
            "aud": client.get_client_id(),
            "exp": int(time.time()) + ID_TOKEN_LIFETIME_SECONDS,
        }

    def generate_user_info(self, user: Persona, scope: str) -> UserInfo:
        return UserInfo(user.claims_for_scope(scope))


class AccessTokenValidator(BearerTokenValidator):
    def __init__(self, server: MockAuthorizationServer):
        super().__init__()
        self.server = server

    def authenticate_token(self, token_string: str):
        token = self.server.store.find_access_token(token_string)
        if token is None:
            return None
        token.client = self.server.clients.get(token.client_id)
        # A client removed from the configuration loses its tokens too.
        return token if token.client is not None else None


class ConsentedUserInfo(UserInfoEndpoint):
    def get_issuer(self) -> str:
        return self.server.issuer

    def generate_user_info(self, user: Persona, scope: str) -> UserInfo:
        return UserInfo(user.claims_for_scope(scope))


def build_authorization_server(
    app, *, store: Store, clients: dict[str, Client], signing_key: RSAKey, issuer: str
) -> MockAuthorizationServer:
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(personas.SUPPORTED_SCOPES))
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"authorization_code": ACCESS_TOKEN_LIFETIME_SECONDS})
    server = MockAuthorizationServer(app, store=store, clients=clients, signing_key=signing_key, issuer=issuer)
    server.register_grant(
        CodeGrant, [StrictAuthorizationRequest(), RequiredS256CodeChallenge(), IdTokenIssuer(server)]
    )
    protector = ResourceProtector()
    protector.register_token_validator(AccessTokenValidator(server))
    server.register_endpoint(ConsentedUserInfo(resource_protector=protector))
    return server
