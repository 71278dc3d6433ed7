"""Configuration of the mock provider: explicit values win over environment variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from .datadir import ensure_data_dir, read_or_create_secret_file

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY_FILENAME = "flask-secret-key"


def _env_redirect_uris() -> list[str]:
    raw = os.environ.get("MOCKIDP_REDIRECT_URIS", "http://127.0.0.1:8000/auth/callback")
    return [uri.strip() for uri in raw.split(",") if uri.strip()]


def resolve(config: dict | None) -> dict:
    """Merge explicit config over the environment and fill in what is persisted in the data dir."""
    given = dict(config or {})
    issuer = str(given.get("MOCKIDP_ISSUER") or os.environ.get("MOCKIDP_ISSUER") or "http://127.0.0.1:8001")
    data_dir = Path(
        given.get("MOCKIDP_DATA_DIR") or os.environ.get("MOCKIDP_DATA_DIR") or REPO_ROOT / "instance" / "mockidp"
    )
    ensure_data_dir(data_dir)

    cookie_secure_env = os.environ.get("MOCKIDP_COOKIE_SECURE")
    if cookie_secure_env is not None:
        cookie_secure = cookie_secure_env.strip().lower() in {"1", "true", "yes", "on"}
    else:
        # Browsers drop Secure cookies set over plain http on 127.0.0.1, which the dev setup uses.
        cookie_secure = issuer.startswith("https://")

    settings = {
        "MOCKIDP_ISSUER": issuer.rstrip("/"),
        "MOCKIDP_DATA_DIR": str(data_dir),
        "MOCKIDP_CLIENTS": os.environ.get("MOCKIDP_CLIENTS"),
        "MOCKIDP_DEFAULT_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET") or "dev-portal-secret",
        "MOCKIDP_DEFAULT_REDIRECT_URIS": _env_redirect_uris(),
        "SECRET_KEY": os.environ.get("MOCKIDP_SECRET_KEY"),
        # The portal runs on the same host (another port) and cookies ignore ports:
        # a distinct name keeps the two apps from overwriting each other's session.
        "SESSION_COOKIE_NAME": "mockidp_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": cookie_secure,
        "PERMANENT_SESSION_LIFETIME": 900,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "WTF_CSRF_TIME_LIMIT": 900,
    }
    settings.update(given)
    settings["MOCKIDP_ISSUER"] = str(settings["MOCKIDP_ISSUER"]).rstrip("/")
    settings["MOCKIDP_DATA_DIR"] = str(data_dir)
    if not settings.get("SECRET_KEY"):
        # Shared through the data dir so that every provider process accepts every session cookie.
        settings["SECRET_KEY"] = read_or_create_secret_file(
            data_dir / SECRET_KEY_FILENAME, lambda: secrets.token_urlsafe(48)
        ).strip()
    return settings
