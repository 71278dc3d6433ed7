"""The provider's own SQLite file: PIN lock state, authorization codes, access tokens.

It lives in the provider's data directory and is deliberately not part of the
portal's database or its Alembic migrations: the provider stands in for an
external service. Several provider processes share the file, so every state
change is a single SQL statement (atomic in SQLite) on a short-lived connection.
Codes and tokens are stored only as SHA-256 hashes, so a copy of the file does
not hand out working credentials.
"""
from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin

from . import personas

DB_FILENAME = "mockidp.sqlite3"
MAX_PIN_FAILURES = 3
# OAuth 2.0 allows up to ten minutes; the relying party redeems the code right away.
CODE_LIFETIME_SECONDS = 120
# Keep spent codes a while so that a replayed code is recognised (and its tokens revoked).
SPENT_RECORD_RETENTION_SECONDS = 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pin_failures (
    persona_id TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS authorization_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    sub TEXT NOT NULL,
    nonce TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL
);
CREATE INDEX IF NOT EXISTS authorization_codes_nonce ON authorization_codes (client_id, nonce);
CREATE TABLE IF NOT EXISTS access_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    scope TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_in INTEGER NOT NULL,
    code_hash TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);
"""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code_hash: str
    client_id: str
    redirect_uri: str
    scope: str
    sub: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    auth_time: int
    expires_at: float
    used_at: float | None = None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_amr(self) -> list[str]:
        # RFC 8176: a hardware-secured key (the card's chip) unlocked with a PIN.
        return ["hwk", "pin"]


@dataclass
class AccessToken(TokenMixin):
    client_id: str
    sub: str
    scope: str
    issued_at: int
    expires_in: int
    revoked: bool
    # Filled in by the token validator, which knows the registered clients.
    client: Any = field(default=None, repr=False)

    def check_client(self, client) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self):
        return personas.by_sub(self.sub)

    def get_client(self):
        return self.client


class Store:
    def __init__(self, data_dir: Path):
        self.path = data_dir / DB_FILENAME
        conn = self._connect()
        try:
            conn.executescript(_SCHEMA)
        finally:
            conn.close()
        with contextlib.suppress(PermissionError):
            self.path.chmod(0o600)

    def _connect(self) -> sqlite3.Connection:
        # Autocommit: each statement below is its own transaction.
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        return conn

    def _execute(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    # -- PIN lock -------------------------------------------------------------

    def pin_failures(self, persona_id: str) -> int:
        rows = self._execute("SELECT failures FROM pin_failures WHERE persona_id = ?", (persona_id,))
        return rows[0]["failures"] if rows else 0

    def is_locked(self, persona_id: str) -> bool:
        return self.pin_failures(persona_id) >= MAX_PIN_FAILURES

    def locked_persona_ids(self) -> set[str]:
        rows = self._execute("SELECT persona_id FROM pin_failures WHERE failures >= ?", (MAX_PIN_FAILURES,))
        return {row["persona_id"] for row in rows}

    def record_pin_failure(self, persona_id: str) -> int:
        """Count one wrong PIN and return the new total (capped, like the card's counter)."""
        rows = self._execute(
            "INSERT INTO pin_failures (persona_id, failures, updated_at) VALUES (?, 1, ?) "
            "ON CONFLICT (persona_id) DO UPDATE SET "
            "failures = MIN(failures + 1, ?), updated_at = excluded.updated_at "
            "RETURNING failures",
            (persona_id, time.time(), MAX_PIN_FAILURES),
        )
        return rows[0]["failures"]

    def reset_pin_failures(self, persona_id: str) -> None:
        self._execute("DELETE FROM pin_failures WHERE persona_id = ?", (persona_id,))

    # -- authorization codes --------------------------------------------------

    def save_code(
        self,
        code: str,
        *,
        client_id: str,
        redirect_uri: str,
        scope: str,
        sub: str,
        nonce: str,
        code_challenge: str,
        code_challenge_method: str,
        auth_time: int,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        self._execute(
            "DELETE FROM authorization_codes WHERE expires_at < ?", (now - SPENT_RECORD_RETENTION_SECONDS,)
        )
        self._execute(
            "INSERT INTO authorization_codes (code_hash, client_id, redirect_uri, scope, sub, nonce, "
            "code_challenge, code_challenge_method, auth_time, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _digest(code),
                client_id,
                redirect_uri,
                scope,
                sub,
                nonce,
                code_challenge,
                code_challenge_method,
                auth_time,
                now + CODE_LIFETIME_SECONDS,
            ),
        )

    def consume_code(self, code: str, client_id: str, now: float | None = None) -> AuthorizationCode | None:
        """Mark the code used and return it, or None if it is unknown, expired, spent or another client's.

        Marking happens before the rest of the token request is checked, so two
        concurrent redemptions cannot both succeed, and a failed redemption (for
        example a wrong PKCE verifier) burns the code as well.
        """
        now = time.time() if now is None else now
        code_hash = _digest(code)
        rows = self._execute(
            "UPDATE authorization_codes SET used_at = ? "
            "WHERE code_hash = ? AND client_id = ? AND used_at IS NULL AND expires_at > ? "
            "RETURNING *",
            (now, code_hash, client_id, now),
        )
        if rows:
            return AuthorizationCode(**dict(rows[0]))
        # RFC 6749 section 4.1.2: a code presented twice may have leaked, so
        # revoke what was issued for it.
        self._execute(
            "UPDATE access_tokens SET revoked = 1 WHERE code_hash IN "
            "(SELECT code_hash FROM authorization_codes WHERE code_hash = ? AND used_at IS NOT NULL)",
            (code_hash,),
        )
        return None

    def nonce_was_used(self, client_id: str, nonce: str) -> bool:
        rows = self._execute(
            "SELECT 1 FROM authorization_codes WHERE client_id = ? AND nonce = ? LIMIT 1", (client_id, nonce)
        )
        return bool(rows)

    # -- access tokens --------------------------------------------------------

    def save_access_token(
        self, access_token: str, *, client_id: str, sub: str, scope: str, expires_in: int,
        code: AuthorizationCode | None,
    ) -> None:
        now = int(time.time())
        self._execute(
            "DELETE FROM access_tokens WHERE issued_at + expires_in < ?", (now - SPENT_RECORD_RETENTION_SECONDS,)
        )
        self._execute(
            "INSERT INTO access_tokens (token_hash, client_id, sub, scope, issued_at, expires_in, code_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_digest(access_token), client_id, sub, scope, now, expires_in, code.code_hash if code else None),
        )

    def find_access_token(self, access_token: str) -> AccessToken | None:
        rows = self._execute(
            "SELECT client_id, sub, scope, issued_at, expires_in, revoked FROM access_tokens WHERE token_hash = ?",
            (_digest(access_token),),
        )
        if not rows:
            return None
        row = dict(rows[0])
        row["revoked"] = bool(row["revoked"])
        return AccessToken(**row)
