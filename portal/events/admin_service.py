"""Event administration for a municipality's admins: events, their sessions, duplicating, publishing.

Plain arguments in, rows out; the caller (a view, a test) writes the audit entry and commits. Anything refused
raises :class:`Invalid` with Japanese errors shaped like the forms' (``href`` = the field's id), before anything
is changed. A session's capacity changes by a conditional UPDATE (``WHERE taken <= new capacity``), so lowering it
can never go below the seats an applicant takes at the same moment; the caller offers the seats a raise frees to
the waiting list after committing it (:func:`portal.events.registration.offer_next`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.booking.models import Facility
from portal.events import admin_forms as forms
from portal.events.models import Event, EventImage, EventRegistration, EventSession, RegistrationSession
from portal.procedures.catalogue import definition_of, latest_versions
from portal.tenancy.models import Municipality

#: Event.status; ``unpublished`` (公開停止) is an event taken off the resident pages after it was published
STATUS_LABELS = {
    "draft": _l("下書き"),
    "published": _l("公開中"),
    "unpublished": _l("公開停止"),
    "cancelled": _l("中止"),
}
#: columns the event form writes (in form order, as the audit lists changes)
FORM_COLUMNS = (
    "title", "title_kana", "title_en", "slug", "description", "description_en", "category", "department", "contact",
    "facility_id", "venue_name", "venue_address", "latitude", "longitude", "accessibility", "what_to_bring",
    "audience", "procedure_key", "eligibility", "target_tags", "session_mode", "participant_types", "max_party",
    "opens_at", "closes_at", "allocation", "waitlist", "offer_hold_hours", "offer_closes_before_hours",
    "cancel_until_hours", "pay_within_hours",
)
#: columns a duplicate copies as they are (the window moves, the title and slug are the admin's)
COPIED_COLUMNS = tuple(c for c in FORM_COLUMNS if c not in ("title", "slug", "opens_at", "closes_at"))


class Invalid(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors

    @classmethod
    def one(cls, href: str, message: str) -> Invalid:
        return cls([{"href": href, "message": message}])


def jsonable(value):
    """A column value as the audit log's JSON keeps it (moments in ISO 8601, UTC)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _change(before, after) -> dict:
    return {"before": jsonable(before), "after": jsonable(after)}


# --- reading ------------------------------------------------------------------------------------------------

def event_of(dbs: Session, municipality_id: int, event_id: int) -> Event | None:
    """The event only if it belongs to this municipality (anything else reads as "not found")."""
    return dbs.scalar(select(Event).where(Event.id == event_id, Event.municipality_id == municipality_id))


def session_of(event: Event, session_id: int) -> EventSession | None:
    return next((s for s in event.sessions if s.id == session_id), None)


@dataclass(frozen=True)
class EventRow:
    event: Event
    #: the first open session from now on (None: none left, or none yet)
    next_session: EventSession | None
    sessions: int
    registrations: int


def event_rows(dbs: Session, municipality_id: int, now: datetime) -> list[EventRow]:
    events = dbs.scalars(select(Event).where(Event.municipality_id == municipality_id)
                         .order_by(Event.opens_at.desc(), Event.id.desc())).all()
    counts = dict(dbs.execute(
        select(EventRegistration.event_id, func.count()).where(
            EventRegistration.municipality_id == municipality_id,
            EventRegistration.status.not_in(("draft", "cancelled", "withdrawn", "lapsed", "lost")))
        .group_by(EventRegistration.event_id)).all())
    rows = []
    for event in events:
        coming = [s for s in event.sessions if s.status == "open" and s.ends_at >= now]
        rows.append(EventRow(event, coming[0] if coming else None, len(event.sessions), counts.get(event.id, 0)))
    return rows


