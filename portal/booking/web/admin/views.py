"""Facility administration in the back office (admins only): the facility list, a facility's settings
(details, hours, slot pattern, prices, rules, cancellation terms, lottery), its bookable units and its
closures. URLs: /<municipality>/backoffice/admin/facilities/…; every change is written to the audit log."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import clock, db
from portal.backoffice import common
from portal.booking.domain.calendar import local_date
from portal.booking.services import admin as admin_service, facility_form as admin_form, photos, staff as staff_service
from portal.booking.services.admin import Invalid
from portal.procedures.catalogue import definition_of, latest_versions
from portal.staff import auth
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("booking_admin", __name__, url_prefix="/backoffice/admin/facilities",
                      template_folder="../../templates")
admin_required = auth.staff_required(role="admin")


def _facility_or_404(facility_id: int):
    facility = admin_service.facility_of(db.session(), g.municipality.id, facility_id)
    if facility is None:
        abort(404)
    return facility


def _today():
    return local_date(clock.now())


def _booking_procedures() -> list[tuple[str, str]]:
    """(key, title) of this municipality's procedures a booking can use (kind ``booking``)."""
    rows = latest_versions(db.session(), g.municipality, include_unpublished=True)
    return sorted((row.key, definition_of(row).title) for row in rows if definition_of(row).kind == "booking")


@bp.get("")
@admin_required
def facilities():
    rows = admin_service.facility_rows(db.session(), g.municipality.id)
    return render_template("booking/admin/facilities.html", nav="facilities", rows=rows,
                           categories=admin_form.CATEGORY_LABELS)


def _settings_page(facility, values: dict, errors: list[dict]):
    return render_template("booking/admin/facility_form.html", nav="facilities", facility=facility, values=values,
                           errors=errors, form=admin_form, booking_procedures=_booking_procedures(),
                           tab="settings"), 422 if errors else 200


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    if request.method == "GET":
        return _settings_page(None, admin_form.values_from_facility(None), [])
    values = admin_form.values_from_form(request.form)
    try:
        facility, data = admin_service.save_facility(db.session(), g.municipality.id, values)
    except Invalid as invalid:
        return _settings_page(None, values, invalid.errors)
    common.audit("admin.facility_create", "facility", facility.id, slug=facility.slug, name=facility.name,
                 published=facility.published)
    db.session().commit()
    flash(_("施設「%(name)s」を登録しました。続けて予約の単位になる区画（コート・部屋など）を登録してください。",
            name=facility.name), "success")
    return redirect(url_for(".units", facility_id=facility.id))


@bp.route("/<int:facility_id>", methods=["GET", "POST"])
@admin_required
def edit(facility_id: int):
    facility = _facility_or_404(facility_id)
    if request.method == "GET":
        return _settings_page(facility, admin_form.values_from_facility(facility), [])
    values = admin_form.values_from_form(request.form)
    try:
        facility, changes = admin_service.save_facility(db.session(), g.municipality.id, values, facility)
    except Invalid as invalid:   # raised before anything is changed
        return _settings_page(facility, values, invalid.errors)
    if changes:
        common.audit("admin.facility_update", "facility", facility.id, changes=changes)
        db.session().commit()
        flash(_("施設「%(name)s」の設定を保存しました。", name=facility.name), "success")
    else:
        flash(_("変更はありませんでした。"), "info")
    return redirect(url_for(".edit", facility_id=facility.id))


# --- units -----------------------------------------------------------------------------------------------

def _units_page(facility, errors: list[dict] | None = None, values: dict | None = None, status: int = 200,
                unit_values: dict | None = None):
    """``values``: what was typed into the add form; ``unit_values``: into one unit's form (with its ``id``)."""
    return render_template("booking/admin/units.html", nav="facilities", facility=facility, tab="units",
                           errors=errors or [], values=values or {}, unit_values=unit_values or {},
                           in_use=admin_service.units_in_use(db.session(), facility)), status


@bp.get("/<int:facility_id>/units")
@admin_required
def units(facility_id: int):
    return _units_page(_facility_or_404(facility_id))


