"""Residents' side of facility booking: find a facility, see what is free (day list, week and month
calendars — plain links and forms, no JavaScript needed), book first-come, apply in the lottery, and follow,
cancel or add to a calendar every booking from their page. Every object URL checks its owner (404 otherwise)."""
from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import db, page_cache
from portal.booking.domain.calendar import add_months, days_in_month, local_date
from portal.booking.domain.lottery import Phase
from portal.booking.models import Facility, LotteryApplication, LotteryRound, Reservation
from portal.booking.presentation.formatting import deadline, moment
from portal.booking.presentation.labels import CATEGORY_LABELS
from portal.booking.services import (
    availability,
    booking as service,
    groups,
    ics,
    lottery as lottery_service,
    lottery_draft,
    photos,
)
from portal.booking.services.settings import settings_of
from portal.clock import now
from portal.extensions import limiter
from portal.i18n import current_lang
from portal.identity import resident_required
from portal.params import date_arg, parse_date
from portal.payments.gateway import gateway
from portal.procedures.models import Draft, Submission
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("booking", __name__, template_folder="../templates")
WEEK = 7
DIGEST = re.compile(r"[0-9a-f]{64}")


def _facility_or_404(slug: str) -> Facility:
    facility = db.session().scalar(select(Facility).where(
        Facility.municipality_id == g.municipality.id, Facility.slug == slug, Facility.published.is_(True)))
    if facility is None:
        abort(404)
    return facility


@bp.get("/facility-photos/<digest>.jpg")
def facility_photo(digest: str):
    """A facility's photo by the SHA-256 of its bytes: what a URL names never changes, so it is cached for good."""
    photo = photos.served(db.session(), g.municipality.id, digest) if DIGEST.fullmatch(digest) else None
    if photo is None:
        abort(404)
    response = Response(photo.data, mimetype=photo.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/facilities")
def facilities():
    """Search by type, area and date (a date lists only facilities with a free slot that day)."""
    dbs = db.session()
    category, area, day = request.args.get("category", ""), request.args.get("area", ""), date_arg("date")
    query = select(Facility).where(Facility.municipality_id == g.municipality.id, Facility.published.is_(True))
    all_rows = list(dbs.scalars(query.order_by(Facility.category, Facility.name_kana)))
    rows = [f for f in all_rows if (not category or f.category == category) and (not area or f.area == area)]
    free_on = {}
    if day is not None:
        for facility in rows:
            cells = [c for d in availability.days(dbs, facility, day, day, now(), g.resident) for c in d.cells]
            free_on[facility.id] = sum(c.status == "free" for c in cells)
        rows = [f for f in rows if free_on[f.id]]
    return render_template(
        "booking/facilities.html", facilities=rows, free_on=free_on, day=day, category=category, area=area,
        categories=[(c, CATEGORY_LABELS[c]) for c in dict.fromkeys(f.category for f in all_rows)],
        areas=sorted({f.area: f.area_name(current_lang()) for f in all_rows if f.area}.items()),  # filtered by 地区
        category_labels=CATEGORY_LABELS)


@bp.get("/facilities/<slug>")
def facility(slug: str):
    """The availability of one facility: ``view`` day (default, the phone's list), week or month."""
    page_cache.share(page_cache.LIVE_SECONDS)
    return _render_facility(_facility_or_404(slug), request.args.get("view", "day"), date_arg("date"),
                            selected=request.args.getlist("slot"))


def _render_facility(facility: Facility, view: str, day: date | None, selected=(), errors=(), group_id="",
                     status: int = 200):
    dbs = db.session()
    today = local_date(now())
    day = day or today
    leading = 0
    if view == "month":
        first = day.replace(day=1)
        last = first.replace(day=days_in_month(first.year, first.month))
        prev_y, prev_m = add_months(first.year, first.month, -1)
        next_y, next_m = add_months(first.year, first.month, 1)
        nav = {"prev": date(prev_y, prev_m, 1), "next": date(next_y, next_m, 1)}
        leading = first.weekday()  # Monday-first grid
    elif view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=WEEK - 1)
        nav = {"prev": first - timedelta(days=WEEK), "next": first + timedelta(days=WEEK)}
    else:
        view, first, last = "day", day, day
        nav = {"prev": day - timedelta(days=1), "next": day + timedelta(days=1)}
    settings = settings_of(facility)
    return render_template(
        "booking/facility.html", facility=facility, view=view, day=day, nav=nav, today=today, leading=leading,
        days=(availability.day_summaries(dbs, facility, first, last, now()) if view == "month"  # one mark a day
              else availability.days(dbs, facility, first, last, now(), g.resident)),
        rules=settings.rules, cancellation=settings.cancellation, lottery=settings.lottery,
        lottery_months=lottery_service.months_taking_applications(facility, now()),
        week_strip=[today + timedelta(days=i) for i in range(WEEK)], category_labels=CATEGORY_LABELS,
        is_resident=availability.is_resident_of(g.resident, facility), selected=list(selected),
        unit_names={u.slug: u.display_name(current_lang()) for u in facility.units}, errors=list(errors),
        group_id=str(group_id or ""),
        my_groups=groups.approved_of(dbs, g.municipality.id, g.resident)), status


