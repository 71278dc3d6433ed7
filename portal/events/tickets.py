"""A registration's 受付番号 and ticket: what the door reads, and nothing else.

The QR code carries ``<secret>.<signature>``: the registration's random ``ticket_secret`` and an HMAC of it under
the app's secret key — an opaque token with no name, reference or id in it. A forged or mistyped token is refused
by its signature before the database is asked; the 受付番号 is the short code a resident reads out when there is
no phone to scan.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets

import segno
from flask import current_app

# Crockford's base32 without I, L, O, U: nothing to misread when typed at the door
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SIGNATURE_CHARS = 16


def new_reference() -> str:
    """A 受付番号 like ``E-7K3Q-9XZA`` (40 bits: unique by the column's constraint, unguessable enough to type)."""
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"E-{code[:4]}-{code[4:]}"


def reference_of(submission_reference: str) -> str:
    """The 受付番号 of an application's registration: ``E-`` and its submission's reference (``E-TM79-DW4Y``) — one
    number for the resident — or '' when that reference cannot be typed back at the door."""
    return normalise_reference(f"E-{submission_reference}")


def normalise_reference(typed: str) -> str:
    """What staff typed (lower case, spaces, O for 0, no dashes) as a stored reference, or '' when it cannot be."""
    code = "".join(c for c in typed.upper() if c.isalnum()).translate(str.maketrans("OIL", "011"))
    if code.startswith("E") and len(code) == 9:
        code = code[1:]
    if len(code) != 8 or any(c not in _REFERENCE_ALPHABET for c in code):
        return ""
    return f"E-{code[:4]}-{code[4:]}"


def new_secret() -> str:
    return secrets.token_urlsafe(16)


def _signature(secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"event-ticket:" + secret.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:_SIGNATURE_CHARS]


def token(secret: str) -> str:
    """The QR code's text for a registration's ``ticket_secret``."""
    return f"{secret}.{_signature(secret)}"


def secret_of(scanned: str) -> str | None:
    """The ticket secret a scanned token carries, or None when it was not signed by this portal."""
    secret, dot, signature = scanned.strip().rpartition(".")
    if not dot or not secret or len(secret) > 32:
        return None
    return secret if hmac.compare_digest(signature, _signature(secret)) else None


def qr_svg(text: str) -> str:
    """An inline SVG of the QR code, sized by CSS (it scales without blurring on any phone)."""
    return segno.make(text, error="m").svg_inline(scale=1, border=4, omitsize=True, title="QR")


def qr_png(text: str, scale: int = 8) -> bytes:
    """The QR code as PNG, for the confirmation email's attachment."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