def choices_for(dbs: Session, municipality: Municipality) -> forms.Choices:
    """The menus of the event form: this municipality's facilities, its published definitions of kind ``event``
    and the date fields of each (what a grade or age rule may name)."""
    facilities = {f.id: f.name for f in dbs.scalars(select(Facility).where(Facility.municipality_id == municipality.id)
                                                   .order_by(Facility.name_kana, Facility.name))}
    procedures: dict[str, str] = {}
    date_fields: dict[str, dict[str, str]] = {}
    for row in latest_versions(dbs, municipality):
        definition = definition_of(row)
        if definition.kind != "event":
            continue
        procedures[row.key] = definition.title
        date_fields[row.key] = {f.id: f.label for f in definition.fields.values() if f.type_name == "date"}
    return forms.Choices(facilities, dict(sorted(procedures.items(), key=lambda kv: kv[1])), date_fields)


def has_registrations(dbs: Session, event: Event) -> bool:
    return dbs.scalar(select(EventRegistration.id).where(EventRegistration.event_id == event.id).limit(1)) is not None


def sessions_in_use(dbs: Session, event: Event) -> set[int]:
    """Sessions some registration names (any status): they are cancelled, never deleted."""
    ids = [s.id for s in event.sessions]
    if not ids:
        return set()
    return set(dbs.scalars(select(RegistrationSession.session_id)
                           .where(RegistrationSession.session_id.in_(ids)).distinct()))


def first_start(event: Event | None) -> datetime | None:
    starts = [s.starts_at for s in (event.sessions if event else []) if s.status == "open"]
    return min(starts) if starts else None


# --- the event ----------------------------------------------------------------------------------------------

def _structure_errors(dbs: Session, event: Event, data: dict) -> list[dict]:
    """What may not change once people have applied: how they applied, and the participant types they counted."""
    if not has_registrations(dbs, event):
        return []
    errors = []
    if data["session_mode"] != event.session_mode:
        errors.append({"href": "#f-session_mode",
                       "message": _("申込があるため、開催の形は変更できません")})
    if data["allocation"] != event.allocation:
        errors.append({"href": "#f-allocation",
                       "message": _("申込があるため、受付の方法（先着順・抽選）は変更できません")})
    parties = dbs.scalars(select(EventRegistration.party).where(EventRegistration.event_id == event.id))
    used = {key for party in parties for key, count in (party or {}).items() if count}
    kept = {t["key"] for t in data["participant_types"]}
    missing = [t["label"] for t in event.participant_types or [] if t["key"] in used - kept]
    if missing:
        errors.append({"href": "#f-type_label_0", "message": _(
            "申込に使われている参加者の区分（%(labels)s）は削除できません", labels="、".join(missing))})
    return errors


def save_event(dbs: Session, municipality_id: int, values: dict, choices: forms.Choices,
               event: Event | None = None) -> tuple[Event, dict]:
    """Create (``event=None``, a draft) or update an event from the form's values.

    Returns the event and what changed ({column: {"before", "after"}}; for a new one every column's value)."""
    parsed = forms.parse(values, choices, first_start=first_start(event))
    errors = list(parsed.errors)
    slug = forms.normal(values.get("slug", "")).lower()
    taken = dbs.scalar(select(Event.id).where(Event.municipality_id == municipality_id, Event.slug == slug,
                                              Event.id != (event.id if event else -1)))
    if taken is not None:
        errors.insert(0, {"href": "#f-slug", "message": _("このURL用の名前は別のイベントで使われています")})
    if not errors and event is not None:
        errors = _structure_errors(dbs, event, parsed.data)
    if errors:
        raise Invalid(errors)
    data = parsed.data
    if event is None:
        event = Event(municipality_id=municipality_id, status="draft", **data)
        dbs.add(event)
        dbs.flush()
        return event, {name: jsonable(value) for name, value in data.items()}
    changes = {name: _change(getattr(event, name), value) for name, value in data.items()
               if getattr(event, name) != value}
    for name in changes:
        setattr(event, name, data[name])
    dbs.flush()
    return event, changes


