"""Resident sign-in as an OpenID Connect client (Authlib), configured only through discovery."""
from __future__ import annotations

from functools import wraps

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, g, redirect, request, session, url_for

from portal import db
from portal.identity.models import Resident


def init_app(app: Flask) -> None:
    oauth = OAuth(app)
    oauth.register(
        name="mynumber",
        server_metadata_url=app.config["OIDC_DISCOVERY_URL"],
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256"},
    )

    @app.before_request
    def _load_resident():
        resident_id = session.get("resident_id")
        g.resident = db.session().get(Resident, resident_id) if resident_id else None


def provider():
    return current_app.extensions["authlib.integrations.flask_client"].mynumber


def resident_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("resident") is None:
            return redirect(url_for("identity.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper
