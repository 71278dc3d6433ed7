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


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def from_environment() -> dict:
    stripe_api_base = os.environ.get("STRIPE_API_BASE", "")
    # Browsers apply the CSP form-action to the redirect after the Pay button's POST: allow Checkout's origin.
    checkout_origin = os.environ.get("STRIPE_CHECKOUT_ORIGIN") or _origin(stripe_api_base) or "https://checkout.stripe.com"
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        # "production" turns off what only a demo may have (demo staff accounts with published passwords)
        "PORTAL_ENV": os.environ.get("PORTAL_ENV", "development"),
        # development only: run the business clock as if it were this moment (ISO 8601 with offset)
        "PORTAL_NOW": os.environ.get("PORTAL_NOW", ""),
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
        "SESSION_COOKIE_NAME": os.environ.get("SESSION_COOKIE_NAME", "session"),
        # Rate limits hold across processes: this store if set, else REDIS_URL, else the portal's own database.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI"),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        # The task queue (portal.tasks): in Redis when REDIS_URL is set, else in this SQLite file (one machine).
        # Every portal process and consumer of one deployment must name the same queue.
        "TASK_QUEUE_NAME": os.environ.get("TASK_QUEUE_NAME", "portal"),
        "TASK_QUEUE_FILE": os.environ.get("TASK_QUEUE_FILE", str(INSTANCE / "tasks.sqlite3")),
        # Run each task at once in the process that queues it, no consumer (the tests).
        "TASKS_IMMEDIATE": _bool("TASKS_IMMEDIATE", False),
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host: the client address (rate limits,
        # audit log) and the scheme and host of generated URLs come from them (see docs/deploy/).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        # Operations (portal/ops): log lines as JSON or text; who may read /metrics; /readyz's cache of the
        # identity provider's discovery document.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT")
        or ("json" if os.environ.get("PORTAL_ENV") == "production" else "text"),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN"),
        "METRICS_ALLOW_NETWORKS": os.environ.get("METRICS_ALLOW_NETWORKS", "127.0.0.1/32,::1/128"),
        "READYZ_CACHE_SECONDS": float(os.environ.get("READYZ_CACHE_SECONDS", 30)),
        # Anonymous procedures (no sign-in): per client address, per recipient address, and how many open
        # anonymous drafts a municipality keeps (older ones are purged by `flask drafts purge-anonymous`).
        "ANON_LIMIT_START": os.environ.get("ANON_LIMIT_START", "10 per hour; 30 per day"),
        "ANON_LIMIT_SUBMIT": os.environ.get("ANON_LIMIT_SUBMIT", "5 per hour; 20 per day"),
        "ANON_LIMIT_RECIPIENT": os.environ.get("ANON_LIMIT_RECIPIENT", "3 per hour; 10 per day"),
        "ANON_DRAFTS_MAX": int(os.environ.get("ANON_DRAFTS_MAX", 2000)),
        "ANON_DRAFT_RETENTION_HOURS": int(os.environ.get("ANON_DRAFT_RETENTION_HOURS", 24)),
        # `flask retention run` deletes sent (or given-up) emails from the outbox after this many days
        "OUTBOX_RETENTION_DAYS": int(os.environ.get("OUTBOX_RETENTION_DAYS", 30)),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Residents: signed out after this long without a request, and in any case this long after sign-in.
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_LIFETIME_SECONDS", 3600)),
        "RESIDENT_SESSION_MAX_SECONDS": int(os.environ.get("RESIDENT_SESSION_MAX_SECONDS", 12 * 3600)),
        # Staff: the same two rules, shorter idle time.
        "STAFF_IDLE_SECONDS": int(os.environ.get("STAFF_IDLE_SECONDS", 30 * 60)),
        "STAFF_SESSION_MAX_SECONDS": int(os.environ.get("STAFF_SESSION_MAX_SECONDS", 10 * 3600)),
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_REQUEST_BYTES", 12 * 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": None,
        # Payments (Stripe Checkout); see the README's payment section.
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY"),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": stripe_api_base or None,
        "STRIPE_CHECKOUT_ORIGIN": checkout_origin,
        "CSP_FORM_ACTION_EXTRA": [checkout_origin],
        "PAYMENT_METHODS": [m.strip() for m in os.environ.get("PAYMENT_METHODS", "card,konbini,paypay").split(",")
                            if m.strip()],
        "KONBINI_EXPIRES_AFTER_DAYS": int(os.environ.get("KONBINI_EXPIRES_AFTER_DAYS", 3)),
        "PAYMENTS_REFUND_LOOKBACK_DAYS": int(os.environ.get("PAYMENTS_REFUND_LOOKBACK_DAYS", 180)),
    }