@bp.post("/<int:facility_id>/units")
@admin_required
def unit_add(facility_id: int):
    facility = _facility_or_404(facility_id)
    values = {k: request.form.get(k, "") for k in ("slug", "name", "name_en", "capacity")}
    try:
        unit = admin_service.add_unit(db.session(), facility, **values)
    except Invalid as invalid:
        return _units_page(facility, invalid.errors, values, 422)
    common.audit("admin.facility_unit_add", "facility_unit", unit.id, facility_id=facility.id, slug=unit.slug,
                 name=unit.name)
    db.session().commit()
    flash(_("区画「%(name)s」を追加しました。", name=unit.name), "success")
    return redirect(url_for(".units", facility_id=facility.id))


def _unit_or_404(facility, unit_id: int):
    unit = admin_service.unit_of(facility, unit_id)
    if unit is None:
        abort(404)
    return unit


@bp.post("/<int:facility_id>/units/<int:unit_id>")
@admin_required
def unit_update(facility_id: int, unit_id: int):
    facility = _facility_or_404(facility_id)
    unit = _unit_or_404(facility, unit_id)
    typed = {k: request.form.get(k, "") for k in ("name", "name_en", "capacity")}
    try:
        changes = admin_service.update_unit(unit, **typed)
    except Invalid as invalid:
        return _units_page(facility, invalid.errors, status=422, unit_values={"id": unit.id, **typed})
    if changes:
        common.audit("admin.facility_unit_update", "facility_unit", unit.id, facility_id=facility.id, changes=changes)
        db.session().commit()
        flash(_("区画「%(name)s」を保存しました。", name=unit.name), "success")
    return redirect(url_for(".units", facility_id=facility.id))


@bp.post("/<int:facility_id>/units/<int:unit_id>/move")
@admin_required
def unit_move(facility_id: int, unit_id: int):
    facility = _facility_or_404(facility_id)
    unit = _unit_or_404(facility, unit_id)
    direction = request.form.get("direction", "")
    if admin_service.move_unit(facility, unit, direction):
        common.audit("admin.facility_unit_move", "facility_unit", unit.id, facility_id=facility.id,
                     direction=direction, order=[u.slug for u in sorted(facility.units, key=lambda u: u.sort_order)])
        db.session().commit()
    return redirect(url_for(".units", facility_id=facility.id) + f"#unit-{unit.id}")


@bp.post("/<int:facility_id>/units/<int:unit_id>/active")
@admin_required
def unit_active(facility_id: int, unit_id: int):
    facility = _facility_or_404(facility_id)
    unit = _unit_or_404(facility, unit_id)
    active = request.form.get("active") == "1"
    booked = admin_service.set_unit_active(db.session(), unit, active, clock.now())
    common.audit("admin.facility_unit_active", "facility_unit", unit.id, facility_id=facility.id, active=active,
                 upcoming_booked_slots=booked)
    db.session().commit()
    if active:
        flash(_("区画「%(name)s」の予約受付を再開しました。", name=unit.name), "success")
    else:
        flash(_("区画「%(name)s」を無効にしました。新しい予約は受け付けません。", name=unit.name), "success")
        if booked:
            flash(_("この区画には今後の予約が%(n)s枠あります。取り消されてはいないため、利用者への連絡が必要です。",
                    n=booked),
                  "warning")
    return redirect(url_for(".units", facility_id=facility.id))


@bp.post("/<int:facility_id>/units/<int:unit_id>/delete")
@admin_required
def unit_delete(facility_id: int, unit_id: int):
    facility = _facility_or_404(facility_id)
    unit = _unit_or_404(facility, unit_id)
    slug, name = unit.slug, unit.name
    try:
        admin_service.delete_unit(db.session(), facility, unit)
    except Invalid as invalid:
        return _units_page(facility, invalid.errors, status=409)
    common.audit("admin.facility_unit_delete", "facility_unit", unit_id, facility_id=facility.id, slug=slug, name=name)
    db.session().commit()
    flash(_("区画「%(name)s」を削除しました。", name=name), "success")
    return redirect(url_for(".units", facility_id=facility.id))


# --- photo -----------------------------------------------------------------------------------------------

def _photo_page(facility, errors: list[dict] | None = None, status: int = 200):
    return render_template("booking/admin/photo.html", nav="facilities", facility=facility, tab="photo",
                           errors=errors or [], photo=photos.photo_of(db.session(), facility)), status


