"""Response headers and CSRF wiring for the provider's pages."""
from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFError, CSRFProtect

from .views import render_error


def install_security_headers(app: Flask, redirect_origins: list[str]) -> None:
    # form-action does not fall back to default-src, and browsers apply it to the
    # redirect that follows the consent form, so the clients' origins are listed.
    form_action = " ".join(["'self'", *redirect_origins])
    policy = (
        "default-src 'self'; "
        "base-uri 'none'; "
        "object-src 'none'; "
        "frame-ancestors 'none'; "
        f"form-action {form_action}"
    )

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # same-origin (not no-referrer): Flask-WTF checks the Referer of POSTs over https.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def install_csrf(app: Flask, exempt_views: list) -> CSRFProtect:
    """Protect every browser-facing POST; the server-to-server endpoints authenticate the client instead."""
    csrf = CSRFProtect(app)
    for view in exempt_views:
        csrf.exempt(view)

    @app.errorhandler(CSRFError)
    def _csrf_failed(error: CSRFError):
        return render_error("csrf", error.description)

    return csrf