# --- sessions -----------------------------------------------------------------------------------------------

def _check_mode(event: Event, adding: bool) -> None:
    open_sessions = [s for s in event.sessions if s.status == "open"]
    if adding and event.session_mode == "single" and open_sessions:
        raise Invalid.one("#f-new-day", _("「1回だけの開催」のイベントには回を1つだけ登録できます。"
                                          "複数の日程があるときは、設定で開催の形を変えてください"))


def add_session(dbs: Session, event: Event, values: dict) -> EventSession:
    _check_mode(event, adding=True)
    times, errors = forms.parse_session(values, "f-new", closes_at=event.closes_at)
    if errors:
        raise Invalid(errors)
    session = EventSession(starts_at=times.starts_at, ends_at=times.ends_at, capacity=times.capacity, taken=0,
                           status="open")
    event.sessions.append(session)
    dbs.flush()
    return session


def update_session(dbs: Session, event: Event, session: EventSession, values: dict) -> dict:
    """New times and capacity; returns the changes. The capacity moves only if the seats already taken still fit,
    decided by the database (a conditional UPDATE), so an applicant taking seats meanwhile is never overbooked."""
    if session.status != "open":
        raise Invalid.one(f"#session-{session.id}", _("中止した回は変更できません"))
    times, errors = forms.parse_session(values, f"session-{session.id}", closes_at=event.closes_at)
    if errors:
        raise Invalid(errors)
    if times.capacity != session.capacity:
        moved = dbs.execute(update(EventSession)
                            .where(EventSession.id == session.id, EventSession.taken <= times.capacity)
                            .values(capacity=times.capacity), execution_options={"synchronize_session": False})
        before = session.capacity
        dbs.expire(session, ["capacity", "taken"])
        if moved.rowcount != 1:
            raise Invalid.one(f"#session-{session.id}-capacity", _(
                "この回はすでに%(taken)s人分の席が申し込まれているため、定員を%(capacity)s人にはできません"
                "（%(taken)s人以上にしてください）", taken=session.taken, capacity=times.capacity))
        changes = {"capacity": _change(before, times.capacity)}
    else:
        changes = {}
    for name in ("starts_at", "ends_at"):
        if getattr(session, name) != getattr(times, name):
            changes[name] = _change(getattr(session, name), getattr(times, name))
            setattr(session, name, getattr(times, name))
    dbs.flush()
    return changes


def capacity_raised(changes: dict) -> bool:
    capacity = changes.get("capacity")
    return bool(capacity) and capacity["after"] > capacity["before"]


def remove_session(dbs: Session, event: Event, session: EventSession) -> None:
    if session.id in sessions_in_use(dbs, event):
        raise Invalid.one(f"#session-{session.id}", _(
            "この回には申込があるため削除できません。開催しないときは「この回を中止する」から中止してください"))
    event.sessions.remove(session)
    dbs.delete(session)
    dbs.flush()


# --- duplicating --------------------------------------------------------------------------------------------

def suggested_slug(dbs: Session, event: Event, delta: timedelta = timedelta(weeks=52)) -> str:
    base = re.sub(r"-(19|20|21)\d\d$", "", event.slug)
    year = forms.local_day((first_start(event) or event.opens_at) + delta).year
    return _free_slug(dbs, event.municipality_id, f"{base[:55]}-{year}")


def _free_slug(dbs: Session, municipality_id: int, wanted: str) -> str:
    taken = set(dbs.scalars(select(Event.slug).where(Event.municipality_id == municipality_id)))
    candidate, number = wanted, 2
    while candidate in taken:
        candidate = f"{wanted[:57]}-{number}"
        number += 1
    return candidate


