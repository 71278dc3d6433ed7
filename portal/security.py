"""Response headers every page gets: a strict CSP (no inline script or style) and friends; HSTS when the
portal is served over https; the client address from trusted reverse proxies."""
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

#: a year; no includeSubDomains: the portal may share its domain with other municipal sites still on http
HSTS = "max-age=31536000"

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
    https = app.config["PUBLIC_URL"].lower().startswith("https://")
    if app.config.get("TRUSTED_PROXIES"):
        # Without this every client would be the proxy: one shared rate limit, one address in the audit log.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