@bp.post("/facilities/<slug>/book")
@limiter.limit("30 per minute")  # holding slots is cheap to ask for: a script must not hold a whole month
def book(slug: str):
    facility = _facility_or_404(slug)
    keys = request.form.getlist("slot")
    day = date_arg("date") or _day_of(keys)
    if g.resident is None:
        return redirect(url_for("identity.login", next=url_for(".facility", slug=slug, date=day, slot=keys)))
    group_id = request.form.get("group_id", "")
    try:
        group = groups.chosen(db.session(), g.municipality.id, g.resident, group_id)
        booked = service.book(db.session(), facility, g.resident, keys, now(), group, current_lang())
    except ValueError:
        return _render_facility(facility, "day", day, keys, [groups.NOT_YOURS], "", 422)
    except service.BookingRefused as refused:
        db.session().rollback()
        return _render_facility(facility, "day", day, [k for k in keys if k not in refused.taken], refused.violations,
                                group_id, 409 if refused.taken else 422)
    flash(_("枠を仮予約しました。%(minutes)s分以内に申込とお支払いを済ませてください。",
            minutes=settings_of(facility).rules.hold_minutes), "success")
    return redirect(url_for("procedures.step", token=booked.draft.token, step_id=booked.draft.current_step), 303)


@bp.post("/drafts/<token>/rehold")
@limiter.limit("30 per minute")  # takes capacity, like booking
@resident_required
def rehold(token: str):
    """The hold of a booking's draft ran out: take the same slots again, if they are still free."""
    dbs = db.session()
    draft = dbs.scalar(select(Draft).where(Draft.token == token, Draft.municipality_id == g.municipality.id,
                                           Draft.resident_id == g.resident.id, Draft.staff_user_id.is_(None)))
    reservation = service.for_draft(dbs, draft) if draft is not None and draft.submitted_at is None else None
    if reservation is None:
        abort(404)
    try:
        service.rehold(dbs, reservation, now())
    except service.BookingRefused as refused:
        dbs.rollback()
        violation = refused.violations[0]
        flash(violation.message_en if current_lang() == "en" else violation.message_ja, "error")
    else:
        flash(_("同じ枠をもう一度確保しました。%(when)sまでに申込とお支払いを済ませてください。",
                when=deadline(dbs.get(Reservation, reservation.id).hold_expires_at)), "success")
    return redirect(url_for("procedures.check", token=token), 303)


def _day_of(keys: list[str]) -> date | None:
    return parse_date(keys[0].split("/", 1)[1][:10]) if keys and "/" in keys[0] else None


# --- the lottery -------------------------------------------------------------------------------------------------

def _lottery_or_404(slug: str, month: str):
    facility = _facility_or_404(slug)
    try:
        target = lottery_service.Month.parse(month)
    except ValueError:
        abort(404)
    cal = lottery_service.calendar(facility, target)
    if cal is None:
        abort(404)
    return facility, target, cal, settings_of(facility).lottery