@bp.get("/<int:facility_id>/photo")
@admin_required
def photo(facility_id: int):
    return _photo_page(_facility_or_404(facility_id))


@bp.post("/<int:facility_id>/photo")
@admin_required
def photo_upload(facility_id: int):
    facility = _facility_or_404(facility_id)
    upload = request.files.get("photo")
    try:
        processed = photos.process(upload.read(photos.MAX_BYTES + 1) if upload else b"")
    except photos.PhotoRefused as refused:
        return _photo_page(facility, [{"href": "#f-photo", "message": str(refused)}], 422)
    dbs = db.session()
    stored = photos.replace(dbs, facility, processed, lambda digest: url_for(
        "booking.facility_photo", municipality=g.municipality.slug, digest=digest))
    common.audit("admin.facility_photo_set", "facility", facility.id, digest=stored.digest,
                 width=stored.width, height=stored.height)
    dbs.commit()
    flash(_("写真を登録しました。"), "success")
    return redirect(url_for(".photo", facility_id=facility.id))


@bp.post("/<int:facility_id>/photo/delete")
@admin_required
def photo_remove(facility_id: int):
    facility = _facility_or_404(facility_id)
    dbs = db.session()
    if photos.remove(dbs, facility):
        common.audit("admin.facility_photo_remove", "facility", facility.id)
        dbs.commit()
        flash(_("写真を削除しました。"), "success")
    return redirect(url_for(".photo", facility_id=facility.id))


# --- closures --------------------------------------------------------------------------------------------

def _closures_page(facility, errors: list[dict] | None = None, values: dict | None = None, status: int = 200,
                   **context):
    return render_template("booking/admin/closures.html", nav="facilities", facility=facility, tab="closures",
                           errors=errors or [], values=values or {}, today=_today(), **context), status


@bp.get("/<int:facility_id>/closures")
@admin_required
def closures(facility_id: int):
    return _closures_page(_facility_or_404(facility_id))


@bp.post("/<int:facility_id>/closures")
@admin_required
def closure_add(facility_id: int):
    facility = _facility_or_404(facility_id)
    dbs = db.session()
    values = {k: request.form.get(k, "") for k in ("first_day", "last_day", "reason")}
    try:
        first, last, reason = admin_service.parse_closure(**values, today=_today())
    except Invalid as invalid:
        return _closures_page(facility, invalid.errors, values, 422)
    closing = staff_service.Closing(reason, first, last)
    in_the_way = staff_service.affected(dbs, facility, closing, clock.now())
    if in_the_way:
        # saving the days alone would leave residents holding bookings on closed days: send the admin on to the
        # closing flow, which lists those bookings, then cancels, refunds and tells each resident
        return _closures_page(facility, values=values, status=409, closing=closing, in_the_way=len(in_the_way))
    closure = admin_service.add_closure(dbs, facility, first, last, reason)
    common.audit("admin.facility_closure_add", "facility", facility.id, closure_id=closure.id,
                 first_day=closure.first_day.isoformat(), last_day=closure.last_day.isoformat(), reason=closure.reason)
    dbs.commit()
    flash(_("休館日を登録しました（%(first)s〜%(last)s）。", first=closure.first_day.isoformat(),
            last=closure.last_day.isoformat()), "success")
    return redirect(url_for(".closures", facility_id=facility.id))


@bp.post("/<int:facility_id>/closures/<int:closure_id>/delete")
@admin_required
def closure_remove(facility_id: int, closure_id: int):
    facility = _facility_or_404(facility_id)
    closure = admin_service.closure_of(facility, closure_id)
    if closure is None:
        abort(404)
    detail = {"closure_id": closure.id, "first_day": closure.first_day.isoformat(),
              "last_day": closure.last_day.isoformat(), "reason": closure.reason}
    try:
        admin_service.remove_closure(db.session(), facility, closure, _today())
    except Invalid as invalid:
        return _closures_page(facility, invalid.errors, status=409)
    common.audit("admin.facility_closure_remove", "facility", facility.id, **detail)
    db.session().commit()
    flash(_("休館日（%(first)s〜%(last)s）を削除しました。", first=detail["first_day"], last=detail["last_day"]),
          "success")
    return redirect(url_for(".closures", facility_id=facility.id))
