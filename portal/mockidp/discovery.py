"""The OpenID Provider Metadata document (OpenID Connect Discovery 1.0)."""
from __future__ import annotations

from authlib.oidc.discovery import OpenIDProviderMetadata

from . import personas
from .clients import TOKEN_ENDPOINT_AUTH_METHODS
from .keys import ALGORITHM


def provider_metadata(issuer: str) -> OpenIDProviderMetadata:
    # Endpoints derive from the configured issuer, not from the request's Host,
    # so every process and every caller sees the same, stable URLs.
    return OpenIDProviderMetadata(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks.json",
            "scopes_supported": list(personas.SUPPORTED_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "token_endpoint_auth_methods_supported": list(TOKEN_ENDPOINT_AUTH_METHODS),
            "claims_supported": [
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "at_hash",
                *personas.SCOPE_CLAIMS.values(),
            ],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "ui_locales_supported": ["ja", "en"],
        }
    )
