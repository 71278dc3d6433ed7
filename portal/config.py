"""Configuration from environment variables (every one is listed in the README)."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("PORTAL_INSTANCE_DIR", ROOT / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'portal.sqlite3'}"),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads")),
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_BYTES", 5 * 1024 * 1024)),
        "FORMS_DIR": os.environ.get("FORMS_DIR", str(ROOT / "forms")),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000"),
        # OIDC: the portal only ever reads the discovery document, so a real provider is configuration.
        "OIDC_DISCOVERY_URL": os.environ.get(
            "OIDC_DISCOVERY_URL", "http://127.0.0.1:8001/.well-known/openid-configuration"
        ),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", "portal"),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET"),
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES", "openid name address birthdate gender"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 8025)),
        "SMTP_USER": os.environ.get("SMTP_USER"),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "no-reply@portal.example.jp"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_LIFETIME_SECONDS", 3600)),
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_REQUEST_BYTES", 12 * 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": None,
    }