def duplicate(dbs: Session, event: Event, values: dict) -> Event:
    """A new draft copy with no registrations: the open sessions and the window moved by the chosen shift."""
    errors = []
    title = (values.get("title") or "").strip()
    if not title or len(title) > 200:
        errors.append({"href": "#f-title", "message": _("イベント名を200文字以内で入力してください")})
    slug = forms.normal(values.get("slug", "")).lower()
    if not forms.SLUG.match(slug):
        errors.append({"href": "#f-slug", "message": _(
            "URL用の名前は半角英小文字・数字・「-」で60文字以内にしてください（例：smartphone-2027）")})
    elif dbs.scalar(select(Event.id).where(Event.municipality_id == event.municipality_id, Event.slug == slug)):
        errors.append({"href": "#f-slug", "message": _("このURL用の名前は別のイベントで使われています")})
    delta, shift_errors = forms.parse_shift(values, first_start(event))
    errors.extend(shift_errors)
    if errors:
        raise Invalid(errors)
    copy = Event(municipality_id=event.municipality_id, slug=slug, title=title, status="draft",
                 opens_at=event.opens_at + delta, closes_at=event.closes_at + delta,
                 **{name: _copied(getattr(event, name)) for name in COPIED_COLUMNS})
    copy.sessions = [EventSession(starts_at=s.starts_at + delta, ends_at=s.ends_at + delta, capacity=s.capacity,
                                  taken=0, status="open") for s in event.sessions if s.status == "open"]
    if event.image is not None:   # next year's course keeps its picture (the admin may change it)
        image = event.image
        copy.image = EventImage(digest=image.digest, content_type=image.content_type, data=image.data,
                                width=image.width, height=image.height, alt=image.alt, alt_en=image.alt_en)
    dbs.add(copy)
    dbs.flush()
    return copy


def _copied(value):
    if isinstance(value, list):
        return [dict(item) if isinstance(item, dict) else item for item in value]
    return value


# --- publishing ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Missing:
    """Something publishing needs: ``where`` is the settings field (``f-…``) or ``sessions``."""

    where: str
    message: str


def publish_problems(event: Event, choices: forms.Choices) -> list[Missing]:
    """What keeps the event from being published (empty: it is complete)."""
    if event.status == "cancelled":
        return [Missing("f-title", _("中止したイベントは公開できません"))]
    problems = []
    open_sessions = [s for s in event.sessions if s.status == "open"]
    if not open_sessions:
        problems.append(Missing("sessions", _("回（開催日時と定員）を1つ以上登録してください")))
    elif event.session_mode == "single" and len(open_sessions) > 1:
        problems.append(Missing("sessions", _("「1回だけの開催」には回を1つだけ登録してください"
                                              "（複数の日程があるときは開催の形を変えてください）")))
    if event.closes_at <= event.opens_at:
        problems.append(Missing("f-closes_at", _("申込の締切を受付開始より後にしてください")))
    elif open_sessions and event.closes_at > min(s.starts_at for s in open_sessions):
        problems.append(Missing("f-closes_at", _("申込の締切を最初の回の開始より前にしてください")))
    if not event.procedure_key:
        problems.append(Missing("f-procedure_key", _("申込の質問（イベント用の手続き）を選んでください")))
    elif event.procedure_key not in choices.procedures:
        problems.append(Missing("f-procedure_key", _("申込の質問の手続き「%(key)s」は公開されていません",
                                                     key=event.procedure_key)))
    if not event.facility_id and not event.venue_name:
        problems.append(Missing("f-venue_name", _("会場を設定してください")))
    if not event.participant_types:
        problems.append(Missing("f-type_label_0", _("参加者の区分を1つ以上設定してください")))
    return problems


def publish(event: Event, choices: forms.Choices) -> list[Missing]:
    """Publish a complete event (from draft or 公開停止); returns what is missing instead when it is not."""
    problems = publish_problems(event, choices)
    if not problems:
        event.status = "published"
    return problems


def unpublish(event: Event) -> bool:
    """Take a published event off the resident pages (公開停止); its registrations stay as they are."""
    if event.status != "published":
        return False
    event.status = "unpublished"
    return True