@bp.route("/facilities/<slug>/lottery/<month>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@resident_required
def lottery_apply(slug: str, month: str):
    """The application: the slots picked so far (each picked on pages of its own, see ``lottery_choose``),
    the contact address, and the button. The form carries the picks it shows, so what is sent is what was seen."""
    facility, target, cal, lottery = _lottery_or_404(slug, month)
    dbs = db.session()
    errors = []
    chosen = lottery_draft.preferences(dbs, facility, g.resident, target)
    email = (g.resident.remembered or {}).get("email", "")
    group_id = ""
    if request.method == "POST":
        chosen = [request.form.get(f"pref{i}", "") for i in range(1, lottery.policy.max_preferences + 1)]
        email, group_id = request.form.get("email", ""), request.form.get("group_id", "")
        try:
            group = groups.chosen(dbs, g.municipality.id, g.resident, group_id)
            lottery_service.apply(dbs, facility, g.resident, target, chosen, now(), email, group, current_lang())
        except ValueError:
            errors = [groups.NOT_YOURS]
        except service.BookingRefused as refused:
            dbs.rollback()
            errors = refused.violations
        else:
            lottery_draft.clear(dbs, facility, g.resident, target)
            dbs.commit()
            flash(_("抽選に申し込みました。結果は%(when)sにメールとマイページでお知らせします。",
                    when=moment(cal.draw_at)), "success")
            return redirect(url_for(".my_bookings"), 303)
        chosen = [key for key in chosen if key]
    mine = [a for a in lottery_service.of_resident(dbs, g.municipality.id, g.resident)
            if a.round.facility_id == facility.id and (a.round.year, a.round.month) == (target.year, target.month)
            and a.status != "withdrawn"]
    return render_template("booking/lottery_apply.html", facility=facility, month=target, calendar=cal,
                           policy=lottery.policy, errors=errors, chosen=chosen, email=email,
                           group_id=group_id, my_groups=groups.approved_of(dbs, g.municipality.id, g.resident),
                           phase=cal.phase(now()), mine=mine,
                           rules=settings_of(facility).rules), 422 if errors else 200


@bp.route("/facilities/<slug>/lottery/<month>/choose/<int:rank>", methods=["GET", "POST"])
@limiter.limit("60 per minute", methods=["POST"])
@resident_required
def lottery_choose(slug: str, month: str, rank: int):
    """Pick the slot for one rank: the lottery month's days, then (``?date=``) that day's slots, each a button
    of one plain form; the pick is kept server-side and the resident returns to the application."""
    facility, target, cal, lottery = _lottery_or_404(slug, month)
    dbs = db.session()
    chosen = lottery_draft.preferences(dbs, facility, g.resident, target)
    if not 1 <= rank <= min(len(chosen) + 1, lottery.policy.max_preferences):
        abort(404)
    back = url_for(".lottery_apply", slug=slug, month=str(target))
    if cal.phase(now()) is not Phase.APPLICATIONS:
        return redirect(back, 303)  # the application page says the window is not open
    slots = lottery_service.lottery_slots(facility, target)
    if request.method == "POST":
        key = request.form.get("slot", "")
        if key not in {s.key for s in slots}:
            abort(422)
        lottery_draft.choose(dbs, facility, g.resident, target, rank, key, lottery.policy.max_preferences)
        flash(_("第%(n)s希望を選びました。", n=rank), "success")
        return redirect(back, 303)
    day = date_arg("date")
    by_day: dict[date, list] = {}
    for slot in slots:
        by_day.setdefault(slot.local_date, []).append(slot)
    if day is not None and day not in by_day:
        abort(404)
    bands: dict[str, list] = {}
    for slot in by_day.get(day, []):
        bands.setdefault(f"{slot.local_starts_at:%H:%M}–{slot.local_ends_at:%H:%M}", []).append(slot)
    return render_template("booking/lottery_choose.html", facility=facility, month=target, rank=rank, day=day,
                           days=sorted(by_day.items()), bands=bands, chosen=chosen, back=back,
                           unit_names={u.slug: u.display_name(current_lang()) for u in facility.units})


@bp.post("/facilities/<slug>/lottery/<month>/remove/<int:rank>")
@resident_required
def lottery_remove(slug: str, month: str, rank: int):
    facility, target, _cal, _lottery = _lottery_or_404(slug, month)
    lottery_draft.remove(db.session(), facility, g.resident, target, rank)
    flash(_("第%(n)s希望を外しました。後の希望は順位が1つずつ上がります。", n=rank), "success")
    return redirect(url_for(".lottery_apply", slug=slug, month=str(target)), 303)


@bp.get("/facilities/<slug>/lottery/<month>/record")
def lottery_record(slug: str, month: str):
    """The public audit record: the seed's hash from the close of applications, the seed and the whole
    pseudonymised draw after it — anyone can re-run the published algorithm and get the same result."""
    facility = _facility_or_404(slug)
    try:
        target = lottery_service.Month.parse(month)
    except ValueError:
        abort(404)
    round_ = db.session().scalar(select(LotteryRound).where(
        LotteryRound.facility_id == facility.id, LotteryRound.year == target.year, LotteryRound.month == target.month))
    if round_ is None:
        abort(404)
    published = round_.status in ("drawn", "finished")
    if request.args.get("format") == "json":
        return {"facility": facility.slug, "month": str(target), "status": round_.status,
                "algorithm": round_.algorithm, "seed_commitment": round_.seed_commitment,
                "inputs_digest": round_.inputs_digest, "seed": round_.seed if published else None,
                "record": round_.record if published else None}
    return render_template("booking/lottery_record.html", facility=facility, month=target, round=round_,
                           published=published, verified=lottery_service.verify(round_) if published else None)


# --- the resident's bookings ----------------------------------------------------------------------------------------

def _own_reservation_or_404(reservation_id: int) -> Reservation:
    reservation = db.session().get(Reservation, reservation_id)
    if reservation is None or reservation.municipality_id != g.municipality.id or g.resident is None \
            or reservation.resident_id != g.resident.id:
        abort(404)
    return reservation


def _own_application_or_404(application_id: int) -> LotteryApplication:
    application = db.session().get(LotteryApplication, application_id)
    if application is None or application.municipality_id != g.municipality.id or g.resident is None \
            or application.resident_id != g.resident.id:
        abort(404)
    return application


@bp.get("/mypage/bookings")
@resident_required
def my_bookings():
    dbs = db.session()
    return render_template("booking/my_bookings.html",
                           reservations=service.of_resident(dbs, g.municipality.id, g.resident),
                           applications=lottery_service.of_resident(dbs, g.municipality.id, g.resident), now=now())


@bp.get("/mypage/bookings/<int:reservation_id>")
@resident_required
def reservation(reservation_id: int):
    return _render_reservation(_own_reservation_or_404(reservation_id))


def _render_reservation(reservation: Reservation, errors=()):
    dbs = db.session()
    paid = service.paid_remaining(dbs, reservation)
    submission = dbs.get(Submission, reservation.submission_id) if reservation.submission_id else None
    draft = dbs.get(Draft, reservation.draft_id) if reservation.draft_id else None
    return render_template("booking/reservation.html", reservation=reservation, submission=submission, draft=draft,
                           quote=service.quote(reservation, now(), paid), paid=paid,
                           slot_quotes=service.slot_quotes(reservation, reservation.live_slots, now(), paid),
                           live=service.is_live(reservation, now()), now=now(), errors=list(errors),
                           cancellation=settings_of(reservation.facility).cancellation)


@bp.post("/mypage/bookings/<int:reservation_id>/cancel")
@limiter.limit("10 per minute")  # it emails the resident
@resident_required
def cancel(reservation_id: int):
    reservation = _own_reservation_or_404(reservation_id)
    if request.form.get("confirm") != "yes":
        return redirect(url_for(".reservation", reservation_id=reservation.id), 303)
    terms = service.cancel(db.session(), gateway(), reservation, now(), by="resident",
                           reason=request.form.get("reason", "").strip()[:200] or "利用者による取消")
    _flash_cancelled(terms.allowed, terms.refund)
    return redirect(url_for(".reservation", reservation_id=reservation.id), 303)


def _flash_cancelled(allowed: bool, refund: int, some: bool = False) -> None:
    if not allowed:
        flash(_("取消の期限を過ぎているため、オンラインでは取り消せません。施設にお問い合わせください。"), "warning")
    elif some and refund:
        flash(_("選んだ枠を取り消しました。%(amount)sを返金します。", amount=f"{refund:,}円"), "success")
    elif some:
        flash(_("選んだ枠を取り消しました。"), "success")
    elif refund:
        flash(_("予約を取り消しました。%(amount)sを返金します。", amount=f"{refund:,}円"), "success")
    else:
        flash(_("予約を取り消しました。"), "success")


@bp.route("/mypage/bookings/<int:reservation_id>/cancel-slots", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])  # it emails the resident and asks for a refund
@resident_required
def cancel_slots(reservation_id: int):
    """Cancel some slots of a confirmed booking: the resident ticks them on the booking page (a plain GET
    form), sees each slot's late fee and refund here, and confirms."""
    reservation = _own_reservation_or_404(reservation_id)
    dbs = db.session()
    back = url_for(".reservation", reservation_id=reservation.id)
    form = request.form if request.method == "POST" else request.args
    if reservation.status != "confirmed":
        flash(_("この予約は取り消されているか、まだ確定していません。"), "warning")
        return redirect(back, 303)
    if request.method == "POST" and form.get("confirm") == "yes":
        try:
            terms = service.cancel_slots(dbs, gateway(), reservation, form.getlist("slot"), now(),
                                         version=int(form.get("version", "0") or 0))
        except (service.Stale, ValueError):
            dbs.rollback()
            flash(_("この予約は先ほど変更されました。現在の内容を確認してください。"), "warning")
            return redirect(back, 303)
        if terms is not None:
            _flash_cancelled(terms.allowed, terms.refund if terms.allowed else 0, some=not terms.whole)
            return redirect(back, 303)
    rows = service.chosen_slots(reservation, form.getlist("slot"))
    if rows is None:
        return _render_reservation(reservation, errors=[_("取り消す枠を選んでください。")]), 422
    paid = service.paid_remaining(dbs, reservation)
    return render_template("booking/cancel_slots.html", reservation=reservation, paid=paid,
                           terms=service.quote_partial(reservation, rows, now(), paid),
                           cancellation=settings_of(reservation.facility).cancellation)


