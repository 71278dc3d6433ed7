"""Event administration (admins): create, edit, duplicate, publish and unpublish events and their sessions.
URLs: /<municipality>/backoffice/admin/events/…; every change is written to the audit log."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import clock, db
from portal.backoffice import common
from portal.booking.presentation.labels import RESERVATION_KIND_LABELS
from portal.booking.services import staff as booking_staff
from portal.events import admin_forms as forms, admin_service as service, images, venue
from portal.events.admin_service import Invalid
from portal.staff.auth import staff_required
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events_admin", __name__, url_prefix="/backoffice/admin/events",
                      template_folder="../templates")
admin_required = staff_required(role="admin")
NAV = "events_admin"


def _event_or_404(event_id: int):
    event = service.event_of(db.session(), g.municipality.id, event_id)
    if event is None:
        abort(404)
    return event


def _session_or_404(event, session_id: int):
    session = service.session_of(event, session_id)
    if session is None:
        abort(404)
    return session


def _choices():
    if "event_choices" not in g:
        g.event_choices = service.choices_for(db.session(), g.municipality)
    return g.event_choices


def _cancelled(event) -> list[dict]:
    if event.status != "cancelled":
        return []
    return [{"href": "#main", "message": _("中止したイベントは変更できません。")}]


@bp.get("")
@admin_required
def index():
    rows = service.event_rows(db.session(), g.municipality.id, clock.now())
    return render_template("events/admin/index.html", nav=NAV, rows=rows, statuses=service.STATUS_LABELS,
                           categories=forms.CATEGORY_LABELS)


def _venue_flashes(results: list[venue.VenueResult]) -> None:
    """Say what keeping the facility's slots did (nothing when nothing changed)."""
    blocked = sum(len(r.blocked) for r in results)
    refused = sum(len(r.refused) for r in results)
    released = sum(r.released for r in results)
    facility = next((r.facility for r in results if r.facility is not None), None)
    if blocked and facility is not None:
        flash(_("会場の施設「%(facility)s」の%(n)s枠を確保しました（住民は予約できなくなります）。",
                facility=facility.name, n=blocked), "success")
    if refused:
        flash(_("会場の施設の%(n)s枠はすでに予約が入っているため確保できませんでした。"
                "「回」のページで予約した方を確認し、調整してください。", n=refused), "warning")
    if released:
        flash(_("会場の施設の枠の確保を解除しました（%(n)s件）。", n=released), "info")


def _sync_venue(event) -> None:
    _venue_flashes(venue.sync_event(db.session(), event, clock.now(), staff_id=g.staff.id, audit=common.audit))


def _sync_session_venue(session) -> None:
    _venue_flashes([venue.sync_session(db.session(), session, clock.now(), staff_id=g.staff.id,
                                       audit=common.audit)])


# --- the event's settings --------------------------------------------------------------------------------------

def _settings_page(event, values: dict, errors: list[dict]):
    return render_template("events/admin/event_form.html", nav=NAV, event=event, values=values, errors=errors,
                           form=forms, choices=_choices(), statuses=service.STATUS_LABELS,
                           locked=event is not None and service.has_registrations(db.session(), event),
                           tab="settings"), 422 if errors else 200


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    if request.method == "GET":
        return _settings_page(None, forms.values_from_event(None), [])
    values = forms.values_from_form(request.form)
    try:
        event, data = service.save_event(db.session(), g.municipality.id, values, _choices())
    except Invalid as invalid:
        return _settings_page(None, values, invalid.errors)
    common.audit("admin.event_create", "event", event.id, slug=event.slug, title=event.title, after=data)
    db.session().commit()
    flash(_("イベント「%(title)s」を下書きとして登録しました。続けて回（開催日時と定員）を登録してください。",
            title=event.title), "success")
    return redirect(url_for(".sessions", event_id=event.id))


