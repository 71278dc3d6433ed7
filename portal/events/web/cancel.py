"""A resident cancels a registration: the confirmation page says what happens to the seat and the money, then the
seat goes back (to the waiting list) and a paid fee is refunded. Routes on the ``events`` blueprint."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.audit.service import Actor, record
from portal.clock import now
from portal.events import cancellation
from portal.events.models import EventRegistration
from portal.events.web.resident import bp
from portal.extensions import limiter
from portal.i18n import current_lang
from portal.identity import resident_required
from portal.payments.gateway import gateway
from portal.staff.auth import client_ip


def own_registration_or_404(reference: str) -> EventRegistration:
    """The signed-in resident's registration of this municipality; anyone else's (or none) is a 404."""
    registration = db.session().scalar(select(EventRegistration).where(
        EventRegistration.reference == reference[:20], EventRegistration.municipality_id == g.municipality.id))
    if registration is None or g.resident is None or registration.resident_id != g.resident.id:
        abort(404)
    return registration


def _audit(action: str, object_type: str = "", object_id: str | int = "", **detail) -> None:
    record(db.session(), Actor("resident", g.resident.id), action, object_type, object_id, detail, client_ip(),
           g.municipality.id)


@bp.route("/registrations/<reference>/cancel", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])  # it emails the resident and asks the provider for a refund
@resident_required
def cancel(reference: str):
    """GET: what cancelling does (the sessions, the seat, the money) and the button; or, once cancelled, where
    the refund stands. POST: cancel, then back to the registration's page."""
    registration = own_registration_or_404(reference)
    dbs = db.session()
    if request.method == "POST":
        done = cancellation.cancel_by_resident(dbs, gateway, registration, now=now(), audit=_audit)
        if done is None:
            dbs.rollback()
            registration = dbs.get(EventRegistration, registration.id)
            if registration.status in cancellation.CANCELLABLE:
                flash(_("取消の期限を過ぎているため、オンラインでは取り消せません。主催者にお問い合わせください。"),
                      "warning")
            else:
                flash(_("このお申込みはすでに取り消されているか、終了しています。"), "info")
        else:
            flash(_("お申込みを取り消しました。%(money)s", money=cancellation.money_text(done.plan, done=True)),
                  "success")
        return redirect(url_for(".registration", reference=reference), 303)
    terms = cancellation.quote(dbs, registration, now())
    event = registration.event
    return render_template("events/cancel.html", registration=registration, event=event,
                           title=(event.title_en or event.title) if current_lang() == "en" else event.title,
                           terms=terms, money=cancellation.money_text(terms.plan),
                           refund=cancellation.refund_state(dbs, registration))
