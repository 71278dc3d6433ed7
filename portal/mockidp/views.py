"""HTTP endpoints of the mock provider: discovery, keys, the card-and-PIN sign-in, token, userinfo.

The sign-in is a post/redirect/get sequence on /authorize. The browser's progress
(chosen card, PIN verified) lives in the signed session cookie and is bound to a
fingerprint of the exact authorization request, so a PIN entered for one request
can never approve another. Nothing is remembered after the decision: like the
real card, every sign-in needs the card and PIN again.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import date

from authlib.oauth2 import OAuth2Error
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)

from . import personas
from .clients import Client
from .discovery import provider_metadata
from .keys import public_jwks
from .personas import DEMO_PIN, Persona
from .server import MockAuthorizationServer, SignedInResident
from .store import MAX_PIN_FAILURES, Store
from .texts import DEFAULT_ERROR_EXPLANATION, ERROR_EXPLANATIONS, claim_rows, notice, render_notice

bp = Blueprint("mockidp", __name__)

FLOW_KEY = "mockidp_flow"
# A resident who verified the PIN but walked away must start over.
FLOW_LIFETIME_SECONDS = 600
PIN_PATTERN = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class Provider:
    """Everything the views need, kept per app in app.extensions."""

    server: MockAuthorizationServer
    store: Store
    clients: dict[str, Client]
    issuer: str


def provider() -> Provider:
    return current_app.extensions["mockidp"]


@bp.app_context_processor
def _template_helpers() -> dict:
    return {"render_notice": render_notice}


# -- metadata -----------------------------------------------------------------


@bp.get("/")
def index():
    return render_template("mockidp/index.html", issuer=provider().issuer)


@bp.get("/.well-known/openid-configuration")
def openid_configuration():
    return jsonify(dict(provider_metadata(provider().issuer)))


@bp.get("/jwks.json")
def jwks():
    return jsonify(public_jwks(provider().server.signing_key))


# -- token and userinfo (called by the relying party's server, not a browser) ---


@bp.post("/token")
def token():
    return provider().server.create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    return provider().server.create_endpoint_response("userinfo")


# -- the resident's sign-in -----------------------------------------------------


def _request_fingerprint() -> str:
    items = sorted((key, value) for key in request.args for value in request.args.getlist(key))
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()


def _current_flow() -> dict | None:
    flow = session.get(FLOW_KEY)
    if not flow or flow.get("request") != _request_fingerprint():
        return None
    if time.time() - flow.get("started_at", 0) > FLOW_LIFETIME_SECONDS:
        session.pop(FLOW_KEY, None)
        return None
    return flow


def _authorize_url() -> str:
    # The query string is the authorization request itself, so every step keeps it.
    return request.script_root + request.full_path.rstrip("?")


def _back_to_authorize():
    # 303 so the browser follows with GET.
    return redirect(_authorize_url(), code=303)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def render_error(error_code: str, description: str | None, status: int = 400):
    explanation = ERROR_EXPLANATIONS.get(error_code, DEFAULT_ERROR_EXPLANATION)
    html = render_template(
        "mockidp/error.html", error_code=error_code, description=description, explanation=explanation
    )
    return _no_store(current_app.make_response((html, status)))


def _oauth_error_response(error: OAuth2Error):
    if error.redirect_uri:
        # Client and redirect URI are valid, so the spec says: tell the client.
        return provider().server.handle_error_response(None, error)
    # Unknown client or unregistered redirect URI: never redirect anywhere.
    return render_error(error.error, error.description)


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    server = provider().server
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _oauth_error_response(error)

    if request.method == "POST":
        step = request.form.get("step", "")
        handler = _STEP_HANDLERS.get(step)
        if handler is None:
            abort(400)
        return _no_store(handler(grant))
    return _no_store(current_app.make_response(_render_step(grant)))


def _page_context(grant) -> dict:
    client: Client = grant.client
    return {"client": client, "action": _authorize_url(), "demo_pin": DEMO_PIN}


def _render_step(grant):
    flow = _current_flow()
    store = provider().store
    context = _page_context(grant)
    persona = personas.by_id(flow["persona_id"]) if flow else None
    if persona is None:
        locked = store.locked_persona_ids()
        return render_template(
            "mockidp/choose_card.html",
            personas=personas.PERSONAS,
            locked_ids=locked,
            locked_personas=[p for p in personas.PERSONAS if p.persona_id in locked],
            age_of=_age_of,
            **context,
        )
    if not flow.get("authenticated_at"):
        failures = store.pin_failures(persona.persona_id)
        return render_template(
            "mockidp/enter_pin.html",
            persona=persona,
            locked=failures >= MAX_PIN_FAILURES,
            remaining=MAX_PIN_FAILURES - failures,
            **context,
        )
    return render_template(
        "mockidp/consent.html",
        persona=persona,
        rows=claim_rows(persona, grant.request.scope),
        **context,
    )


def _age_of(persona: Persona) -> int:
    return persona.age_on(date.today())


def _choose_card(grant):
    persona = personas.by_id(request.form.get("persona_id"))
    if persona is None:
        flash(notice("card_unknown"))
        return _back_to_authorize()
    session[FLOW_KEY] = {
        "request": _request_fingerprint(),
        "persona_id": persona.persona_id,
        "started_at": int(time.time()),
        "authenticated_at": None,
    }
    return _back_to_authorize()


def _enter_pin(grant):
    flow = _current_flow()
    persona = personas.by_id(flow["persona_id"]) if flow else None
    if persona is None:
        flash(notice("flow_expired"))
        return _back_to_authorize()
    store = provider().store
    if store.is_locked(persona.persona_id):
        flash(notice("card_locked"))
        return _back_to_authorize()
    pin = request.form.get("pin", "")
    if not PIN_PATTERN.fullmatch(pin):
        # A malformed entry never reaches the card, so it costs no attempt.
        flash(notice("pin_format"))
        return _back_to_authorize()
    if hmac.compare_digest(pin.encode(), DEMO_PIN.encode()):
        store.reset_pin_failures(persona.persona_id)
        flow["authenticated_at"] = int(time.time())
        session[FLOW_KEY] = flow
        return _back_to_authorize()
    failures = store.record_pin_failure(persona.persona_id)
    if failures >= MAX_PIN_FAILURES:
        flash(notice("pin_locked"))
    else:
        flash(notice("pin_wrong", remaining=MAX_PIN_FAILURES - failures))
    return _back_to_authorize()


def _decide(grant):
    flow = _current_flow()
    persona = personas.by_id(flow["persona_id"]) if flow else None
    if persona is None or not flow.get("authenticated_at"):
        flash(notice("flow_expired"))
        return _back_to_authorize()
    session.pop(FLOW_KEY, None)
    approved = request.form.get("decision") == "allow"
    resident = SignedInResident(persona, flow["authenticated_at"]) if approved else None
    # With no resident, Authlib answers access_denied (with state) to the redirect URI.
    return provider().server.create_authorization_response(grant_user=resident, grant=grant)


def _cancel(grant):
    session.pop(FLOW_KEY, None)
    return provider().server.create_authorization_response(grant_user=None, grant=grant)


def _unlock(grant):
    persona = personas.by_id(request.form.get("persona_id"))
    if persona is None:
        abort(400)
    provider().store.reset_pin_failures(persona.persona_id)
    flash(notice("unlocked", name=persona.name))
    return _back_to_authorize()


def _choose_another_card(grant):
    session.pop(FLOW_KEY, None)
    return _back_to_authorize()


_STEP_HANDLERS = {
    "card": _choose_card,
    "pin": _enter_pin,
    "consent": _decide,
    "cancel": _cancel,
    "unlock": _unlock,
    "restart": _choose_another_card,
}