@bp.route("/<int:event_id>", methods=["GET", "POST"])
@admin_required
def edit(event_id: int):
    event = _event_or_404(event_id)
    if request.method == "GET":
        return _settings_page(event, forms.values_from_event(event), [])
    values = forms.values_from_form(request.form)
    if event.status == "cancelled":
        return _settings_page(event, values, _cancelled(event))
    try:
        event, changes = service.save_event(db.session(), g.municipality.id, values, _choices(), event)
    except Invalid as invalid:   # raised before anything is changed
        return _settings_page(event, values, invalid.errors)
    if changes:
        common.audit("admin.event_update", "event", event.id, changes=changes)
        db.session().commit()
        flash(_("イベント「%(title)s」の設定を保存しました。", title=event.title), "success")
        if "facility_id" in changes or "title" in changes:
            _sync_venue(event)
    else:
        flash(_("変更はありませんでした。"), "info")
    return redirect(url_for(".edit", event_id=event.id))


# --- sessions ----------------------------------------------------------------------------------------------------

def _sessions_page(event, errors: list[dict] | None = None, values: dict | None = None, status: int = 200,
                   session_values: dict | None = None):
    """``values``: what was typed into the add form; ``session_values``: into one session's form (with its id)."""
    return render_template("events/admin/sessions.html", nav=NAV, event=event, tab="sessions",
                           errors=errors or [], values=values or forms.session_values(None),
                           session_values=session_values or {}, form=forms, statuses=service.STATUS_LABELS,
                           in_use=service.sessions_in_use(db.session(), event), venue=_venue_context(event)), status


def _venue_context(event) -> dict:
    """The facility and each session's block state; showing who holds a slot is a view of personal data."""
    dbs = db.session()
    states = venue.venue_states(dbs, event, clock.now())
    holders = sorted({who.reservation.id for state in states.values() for _, who in state.refused})
    if holders:
        common.audit("event.venue_holders_viewed", "event", event.id, reservations=holders)
        dbs.commit()
    return {"facility": venue.venue_of(dbs, event), "states": states, "slot_text": booking_staff.slot_text,
            "kinds": RESERVATION_KIND_LABELS}


def _session_form() -> dict:
    return {name: (request.form.get(name) or "").strip() for name in forms.SESSION_FIELDS}


@bp.get("/<int:event_id>/sessions")
@admin_required
def sessions(event_id: int):
    return _sessions_page(_event_or_404(event_id))


@bp.post("/<int:event_id>/sessions")
@admin_required
def session_add(event_id: int):
    event = _event_or_404(event_id)
    values = _session_form()
    if event.status == "cancelled":
        return _sessions_page(event, _cancelled(event), values, 409)
    try:
        session = service.add_session(db.session(), event, values)
    except Invalid as invalid:
        return _sessions_page(event, invalid.errors, values, 422)
    common.audit("admin.event_session_add", "event_session", session.id, event_id=event.id,
                 starts_at=service.jsonable(session.starts_at), ends_at=service.jsonable(session.ends_at),
                 capacity=session.capacity)
    db.session().commit()
    flash(_("回を追加しました（%(start)s、定員%(capacity)s人）。",
            start=session.starts_at.astimezone(clock.TOKYO).strftime("%Y-%m-%d %H:%M"), capacity=session.capacity),
          "success")
    _sync_session_venue(session)
    return redirect(url_for(".sessions", event_id=event.id))