@bp.get("/mypage/bookings/<int:reservation_id>.ics")
@resident_required
def reservation_ics(reservation_id: int):
    reservation = _own_reservation_or_404(reservation_id)
    if reservation.status != "confirmed":
        abort(404)
    body = ics.calendar(reservation, current_app.config["PUBLIC_URL"])
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="booking-{reservation.id}.ics"'})


@bp.post("/mypage/lottery/<int:application_id>/withdraw")
@resident_required
def lottery_withdraw(application_id: int):
    application = _own_application_or_404(application_id)
    if lottery_service.withdraw(db.session(), application, now()):
        flash(_("抽選の申込を取り下げました。"), "success")
    return redirect(url_for(".my_bookings"), 303)


@bp.post("/mypage/lottery/<int:application_id>/confirm")
@resident_required
def lottery_confirm(application_id: int):
    """A winner goes on to the booking questions and the payment, like a first-come booking."""
    application = _own_application_or_404(application_id)
    reservation = lottery_service.reservation_of(db.session(), application)
    if application.status != "won" or reservation is None or not service.is_live(reservation, now()):
        flash(_("この当選は確定の期限を過ぎたか、取り消されています。"), "warning")
        return redirect(url_for(".my_bookings"), 303)
    draft = service.start_answers(db.session(), reservation, g.resident)
    if draft.submitted_at is not None:
        return redirect(url_for(".reservation", reservation_id=reservation.id), 303)
    return redirect(url_for("procedures.step", token=draft.token, step_id=draft.current_step), 303)


@bp.post("/mypage/lottery/<int:application_id>/decline")
@resident_required
def lottery_decline(application_id: int):
    application = _own_application_or_404(application_id)
    if lottery_service.decline(db.session(), application, now()):
        flash(_("当選を辞退しました。"), "success")
    return redirect(url_for(".my_bookings"), 303)
