"""Resident sign-in as an OpenID Connect client (Authlib), configured only through discovery.

The signed-in state lives in the session cookie under ``resident_id``, ``resident_v`` (the resident's
``session_version`` at sign-in), ``resident_since`` and ``resident_seen`` (seconds since the epoch), and is
checked on every request: logout bumps the version, so an old copy of the cookie stops working; a session
ends after ``PERMANENT_SESSION_LIFETIME`` without a request and ``RESIDENT_SESSION_MAX_SECONDS`` after
sign-in however busy it is.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from portal import db
from portal.clock import session_time
from portal.identity.models import Resident

SESSION_KEYS = ("resident_id", "resident_v", "resident_since", "resident_seen")


def init_app(app: Flask) -> None:
    from portal import ratelimit
    from portal.identity.views import bp

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
        current_resident()

    app.register_blueprint(bp)
    ratelimit.add_requester(app, "resident", current_resident)


def provider():
    return current_app.extensions["authlib.integrations.flask_client"].mynumber


def current_resident() -> Resident | None:
    """The signed-in resident of this request, once the session's version and lifetimes have been checked."""
    if "resident" in g:
        return g.resident
    g.resident = None
    resident_id = session.get("resident_id")
    if not resident_id:
        return None
    resident = db.session().get(Resident, resident_id)
    now = int(session_time())
    idle = current_app.permanent_session_lifetime.total_seconds()
    longest = current_app.config["RESIDENT_SESSION_MAX_SECONDS"]
    timed_out = (now - int(session.get("resident_seen", 0)) > idle
                 or now - int(session.get("resident_since", 0)) > longest)
    if resident is None or session.get("resident_v") != resident.session_version or timed_out:
        g.resident_expired = timed_out
        end_session()
        return None
    session["resident_seen"] = now
    g.resident = resident
    return resident


def start_session(resident: Resident) -> None:
    """A fresh session on sign-in: nothing planted before it survives, except the language."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    now = int(session_time())
    session.update({"resident_id": resident.id, "resident_v": resident.session_version,
                    "resident_since": now, "resident_seen": now})
    if lang:
        session["lang"] = lang
    g.resident = resident


def end_session() -> None:
    for key in SESSION_KEYS:
        session.pop(key, None)


def revoke_sessions(resident: Resident) -> None:
    """Every cookie signed in as this resident, on any device and any copy of it, stops working."""
    resident.session_version += 1


def resident_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("resident") is None:
            if g.get("resident_expired"):
                flash(_("一定時間が経過したため、ログアウトしました。もう一度ログインしてください。"), "warning")
            return redirect(url_for("identity.login", next=_return_to()))
        return view(*args, **kwargs)

    return wrapper


def _return_to() -> str:
    """Where sign-in should bring the resident back: this page, or for a form post the page it was on."""
    if request.method == "GET":
        return request.full_path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("tenancy.home")