@bp.post("/<int:event_id>/sessions/<int:session_id>")
@admin_required
def session_update(event_id: int, session_id: int):
    event = _event_or_404(event_id)
    session = _session_or_404(event, session_id)
    typed = {"id": session.id, **_session_form()}
    if event.status == "cancelled":
        return _sessions_page(event, _cancelled(event), status=409, session_values=typed)
    dbs = db.session()
    try:
        changes = service.update_session(dbs, event, session, typed)
    except Invalid as invalid:
        return _sessions_page(event, invalid.errors, status=422, session_values=typed)
    if not changes:
        flash(_("変更はありませんでした。"), "info")
        return redirect(url_for(".sessions", event_id=event.id))
    common.audit("admin.event_session_update", "event_session", session.id, event_id=event.id, changes=changes)
    dbs.commit()
    flash(_("回を保存しました。"), "success")
    if "starts_at" in changes or "ends_at" in changes:
        _sync_session_venue(session)
    if ("starts_at" in changes or "ends_at" in changes) and session.id in service.sessions_in_use(dbs, event):
        flash(_("この回には申込があります。日時の変更は申込者に自動では知らされないため、連絡してください。"),
              "warning")
    if service.capacity_raised(changes):
        # the new seats go to the waiting list, first come first served, each with its offer email
        from portal.events.registration import offer_next

        offered = offer_next(dbs, event.id, now=clock.now())
        if offered:
            common.audit("admin.event_waitlist_offered", "event", event.id, session_id=session.id,
                         registration_ids=offered)
        dbs.commit()
        if offered:
            flash(_("増えた席をキャンセル待ちの%(n)s件に案内しました（メールでお知らせします）。", n=len(offered)),
                  "success")
    return redirect(url_for(".sessions", event_id=event.id) + f"#session-{session.id}")


@bp.post("/<int:event_id>/sessions/<int:session_id>/delete")
@admin_required
def session_delete(event_id: int, session_id: int):
    event = _event_or_404(event_id)
    session = _session_or_404(event, session_id)
    detail = {"event_id": event.id, "starts_at": service.jsonable(session.starts_at),
              "ends_at": service.jsonable(session.ends_at), "capacity": session.capacity}
    if event.status == "cancelled":
        return _sessions_page(event, _cancelled(event), status=409)
    try:
        service.remove_session(db.session(), event, session)
    except Invalid as invalid:
        return _sessions_page(event, invalid.errors, status=409)
    common.audit("admin.event_session_delete", "event_session", session_id, **detail)
    db.session().commit()
    flash(_("回を削除しました。"), "success")
    _venue_flashes([venue.VenueResult(session_id, released=venue.release_blocks_of(
        db.session(), g.municipality.id, session_id, clock.now(), common.audit))])
    return redirect(url_for(".sessions", event_id=event.id))


# --- image -------------------------------------------------------------------------------------------------------

