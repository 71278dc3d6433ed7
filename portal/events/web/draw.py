"""An event lottery's published record: the seed's commitment before the draw (and when it will be drawn), the seed,
capacities, pseudonymised inputs and the draw's trace after it — enough for anyone to re-run the draw. Routes on the
``events`` blueprint; no names, subs or 受付番号 are ever shown (``lottery.pseudonym``)."""
from __future__ import annotations

from flask import abort, g, render_template, request
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select

from portal import db
from portal.booking.domain.calendar import to_local
from portal.clock import now
from portal.events import lottery
from portal.events.domain.draw import ALL_FULL, PERSON_CAP, WON
from portal.events.models import Event
from portal.events.web.resident import bp
from portal.i18n import current_lang
from portal.templating import jst

OUTCOME_LABELS = {
    WON: _l("当選"),
    ALL_FULL: _l("落選（定員に達した）"),
    PERSON_CAP: _l("落選（1人1件まで）"),
    lottery.DUPLICATE: _l("重複申込のため抽選対象外"),
}


def _event_or_404(slug: str) -> Event:
    event = db.session().scalar(select(Event).where(Event.municipality_id == g.municipality.id, Event.slug == slug,
                                                    Event.status.in_(("published", "cancelled"))))
    if event is None or event.allocation != "lottery":
        abort(404)
    return event


def _session_labels(event: Event) -> dict[str, str]:
    labels = {str(s.id): f"{jst(s.starts_at)}–{to_local(s.ends_at):%H:%M}" for s in event.sessions}
    labels[lottery.SERIES] = str(_l("全%(n)s回（通し）", n=len(event.sessions)))
    return labels


def _rows(event_draw) -> list[dict]:
    """The draw in its order, one row per application: who (pseudonym), how many, which dates, what came of it."""
    record = event_draw.record
    applications = {a[0]: a for a in record["applications"]}
    waiting = record.get("waiting", [])
    first = {a[0]: a[3][0] for a in record["applications"] if a[3]}
    rows = []
    for step, round_no, person, application_id, outcome, session_key in record["trace"]:
        application = applications[application_id]
        place = None
        if application_id in waiting:
            place = 1 + sum(1 for i in waiting[:waiting.index(application_id)] if first.get(i) == first[application_id])
        rank = application[3].index(session_key) + 1 if session_key in application[3] else None
        rows.append({"step": step + 1, "round": round_no, "person": person, "id": application_id,
                     "party": application[2], "preferences": application[3], "outcome": outcome,
                     "session": session_key, "rank": rank, "waiting": place})
    for application_id in record.get("duplicates", []):
        application = applications[application_id]
        rows.append({"step": None, "round": None, "person": application[1], "id": application_id,
                     "party": application[2], "preferences": application[3], "outcome": lottery.DUPLICATE,
                     "session": None, "rank": None, "waiting": None})
    return rows


@bp.get("/<slug>/draw")
def draw_record(slug: str):
    """The public audit record of the event's lottery (``?format=json``: the same, for a program to re-run)."""
    event = _event_or_404(slug)
    event_draw = lottery.draw_of(db.session(), event.id)
    drawn = event_draw is not None and event_draw.status == "drawn" and bool(event_draw.record)
    if request.args.get("format") == "json":
        return {"event": event.slug, "algorithm": event_draw.algorithm if event_draw else None,
                "status": event_draw.status if event_draw else "open",
                "closes_at": event.closes_at.isoformat(), "draw_at": lottery.draw_at(event).isoformat(),
                "seed_commitment": event_draw.seed_commitment if event_draw else None,
                "inputs_digest": event_draw.inputs_digest if event_draw else None,
                "inputs_digest_of": 'SHA-256 of json.dumps({"algorithm": algorithm, "applications": applications '
                                    'sorted by id}, ensure_ascii=False, separators=(",", ":")) in UTF-8',
                "seed": event_draw.seed if drawn else None,
                "record": event_draw.record if drawn else None}
    title = event.title_en or event.title if current_lang() == "en" else event.title
    with force_locale(current_lang()):
        labels = _session_labels(event)
    return render_template(
        "events/draw_record.html", event=event, title=title, draw=event_draw, drawn=drawn, now=now(),
        draw_at=lottery.draw_at(event), labels=labels, rows=_rows(event_draw) if drawn else [],
        applications=len(event_draw.record.get("applications", [])) if event_draw and event_draw.record else None,
        verified=lottery.verify(event_draw) if drawn else None, outcome_labels=OUTCOME_LABELS,
        series_key=lottery.SERIES)
