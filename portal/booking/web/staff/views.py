"""Facility booking in the back office: the day sheet (日報) the caretaker prints, booking at the counter for
someone at the desk, blocking slots for city events, closing a facility or some days of it (bookings cancelled
and refunded, residents emailed), and the lottery's rounds and applications.

URLs: /<municipality>/backoffice/facilities/… — any staff member of the municipality may look (every view of
names is audited); acting needs an admin or a staff member who processes the facility's booking procedure
(403 otherwise). A facility or reservation of another municipality is a 404.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import db, excel_csv
from portal.backoffice import common
from portal.booking.domain.calendar import local_date
from portal.booking.domain.pricing import slot_fee
from portal.booking.models import Facility, Reservation
from portal.booking.presentation.labels import CATEGORY_LABELS, RESERVATION_KIND_LABELS
from portal.booking.services import availability, booking as service, inventory, staff as staff_service
from portal.booking.services.holders import holder
from portal.booking.services.lottery import Month
from portal.booking.services.settings import settings_of
from portal.booking.web.staff import lottery as staff_lottery
from portal.clock import now
from portal.params import date_arg
from portal.payments.gateway import gateway
from portal.staff.auth import staff_required
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("booking_staff", __name__, url_prefix="/backoffice/facilities",
                      template_folder="../../templates")
NAV = "booking"


def _facility_or_404(slug: str) -> Facility:
    facility = inventory.facility_with_units(db.session(), g.municipality.id, slug)
    if facility is None:
        abort(404)
    return facility


def _acting_on(slug: str) -> Facility:
    facility = _facility_or_404(slug)
    if not staff_service.may_act(g.staff, facility):
        abort(403)
    return facility


def _reservation_or_404(facility: Facility, reservation_id: int) -> Reservation:
    reservation = db.session().get(Reservation, reservation_id)
    if reservation is None or reservation.municipality_id != g.municipality.id \
            or reservation.facility_id != facility.id:
        abort(404)
    return reservation


def _day(name: str = "date") -> date:
    return date_arg(name) or local_date(now())


def _render(template: str, facility: Facility | None = None, status: int = 200, **context):
    return render_template(f"booking/staff/{template}", nav=NAV, facility=facility,
                           may_act=facility is not None and staff_service.may_act(g.staff, facility),
                           today=local_date(now()), **context), status


@bp.get("")
@staff_required()
def facilities():
    rows = staff_service.facilities(db.session(), g.municipality.id)
    return _render("facilities.html", facilities=rows, category_labels=CATEGORY_LABELS,
                   acting={f.id for f in rows if staff_service.may_act(g.staff, f)})


# --- the day sheet ----------------------------------------------------------------------------------------------

@bp.get("/<slug>/day")
@staff_required()
def day_sheet(slug: str):
    facility = _facility_or_404(slug)
    day = _day()
    rows = staff_service.day_sheet(db.session(), facility, day, now())
    common.audit("booking.day_sheet", "facility", facility.slug, date=day.isoformat(),
                 reservations=sorted({r.holder.reservation.id for r in rows if r.holder}))
    db.session().commit()
    return _render("day_sheet.html", facility, day=day, rows=rows, kind_labels=RESERVATION_KIND_LABELS,
                   payment_labels=staff_service.PAYMENT_LABELS, prev=day - timedelta(days=1),
                   next=day + timedelta(days=1), now=now())


# --- booking at the counter ---------------------------------------------------------------------------------------

def _render_counter(facility: Facility, day: date, form: dict, errors=(), selected=(), status: int = 200):
    days = availability.days(db.session(), facility, day, day, now())
    prices = settings_of(facility).prices
    fees = {c.key: (slot_fee(prices, c.slot, True), slot_fee(prices, c.slot, False))
            for d in days for c in d.cells if not c.slot.is_closed}
    return _render("counter.html", facility, status, day=day, the_day=days[0] if days else None, fees=fees, form=form,
                   errors=list(errors), selected=list(selected),
                   units={u.slug: u.name for u in facility.units}, rules=settings_of(facility).rules,
                   groups=staff_service.approved_groups(db.session(), g.municipality.id),
                   prev=day - timedelta(days=1), next=day + timedelta(days=1))


@bp.get("/<slug>/counter")
@staff_required()
def counter(slug: str):
    facility = _acting_on(slug)
    return _render_counter(facility, _day(), {"resident": "yes", "payment": "cash"})


@bp.post("/<slug>/counter")
@staff_required()
def counter_book(slug: str):
    facility = _acting_on(slug)
    day = _day()
    keys = request.form.getlist("slot")
    form = {name: request.form.get(name, "") for name in ("name", "phone", "group_id", "group_name", "resident",
                                                          "payment")}
    try:
        reservation = staff_service.book_at_counter(
            db.session(), facility, keys, now(), name=form["name"], phone=form["phone"],
            is_resident=form["resident"] != "no", paid=form["payment"] == "cash", staff_id=g.staff.id,
            audit=common.audit, group_id=form["group_id"], group_name=form["group_name"])
    except service.BookingRefused as refused:
        db.session().rollback()
        return _render_counter(facility, day, form, refused.violations,
                               [k for k in keys if k not in refused.taken], 409 if refused.taken else 422)
    if reservation.status == "confirmed" and reservation.fee_amount:
        flash(_("窓口予約を登録しました。使用料%(fee)sを現金で受け取りました。", fee=f"{reservation.fee_amount:,}円"),
              "success")
    elif reservation.fee_amount:
        flash(_("窓口予約を登録しました。使用料%(fee)sは未払いです（日報から受領を記録できます）。",
                fee=f"{reservation.fee_amount:,}円"), "success")
    else:
        flash(_("窓口予約を登録しました。"), "success")
    return redirect(url_for(".day_sheet", slug=facility.slug, date=day.isoformat()), 303)


@bp.post("/<slug>/reservations/<int:reservation_id>/cash")
@staff_required()
def counter_cash(slug: str, reservation_id: int):
    facility = _acting_on(slug)
    reservation = _reservation_or_404(facility, reservation_id)
    if staff_service.record_cash(db.session(), reservation, now(), common.audit):
        flash(_("使用料%(fee)sの現金での受領を記録し、予約を確定しました。", fee=f"{reservation.fee_amount:,}円"),
              "success")
    return redirect(url_for(".day_sheet", slug=facility.slug, date=_day_of(reservation)), 303)


@bp.post("/<slug>/reservations/<int:reservation_id>/cancel")
@staff_required()
def counter_cancel(slug: str, reservation_id: int):
    facility = _acting_on(slug)
    reservation = _reservation_or_404(facility, reservation_id)
    day = _day_of(reservation)
    fee, paid = reservation.fee_amount, reservation.status == "confirmed"
    if request.form.get("confirm") == "yes" and staff_service.cancel_counter(
            db.session(), gateway(), reservation, now(), g.staff.id, common.audit):
        flash(_("窓口予約を取り消しました。受け取った使用料%(fee)sは窓口で返金してください。", fee=f"{fee:,}円")
              if paid and fee else _("窓口予約を取り消しました。"), "success")
    return redirect(url_for(".day_sheet", slug=facility.slug, date=day), 303)


def _day_of(reservation: Reservation) -> str:
    start = reservation.starts_at
    return (local_date(start) if start else local_date(now())).isoformat()


# --- blocks for city events -----------------------------------------------------------------------------------

def _render_blocks(facility: Facility, form: dict, errors=(), result=None, status: int = 200):
    return _render("blocks.html", facility, status, form=form, errors=list(errors), result=result,
                   bands=staff_service.bands(facility, local_date(now())),
                   blocks=staff_service.upcoming_blocks(db.session(), facility, now()),
                   names=common.staff_names(g.municipality.id), slot_labels=staff_service.slot_labels,
                   slot_text=staff_service.slot_text,
                   kind_labels=RESERVATION_KIND_LABELS)


@bp.get("/<slug>/blocks")
@staff_required()
def blocks(slug: str):
    facility = _acting_on(slug)
    day = _day().isoformat()
    return _render_blocks(facility, {"first_day": day, "last_day": day, "event": "",
                                     "units": [u.slug for u in facility.units if u.active],
                                     "starts": staff_service.bands(facility, local_date(now()))})


@bp.post("/<slug>/blocks")
@staff_required()
def block_add(slug: str):
    facility = _acting_on(slug)
    form = {"first_day": request.form.get("first_day", ""), "last_day": request.form.get("last_day", ""),
            "event": request.form.get("event", ""), "units": request.form.getlist("units"),
            "starts": request.form.getlist("starts")}
    try:
        result = staff_service.block(db.session(), facility, now(), first_day=form["first_day"],
                                     last_day=form["last_day"], units=form["units"], starts=form["starts"],
                                     event=form["event"], staff_id=g.staff.id, audit=common.audit)
    except staff_service.Invalid as invalid:
        return _render_blocks(facility, form, invalid.errors, status=422)
    if result.refused:
        # the holders' names are shown: a view of personal data
        common.audit("booking.block_refused", "facility", facility.slug,
                     reservations=sorted({h.reservation.id for _, h in result.refused}))
        db.session().commit()
    return _render_blocks(facility, form, result=result, status=200 if result.blocked or not result.refused else 409)


@bp.post("/<slug>/blocks/<int:reservation_id>/release")
@staff_required()
def block_release(slug: str, reservation_id: int):
    facility = _acting_on(slug)
    reservation = _reservation_or_404(facility, reservation_id)
    if staff_service.release_block(db.session(), reservation, now(), common.audit):
        flash(_("「%(event)s」の押さえを解除しました。枠は予約できるようになりました。", event=reservation.note),
              "success")
    return redirect(url_for(".blocks", slug=facility.slug), 303)


# --- closing --------------------------------------------------------------------------------------------------

def _closure_form() -> dict:
    return {name: request.form.get(name, "") for name in ("scope", "notice", "first_day", "last_day")}


def _render_closure(facility: Facility, form: dict, errors=(), status: int = 200, **context):
    return _render("closure.html", facility, status, form=form, errors=list(errors),
                   closures=staff_service.upcoming_closures(facility, local_date(now())), **context)


@bp.get("/<slug>/closure")
@staff_required()
def closure(slug: str):
    facility = _acting_on(slug)
    return _render_closure(facility, {"scope": "range", "notice": "", "first_day": "", "last_day": ""})


@bp.post("/<slug>/closure")
@staff_required()
def close(slug: str):
    """First the affected bookings to check (confirm step), then closing, cancelling and refunding them."""
    facility = _acting_on(slug)
    dbs = db.session()
    form = _closure_form()
    try:
        closing = staff_service.parse_closing(form["scope"], form["notice"], form["first_day"], form["last_day"],
                                              local_date(now()))
    except staff_service.Invalid as invalid:
        return _render_closure(facility, form, invalid.errors, 422)
    if request.form.get("confirm") != "yes":
        found = staff_service.affected(dbs, facility, closing, now())
        holders = [(holder(dbs, r), staff_service.slot_labels(r)) for r in found]
        common.audit("booking.closure_preview", "facility", facility.slug, reservations=[r.id for r in found])
        dbs.commit()
        return _render("closure_confirm.html", facility, form=form, closing=closing, holders=holders,
                       kind_labels=RESERVATION_KIND_LABELS)
    report = staff_service.close(dbs, gateway(), facility, closing, now(), staff_id=g.staff.id, audit=common.audit)
    return _render("closure_done.html", facility, report=report, kind_labels=RESERVATION_KIND_LABELS)


@bp.post("/<slug>/reopen")
@staff_required()
def reopen(slug: str):
    facility = _acting_on(slug)
    if staff_service.reopen(db.session(), facility, common.audit):
        flash(_("施設の予約の受付を再開しました。"), "success")
    return redirect(url_for(".closure", slug=facility.slug), 303)


# --- the lottery --------------------------------------------------------------------------------------------------

def _round_or_404(facility: Facility, month: str):
    try:
        target = Month.parse(month)
    except ValueError:
        abort(404)
    round_ = staff_lottery.round_of(db.session(), facility, target)
    if round_ is None:
        abort(404)
    return target, round_


@bp.get("/<slug>/lottery")
@staff_required()
def lottery_rounds(slug: str):
    facility = _facility_or_404(slug)
    return _render("lottery_rounds.html", facility, rounds=staff_lottery.rounds(db.session(), facility),
                   seed_published=staff_lottery.seed_published)


@bp.get("/<slug>/lottery/<month>")
@staff_required()
def lottery_round(slug: str, month: str):
    facility = _facility_or_404(slug)
    target, round_ = _round_or_404(facility, month)
    rows = staff_lottery.applications(db.session(), round_)
    common.audit("booking.lottery_applications", "lottery_round", round_.id, facility=facility.slug,
                 month=str(target), rows=len(rows))
    db.session().commit()
    return _render("lottery_round.html", facility, month=target, round=round_, rows=rows,
                   published=staff_lottery.seed_published(round_), key_label=staff_service.key_label,
                   outcome_text=staff_lottery.outcome_text, names_by_id={r.application.id: r.name for r in rows},
                   now=now())


@bp.get("/<slug>/lottery/<month>/applications.csv")
@staff_required()
def lottery_csv(slug: str, month: str):
    facility = _facility_or_404(slug)
    target, round_ = _round_or_404(facility, month)
    rows = staff_lottery.applications(db.session(), round_)
    common.audit("booking.lottery_export", "lottery_round", round_.id, facility=facility.slug, month=str(target),
                 rows=len(rows))
    db.session().commit()
    return excel_csv.download(f"lottery-{facility.slug}-{target}.csv", staff_lottery.applications_csv(facility, rows),
                              {"Cache-Control": "no-store"})