def _image_page(event, values: dict | None = None, errors: list[dict] | None = None, status: int = 200):
    image = images.image_of(db.session(), event)
    if values is None:
        values = {"alt": image.alt if image else "", "alt_en": image.alt_en if image else ""}
    return render_template("events/admin/image.html", nav=NAV, event=event, image=image, values=values,
                           errors=errors or [], statuses=service.STATUS_LABELS, tab="image",
                           max_mb=images.MAX_BYTES // (1024 * 1024)), status


@bp.get("/<int:event_id>/image")
@admin_required
def image(event_id: int):
    return _image_page(_event_or_404(event_id))


@bp.post("/<int:event_id>/image")
@admin_required
def image_save(event_id: int):
    """Set, replace or re-describe the image; a bad file or a missing alt text keeps the answers (422)."""
    event = _event_or_404(event_id)
    values = {name: (request.form.get(name) or "").strip() for name in ("alt", "alt_en")}
    if _cancelled(event):
        return _image_page(event, values, _cancelled(event), 422)
    upload = request.files.get("image")
    raw = upload.read(images.MAX_BYTES + 1) if upload else b""
    try:
        stored, changes = images.save(db.session(), event, images.ImageForm(raw, values["alt"], values["alt_en"]))
    except Invalid as invalid:
        db.session().rollback()
        return _image_page(event, values, invalid.errors, 422)
    if changes:
        common.audit("admin.event_image_set", "event", event.id, digest=stored.digest, width=stored.width,
                     height=stored.height, changes=changes)
    db.session().commit()
    flash(_("画像を登録しました。") if "digest" in changes else _("画像の説明を保存しました。"), "success")
    return redirect(url_for(".image", event_id=event.id))


@bp.post("/<int:event_id>/image/delete")
@admin_required
def image_remove(event_id: int):
    event = _event_or_404(event_id)
    if _cancelled(event):
        return _image_page(event, None, _cancelled(event), 422)
    digest = images.remove(db.session(), event)
    if digest is not None:
        common.audit("admin.event_image_remove", "event", event.id, digest=digest)
        db.session().commit()
        flash(_("画像を削除しました。"), "success")
    return redirect(url_for(".image", event_id=event.id))


# --- duplicating -------------------------------------------------------------------------------------------------

def _duplicate_page(event, values: dict, errors: list[dict]):
    return render_template("events/admin/duplicate.html", nav=NAV, event=event, values=values, errors=errors,
                           first_start=service.first_start(event), statuses=service.STATUS_LABELS,
                           tab="duplicate"), 422 if errors else 200


@bp.route("/<int:event_id>/duplicate", methods=["GET", "POST"])
@admin_required
def duplicate(event_id: int):
    event = _event_or_404(event_id)
    if request.method == "GET":
        return _duplicate_page(event, forms.duplicate_values(event, service.suggested_slug(db.session(), event)), [])
    values = {name: (request.form.get(name) or "").strip() for name in ("title", "slug", "shift", "weeks",
                                                                         "first_day")}
    try:
        copy = service.duplicate(db.session(), event, values)
    except Invalid as invalid:
        return _duplicate_page(event, values, invalid.errors)
    common.audit("admin.event_duplicate", "event", copy.id, source_event_id=event.id, slug=copy.slug,
                 title=copy.title, shift_days=(copy.opens_at - event.opens_at).days,
                 sessions=[service.jsonable(s.starts_at) for s in copy.sessions])
    db.session().commit()
    flash(_("「%(title)s」を複製しました（下書き）。内容と日程を確認してから公開してください。", title=copy.title),
          "success")
    return redirect(url_for(".edit", event_id=copy.id))


# --- publishing --------------------------------------------------------------------------------------------------

def _publish_page(event, action: str, problems=None, status: int = 200):
    problems = service.publish_problems(event, _choices()) if problems is None and action == "publish" else problems
    return render_template("events/admin/publish.html", nav=NAV, event=event, action=action,
                           problems=problems or [], statuses=service.STATUS_LABELS, tab="publish"), status


@bp.route("/<int:event_id>/publish", methods=["GET", "POST"])
@admin_required
def publish(event_id: int):
    event = _event_or_404(event_id)
    if request.method == "GET" or event.status == "published":
        return _publish_page(event, "publish")
    before = event.status
    problems = service.publish(event, _choices())
    if problems:
        return _publish_page(event, "publish", problems, 422)
    common.audit("admin.event_publish", "event", event.id, changes={"status": {"before": before,
                                                                                "after": event.status}})
    db.session().commit()
    flash(_("「%(title)s」を公開しました。", title=event.title), "success")
    _sync_venue(event)
    return redirect(url_for(".edit", event_id=event.id))


@bp.route("/<int:event_id>/unpublish", methods=["GET", "POST"])
@admin_required
def unpublish(event_id: int):
    event = _event_or_404(event_id)
    if request.method == "GET":
        return _publish_page(event, "unpublish")
    if service.unpublish(event):
        common.audit("admin.event_unpublish", "event", event.id,
                     changes={"status": {"before": "published", "after": event.status}})
        db.session().commit()
        flash(_("「%(title)s」の公開を停止しました。住民向けのページには表示されません。", title=event.title),
              "success")
        _sync_venue(event)
    return redirect(url_for(".edit", event_id=event.id))


# --- the venue's slots -------------------------------------------------------------------------------------------

@bp.post("/<int:event_id>/venue")
@admin_required
def venue_sync(event_id: int):
    """Block again what is missing (slots freed since publishing, a block released by hand at the facility)."""
    event = _event_or_404(event_id)
    if event.status == "published" and venue.venue_of(db.session(), event) is not None:
        results = venue.sync_event(db.session(), event, clock.now(), staff_id=g.staff.id, audit=common.audit)
        if not any(r.blocked for r in results):
            flash(_("新たに確保できる枠はありませんでした。"), "info")
        _venue_flashes(results)
    return redirect(url_for(".sessions", event_id=event.id), 303)
