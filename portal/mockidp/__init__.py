"""Mock My Number Card identity provider (a stand-in for the Digital Agency's service).

A standalone OpenID Connect provider that runs as its own process, so the portal
talks to it exactly as it would to the real provider: only through discovery,
the authorization redirect, the token endpoint and the JWKS.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import settings, views
from .clients import parse_clients, redirect_origins
from .keys import load_or_create_signing_key
from .security import install_csrf, install_security_headers
from .server import build_authorization_server
from .store import Store

__all__ = ["create_app"]


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(settings.resolve(config))
    app.json.ensure_ascii = False

    data_dir = Path(app.config["MOCKIDP_DATA_DIR"])
    issuer = app.config["MOCKIDP_ISSUER"]
    clients = parse_clients(
        app.config["MOCKIDP_CLIENTS"],
        default_secret=app.config["MOCKIDP_DEFAULT_CLIENT_SECRET"],
        default_redirect_uris=app.config["MOCKIDP_DEFAULT_REDIRECT_URIS"],
    )
    store = Store(data_dir)
    server = build_authorization_server(
        app, store=store, clients=clients, signing_key=load_or_create_signing_key(data_dir), issuer=issuer
    )
    app.extensions["mockidp"] = views.Provider(server=server, store=store, clients=clients, issuer=issuer)

    app.register_blueprint(views.bp)
    install_csrf(app, exempt_views=[views.token, views.userinfo])
    install_security_headers(app, redirect_origins(clients))
    return app
