from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from portal import db
from portal.extensions import limiter
from portal.identity import current_resident, provider, revoke_sessions, start_session
from portal.identity.service import sign_in

bp = Blueprint("identity", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login would be a phishing tool."""
    if not target:
        return url_for("tenancy.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("tenancy.home")
    return target.rstrip("?")


@bp.get("/login")
@limiter.limit("30 per minute")
def login():
    return render_template("identity/login.html", next=_safe_next(request.args.get("next")))


@bp.post("/login")
@limiter.limit("30 per minute")
def login_start():
    # Where to go afterwards travels with the form, so another tab's sign-in page can't overwrite it.
    session["login_next"] = _safe_next(request.form.get("next"))
    redirect_uri = url_for("identity.callback", _external=True)
    return provider().authorize_redirect(redirect_uri)


@bp.get("/auth/callback")
@limiter.limit("30 per minute")
def callback():
    if request.args.get("error"):
        flash(_("サインインが完了しませんでした。もう一度お試しください。"), "warning")
        return redirect(url_for("identity.login"))
    try:
        token = provider().authorize_access_token()
    except Exception:  # noqa: BLE001 — any protocol failure ends in the same "try again" page
        current_app.logger.exception("OIDC callback failed")
        flash(_("サインインが完了しませんでした。もう一度お試しください。"), "warning")
        return redirect(url_for("identity.login"))
    claims = dict(token.get("userinfo") or {})
    issuer = provider().load_server_metadata().get("issuer", "")
    resident = sign_in(db.session(), issuer, claims)
    db.session().commit()
    target = session.get("login_next") or url_for("tenancy.home")
    start_session(resident)
    return redirect(target)


@bp.post("/logout")
def logout():
    resident = current_resident()
    if resident is not None:
        revoke_sessions(resident)
        db.session().commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("ログアウトしました。"), "success")
    return redirect(url_for("tenancy.home"))


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang")
    if lang in ("ja", "en"):
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))
