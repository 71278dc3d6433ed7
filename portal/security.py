"""Response headers every page gets: a strict CSP (no inline script or style) and friends."""
from urllib.parse import urlsplit

from flask import Flask

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self' {form_action}",
    ]
)


def init_app(app: Flask) -> None:
    # Browsers apply form-action to the redirect after a POST too: the sign-in button's redirect to the
    # identity provider (and later to the payment page) must be allowed by origin.
    origins = {_origin(app.config["OIDC_DISCOVERY_URL"]), *app.config.get("CSP_FORM_ACTION_EXTRA", [])}
    extra = " ".join(sorted(o for o in origins if o))
    policy = CSP.format(form_action=extra).strip()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
