"""The provider's RS256 signing key: generated on first start, then reused."""
from __future__ import annotations

import json
from pathlib import Path

from joserfc.jwk import KeySet, RSAKey

from .datadir import read_or_create_secret_file

KEY_FILENAME = "signing-key.jwk.json"
ALGORITHM = "RS256"


def _generate_key_json() -> str:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM}, private=True, auto_kid=True)
    return json.dumps(key.as_dict(private=True))


def load_or_create_signing_key(data_dir: Path) -> RSAKey:
    """Relying parties cache the JWKS, so the key (and its kid) must survive restarts."""
    key = RSAKey.import_key(json.loads(read_or_create_secret_file(data_dir / KEY_FILENAME, _generate_key_json)))
    if not key.kid:
        # A key file written by hand may lack a kid; the RFC 7638 thumbprint is stable.
        key = RSAKey.import_key(key.as_dict(private=True), parameters={"kid": key.thumbprint()})
    return key


def public_jwks(key: RSAKey) -> dict:
    return KeySet([key]).as_dict(private=False)
