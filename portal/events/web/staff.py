"""Events in the back office: each event's sessions with their participants (名簿 A4 and CSV).
URLs: /<municipality>/backoffice/events/…

Any staff member of the municipality may look; every view of names (the list, its print and its CSV) is audited.
An event or session of another municipality, or an id that does not exist, is a 404.
"""
from __future__ import annotations

from datetime import datetime

from flask import abort, g, render_template, request
from flask_babel import force_locale, lazy_gettext as _l

from portal import db, excel_csv
from portal.backoffice import common
from portal.clock import TOKYO, now
from portal.events import participants
from portal.events.models import Event, EventSession
from portal.i18n import current_lang
from portal.staff.auth import staff_required
from portal.tenancy.scope import tenant_blueprint

bp = tenant_blueprint("events_staff", __name__, url_prefix="/backoffice/events", template_folder="../templates")
NAV = "events"

EVENT_STATUS_LABELS = {"draft": _l("下書き"), "published": _l("公開中"), "cancelled": _l("中止")}
SESSION_STATUS_LABELS = {"open": _l("開催予定"), "cancelled": _l("中止")}


def event_or_404(event_id: int) -> Event:
    event = db.session().get(Event, event_id)
    if event is None or event.municipality_id != g.municipality.id:
        abort(404)
    return event


def session_or_404(session_id: int) -> EventSession:
    found = db.session().get(EventSession, session_id)
    if found is None or found.event.municipality_id != g.municipality.id:
        abort(404)
    return found


def render(template: str, status: int = 200, **context):
    return render_template(f"events/staff/{template}", nav=NAV, now=now(), session_label=session_label,
                           event_status_labels=EVENT_STATUS_LABELS, session_status_labels=SESSION_STATUS_LABELS,
                           **context), status


def session_label(session: EventSession) -> str:
    """「2026年12月20日(日) 10:00–12:00」 in the page's language."""
    from portal.templating import jst

    return f"{jst(session.starts_at)}–{session.ends_at.astimezone(TOKYO):%H:%M}"


@bp.get("")
@staff_required()
def index():
    rows = participants.municipality_events(db.session(), g.municipality.id, now())
    return render("index.html", rows=rows, lottery_labels=participants.LOTTERY_LABELS)


@bp.get("/<int:event_id>")
@staff_required()
def event(event_id: int):
    found = event_or_404(event_id)
    row = participants.event_rows(db.session(), [found], now())[0]
    return render("event.html", event=found, row=row, lottery_labels=participants.LOTTERY_LABELS,
                  is_admin=g.staff.is_admin)


def _roster(session: EventSession):
    dbs = db.session()
    columns = participants.question_columns(dbs, session.event)
    return columns, participants.roster(dbs, session, columns, lang=current_lang())


@bp.get("/sessions/<int:session_id>")
@staff_required()
def session(session_id: int):
    found = session_or_404(session_id)
    columns, rows = _roster(found)
    printing = request.args.get("print") == "1"
    common.audit("event.participants_print" if printing else "event.participants", "event_session", found.id,
                 event=found.event_id, registrations=[p.registration.id for p in rows])
    db.session().commit()
    return render("session.html", event_session=found, event=found.event, columns=columns, rows=rows,
                  counts=participants.counts(db.session(), found.id), printing=printing)


@bp.get("/sessions/<int:session_id>/participants.csv")
@staff_required()
def session_csv(session_id: int):
    """The participant list for the 主催課's spreadsheet: UTF-8 with BOM, one row per registration."""
    found = session_or_404(session_id)
    columns, rows = _roster(found)
    common.audit("event.participants_csv", "event_session", found.id, event=found.event_id,
                 registrations=[p.registration.id for p in rows])
    db.session().commit()
    event = found.event
    types = event.participant_types
    header = (["受付番号", "氏名", "フリガナ", "状況", "人数"] + [f"人数（{t.get('label', t['key'])}）" for t in types]
              + ["メールアドレス", "電話番号", "参加費", "支払い", "当日参加", "受付日時", "来場", "来場時刻",
                 "受付担当"] + [label for _id, label in columns])
    start = found.starts_at.astimezone(TOKYO)

    def stamp(moment: datetime | None) -> str:
        return moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M") if moment else ""

    def lines():
        with force_locale("ja"):   # the columns are the 主催課's, in Japanese like the header
            yield from japanese_lines()

    def japanese_lines():
        for p in rows:
            r = p.registration
            party = r.party or {}
            yield [common.csv_cell(v) for v in (
                [r.reference or "", p.person.name, p.person.kana, p.status_label, r.party_size]
                + [int(party.get(t["key"], 0) or 0) for t in types]
                + [p.person.email, p.person.phone, p.fee, p.payment_label, "当日" if r.walk_in else "",
                   stamp(r.created_at), "済" if p.seat.checked_in_at else "", stamp(p.seat.checked_in_at),
                   p.seat.checked_in_by]
                + [p.answers.get(field_id, "") for field_id, _label in columns])]

    filename = f"event-{event.slug}-{start:%Y%m%d-%H%M}.csv"
    return excel_csv.download(filename, excel_csv.chunks(header, lines()), {"Cache-Control": "no-store"})

