"""Applying for an event and following the registration: choose the session(s) and party, answer the event's
questions (the generic journey of its ``event`` definition), pay when a fee is due; a registration's page with
its status, accepting a waiting-list offer. Routes on the ``events`` blueprint."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.clock import now
from portal.events import applying, cancellation, follow_up, presenting, registration as service
from portal.events.models import Event
from portal.events.web.resident import bp
from portal.extensions import limiter
from portal.i18n import current_lang
from portal.identity import resident_required
from portal.procedures.models import Draft, Submission


def _event_or_404(slug: str) -> Event:
    if len(slug) > 60:
        abort(404)
    event = db.session().scalar(select(Event).where(Event.municipality_id == g.municipality.id, Event.slug == slug,
                                                    Event.status.in_(("published", "cancelled"))))
    if event is None:
        abort(404)
    return event


def _blocked(event: Event) -> str | None:
    """Why this visitor cannot apply now (a message for the page), or None."""
    from portal.booking.presentation.formatting import deadline, moment

    if event.status != "published":
        return _("この催しは中止になりました。")
    state = applying.window_state(event, now())
    if state == "before":
        return _("受付開始前です。受付は%(when)sからです。", when=moment(event.opens_at))
    if state == "closed":
        return _("受付は締め切りました（締切 %(when)s）。", when=deadline(event.closes_at))
    refusal = applying.audience_refusal(event, g.resident, g.municipality)
    if refusal == "not_resident":
        return _("この催しは%(city)sにお住まいの方が対象です。", city=g.municipality.display_name(current_lang()))
    if refusal is None:
        found = applying.refusals(event, resident=g.resident, answers=None)
        if found:
            return applying.refusal_message(found[0], applying.event_day(event))
    return None


def _render_apply(event: Event, choice: applying.Choice | None = None, message: str | None = None,
                  status: int = 200):
    dbs = db.session()
    from portal.events import seats

    existing = service.active_registration(dbs, event, g.resident.sub) if g.resident is not None else None
    remaining = {s.id: seats.remaining(dbs, s.id) for s in event.sessions}
    lang = current_lang()
    return render_template(
        "events/apply.html", event=event, event_title=applying.title(event, lang),
        venue=applying.venue(dbs, event, lang), choice=choice, errors=(choice.errors if choice else {}),
        message=message, blocked=_blocked(event), existing=existing, remaining=remaining,
        open_sessions=[s for s in event.sessions if s.status == "open"],
        session_label=applying.session_label, type_label=lambda key: applying.type_label(event, key, lang),
        max_preferences=applying.MAX_PREFERENCES), status


@bp.route("/<slug>/apply", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])  # starts an application for capacity, like booking's slots
def apply(slug: str):
    event = _event_or_404(slug)
    if g.resident is None:
        if request.method == "POST":
            return redirect(url_for("identity.login", next=url_for(".apply", slug=slug)), 303)
        return _render_apply(event)
    if request.method == "GET":
        return _render_apply(event)
    blocked = _blocked(event)
    choice = applying.read_choice(event, request.form)
    if blocked:
        return _render_apply(event, choice, status=403 if event.status == "published" else 409)
    if choice.errors:
        return _render_apply(event, choice, status=422)
    dbs = db.session()
    try:
        registration, draft = applying.start(dbs, event, g.resident, choice, now=now(), lang=current_lang())
        dbs.commit()
    except service.RegistrationRefused as refused:
        dbs.rollback()
        if refused.code == "already_registered":
            existing = service.active_registration(dbs, event, g.resident.sub)
            if existing is not None and existing.reference:
                flash(applying.refused_message(refused), "warning")
                return redirect(url_for(".registration", reference=existing.reference), 303)
        return _render_apply(event, choice, applying.refused_message(refused), 409)
    return redirect(url_for("procedures.step", token=draft.token, step_id=draft.current_step), 303)


def _own_or_404(reference: str):
    found = applying.own(db.session(), g.municipality.id, g.resident, reference)
    if found is None:
        abort(404)
    return found


@bp.get("/registrations")
@resident_required
def my_registrations():
    """The resident's applications to events, newest first."""
    dbs = db.session()
    rows = applying.of_resident(dbs, g.municipality.id, g.resident)
    at = now()
    return render_template("events/registrations.html",
                           registrations=[(r, presenting.context(dbs, r, at)) for r in rows])


@bp.get("/registrations/<reference>")
@resident_required
def registration(reference: str):
    registration = _own_or_404(reference)
    dbs = db.session()
    submission = dbs.get(Submission, registration.submission_id) if registration.submission_id else None
    draft = dbs.get(Draft, registration.draft_id) if registration.draft_id else None
    at = now()
    k = presenting.context(dbs, registration, at)
    cancellable = registration.status in ("pending_payment", "confirmed", "offered", "waiting", "applied") \
        and all(s.starts_at > at for s, _label in k["sessions"])
    ended = registration.status in ("cancelled", "withdrawn")
    return render_template("events/registration.html", registration=registration, k=k, submission=submission,
                           draft=draft, cancellable=cancellable,
                           refund=cancellation.refund_state(dbs, registration) if ended else None,
                           offer_open=registration.status == "offered" and registration.offer_expires_at is not None
                           and registration.offer_expires_at > at)


@bp.post("/registrations/<reference>/accept")
@limiter.limit("10 per minute")  # takes a held seat; emails the resident
@resident_required
def accept_offer(reference: str):
    registration = _own_or_404(reference)
    dbs = db.session()
    status = follow_up.accept_offer(dbs, registration, now=now())
    dbs.commit()
    if status is None:
        dbs.refresh(registration)
        if registration.status in ("confirmed", "pending_payment"):
            return redirect(url_for(".registration", reference=reference), 303)   # the second click of a double click
        flash(_("この席のご案内は期限を過ぎたか、取り消されています。"), "warning")
        return redirect(url_for(".registration", reference=reference), 303)
    if status == "pending_payment" and registration.submission_id is not None:
        flash(_("席を確保しました。お支払い期限までに参加費をお支払いください。"), "success")
        submission = dbs.get(Submission, registration.submission_id)
        return redirect(url_for("mypage.submission", reference=submission.reference) + "#fee", 303)
    flash(_("参加が確定しました。"), "success")
    return redirect(url_for(".registration", reference=reference), 303)
