"""Residents' side of events: the list and month calendar with filters, and an event's page — links and forms
only, no JavaScript needed."""
from __future__ import annotations

from dataclasses import replace

from flask import Response, abort, g, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import db
from portal.clock import now
from portal.events import images, listing
from portal.events.models import Event, EventDraw
from portal.i18n import current_lang
from portal.params import parse_date
from portal.templating import yen
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events", __name__, url_prefix="/events", template_folder="../templates")

AUDIENCE_LABELS = {
    "anyone": _l("どなたでも申し込めます（市外の方も。申込はマイナンバーカードでログインしてから）"),
    "signed_in": _l("マイナンバーカードでログインした方が申し込めます"),
    "residents": _l("市内にお住まいの方が申し込めます（マイナンバーカードでログイン）"),
}


@bp.get("")
def index():
    """The list (default, paged) or ``view=calendar&month=YYYY-MM``, both under the same filters."""
    dbs, moment, lang = db.session(), now(), current_lang()
    filters = listing.parse_filters(request.args)
    view = "calendar" if request.args.get("view") == "calendar" else "list"
    common = {"filters": filters, "view": view, "labels": listing, "today": moment.astimezone(listing.TOKYO).date()}
    if view == "calendar":
        first = listing.parse_calendar_month(request.args.get("month"), common["today"])
        last = listing.month_last(first)
        after = listing.add_months(first, 1)
        events = listing.find_events(dbs, g.municipality.id, filters, moment, start=listing.tokyo_start(first),
                                     end=listing.tokyo_start(after) if after else None)
        day = parse_date(request.args.get("day"))
        day = day if day is not None and first <= day <= last else None
        cards, page = [], None
        if day is not None:
            page = listing.find_page(dbs, g.municipality.id,
                                     replace(filters, date_from=day, date_to=day), moment)
            facilities = listing.facilities_of(dbs, page.items)
            cards = [listing.card(e, moment, lang, facilities, yen) for e in page.items]
            common["images"] = images.images_of(dbs, page.items)
        counts = listing.day_counts(events, first, last)
        return render_template("events/calendar.html", month=first, day=day, cards=cards, page=page,
                               month_total=len(events),
                               weeks=listing.month_grid(first, counts),
                               prev_month=listing.add_months(first, -1), next_month=after,
                               weekdays=listing.WEEKDAYS_EN if lang == "en" else listing.WEEKDAYS_JA,
                               day_text=listing.local_day_text(day, lang) if day else "", **common)
    page = listing.find_page(dbs, g.municipality.id, filters, moment)
    facilities = listing.facilities_of(dbs, page.items)
    cards = [listing.card(e, moment, lang, facilities, yen) for e in page.items]
    return render_template("events/index.html", cards=cards, page=page, images=images.images_of(dbs, page.items),
                           **common)


@bp.get("/<slug>/image")
def image(slug: str):
    """A published event's image. The pages link it as ``?v=<digest prefix>``: that URL names one version, so
    it is cached for good; any other URL (an old version, none) is answered fresh and cached briefly."""
    found = images.served(db.session(), g.municipality.id, slug)
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Cache-Control"] = ("public, max-age=31536000, immutable"
                                         if request.args.get("v") == images.version(found) else "public, max-age=300")
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _published_or_404(slug: str) -> Event:
    event = db.session().scalar(
        select(Event).where(Event.municipality_id == g.municipality.id, Event.slug == slug,
                            Event.status.in_(("published", "cancelled")))
        .options(selectinload(Event.sessions)))
    if event is None:
        abort(404)
    return event


def _grade_name(grade: int) -> str:
    if 1 <= grade <= 6:
        return _("小学%(n)s年生", n=grade)
    if 7 <= grade <= 9:
        return _("中学%(n)s年生", n=grade - 6)
    return str(grade)


def eligibility_text(rule: dict) -> str:
    """One rule as residents read it: 「申込者本人が65歳以上」, 「お子さんが小学生」 (on the day of the event)."""
    who = _("申込者本人") if rule.get("subject", "applicant") == "applicant" else _("参加するお子さん")
    if rule.get("kind") == "grade":
        low, high = rule.get("first"), rule.get("last")
        if (low, high) == (1, 6):
            what = _("小学生")
        elif (low, high) == (7, 9):
            what = _("中学生")
        elif low and high:
            what = _("%(low)s〜%(high)s", low=_grade_name(low), high=_grade_name(high))
        elif low:
            what = _("%(low)s以上", low=_grade_name(low))
        else:
            what = _("%(high)s以下", high=_grade_name(high or 0))
    else:
        low, high = rule.get("minimum"), rule.get("maximum")
        if low is not None and high is not None:
            what = _("%(low)s歳〜%(high)s歳", low=low, high=high)
        elif low is not None:
            what = _("%(low)s歳以上", low=low)
        else:
            what = _("%(high)s歳以下", high=high)
    return _("%(who)sが%(what)s（開催日時点）", who=who, what=what)


@bp.get("/<slug>")
def detail(slug: str):
    """Everything an applicant needs to decide, and the way to apply while the window is open."""
    dbs, moment, lang = db.session(), now(), current_lang()
    event = _published_or_404(slug)
    facilities = listing.facilities_of(dbs, [event])
    facility = facilities.get(event.facility_id) if event.facility_id else None
    card = listing.card(event, moment, lang, facilities, yen)
    latitude = facility.latitude if facility is not None and facility.latitude is not None else event.latitude
    longitude = facility.longitude if facility is not None and facility.longitude is not None else event.longitude
    map_url = (f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}#map=17/{latitude:.6f}/"
               f"{longitude:.6f}" if latitude is not None and longitude is not None else "")
    sessions = [{"session": s, "text": listing.session_text(s, lang, year=True),
                 "badge": ("cancelled" if s.status != "open" else "past" if s.ends_at <= moment
                           else listing.session_badge(event, s, moment)),
                 "left": listing.remaining_seats(event, s)} for s in event.sessions]
    coming = [s for s in listing.open_sessions(event) if s.ends_at > moment]
    can_apply = event.status == "published" and card.window == "open" and bool(coming)
    draw = dbs.scalar(select(EventDraw).where(EventDraw.event_id == event.id, EventDraw.status == "drawn"))
    return render_template(
        "events/detail.html", event=event, card=card, sessions=sessions, facility=facility, map_url=map_url,
        description=listing.event_description(event, lang),
        address=(facility.address if facility is not None else event.venue_address),
        eligibility=[eligibility_text(r) for r in event.eligibility or [] if isinstance(r, dict)],
        audience=str(AUDIENCE_LABELS.get(event.audience, AUDIENCE_LABELS["signed_in"])),
        types=[{"label": (t.get("label_en") if lang == "en" and t.get("label_en") else t.get("label", "")),
                "price": int(t.get("price") or 0)} for t in event.participant_types or []],
        can_apply=can_apply, draw=draw, cancelled=event.status == "cancelled", labels=listing,
        image=images.image_of(dbs, event), image_alt=images.alt_for)
