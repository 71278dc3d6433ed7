"""Who comes to a session, as the 主催課 and the door see them: the participant list (名簿) with each person's name,
party, answers to the event's questions, contact and payment, and the counts (申込 / 定員 / キャンセル待ち / 来場).

Read-only: plain rows out of one database session. The name is the submission's applicant, the resident's card
claims, or the walk-in's typed name; the payment is the payments package's own fee state of the submission.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.backoffice.indexing import fold
from portal.events.models import HOLDING_SEATS, Event, EventDraw, EventRegistration, EventSession, RegistrationSession
from portal.identity.models import Resident
from portal.payments.labels import FEE_STATE_LABELS
from portal.payments.service import fee_state
from portal.procedures.catalogue import definition_of, latest_version
from portal.procedures.models import FormDefinition, Submission

#: statuses listed on a session's participant list, in the list's order: seat holders, then the waiting list
LISTED = (*HOLDING_SEATS, "applied", "waiting")
#: field types not shown as answers: the contact columns show them, and files do not fit a list
NOT_ANSWERS = ("email", "phone", "consent", "file")

STATUS_LABELS = {
    "draft": _l("入力中"),
    "pending_payment": _l("参加費のお支払い待ち"),
    "confirmed": _l("参加確定"),
    "applied": _l("抽選申込"),
    "lost": _l("落選"),
    "waiting": _l("キャンセル待ち"),
    "offered": _l("繰り上げの案内中"),
    "lapsed": _l("繰り上げ期限切れ"),
    "cancelled": _l("キャンセル"),
    "withdrawn": _l("取り下げ"),
}

PAYMENT_LABELS = {
    **FEE_STATE_LABELS,
    "none": _l("参加費なし"),
    "unsubmitted": _l("申込の入力中"),
    "walk_in": _l("当日参加（会場で精算）"),
}

LOTTERY_LABELS = {
    "before": _l("抽選：申込受付中"),
    "closed": _l("抽選：抽選前"),
    "committed": _l("抽選：抽選前（シード公開済み）"),
    "drawn": _l("抽選：抽選済み"),
}


@dataclass(frozen=True)
class Person:
    """How the list names a registration's person and how to reach them."""

    name: str
    kana: str = ""
    email: str = ""
    phone: str = ""
    #: more the door may search by: the portal's reading of the submission (a child's name in kana, say)
    also_known: str = ""


@dataclass(frozen=True)
class Participant:
    registration: EventRegistration
    seat: RegistrationSession
    person: Person
    #: [(participant type label, count)] in the event's order, counts > 0 only
    party: list[tuple[str, int]]
    #: {field id: the answer as one line}
    answers: dict[str, str]
    #: a key of PAYMENT_LABELS
    payment: str
    fee: int = 0

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.registration.status, self.registration.status))

    @property
    def payment_label(self) -> str:
        return str(PAYMENT_LABELS.get(self.payment, self.payment))

    @property
    def holds_seat(self) -> bool:
        return self.registration.status in HOLDING_SEATS

    def matches(self, folded_query: str) -> bool:
        return bool(folded_query) and folded_query in "|".join(
            fold(text) for text in (self.person.name, self.person.kana, self.person.also_known))


@dataclass(frozen=True)
class Counts:
    """A session's numbers, in people (parties count whole)."""

    #: 申込: people holding seats (confirmed, pending payment, offered)
    registered: int
    capacity: int
    #: キャンセル待ち
    waiting: int
    #: 来場: people of registrations checked in
    arrived: int
    #: lottery applications not drawn yet
    applied: int = 0
    taken: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.taken)


@dataclass
class SessionRow:
    session: EventSession
    counts: Counts


@dataclass
class EventRow:
    event: Event
    sessions: list[SessionRow] = field(default_factory=list)
    lottery: str = ""
    next_start: datetime | None = None


# --- names and contact ---------------------------------------------------------------------------------------

def _first_answer(definition, answers: dict, type_name: str) -> str:
    for f in definition.fields.values():
        if f.type_name == type_name and answers.get(f.id) not in (None, "", []):
            return f.summary(answers[f.id])
    return ""


def reading_field(definition) -> str | None:
    """The applicant's reading: the kana field right after the name field (``applicant_name_field``), or
    ``<name>_kana`` — not merely the first kana field, which may be a child's."""
    name_field = definition.content.get("applicant_name_field")
    if not name_field:
        return None
    for step in definition.steps:
        ids = [f.id for f in step.fields]
        if name_field in ids:
            following = step.fields[ids.index(name_field) + 1:]
            if following and following[0].type_name == "kana":
                return following[0].id
    named = definition.fields.get(f"{name_field}_kana")
    return named.id if named is not None and named.type_name == "kana" else None


def person(dbs: Session, registration: EventRegistration, submission: Submission | None = None) -> Person:
    """The registration's person: a walk-in's typed name; else the submission's applicant (and the reading, phone
    and email from its answers); else the resident's card claims."""
    if registration.walk_in:
        return Person(registration.walk_in_name, email=registration.contact_email)
    if submission is None and registration.submission_id:
        submission = dbs.get(Submission, registration.submission_id)
    resident = dbs.get(Resident, registration.resident_id) if registration.resident_id else None
    claimed = str((resident.claims or {}).get("name", "")) if resident is not None else ""
    if submission is None:
        return Person(claimed, email=registration.contact_email)
    definition = definition_of(submission.definition)
    answers = submission.answers or {}
    reading = reading_field(definition)
    return Person(submission.applicant_name or claimed,
                  kana=str(answers.get(reading) or "") if reading else "",
                  also_known=submission.applicant_kana,
                  email=registration.contact_email or submission.contact_email or _first_answer(
                      definition, answers, "email"),
                  phone=_first_answer(definition, answers, "phone"))


def party_lines(event: Event, party: dict, lang: str = "ja") -> list[tuple[str, int]]:
    lines = []
    for kind in event.participant_types:
        count = int(party.get(kind["key"], 0) or 0)
        if count:
            label = kind.get("label_en") if lang == "en" and kind.get("label_en") else kind.get("label", kind["key"])
            lines.append((label, count))
    return lines


# --- the event's questions ---------------------------------------------------------------------------------------

def question_columns(dbs: Session, event: Event) -> list[tuple[str, str]]:
    """(field id, label) of the event's questions (its definition's newest version), without the contact fields
    the list shows in columns of their own."""
    if not event.procedure_key:
        return []
    row = latest_version(dbs, event.municipality, event.procedure_key, include_unpublished=True)
    if row is None:
        return []
    definition = definition_of(row)
    # the applicant's name and reading are the list's own name column
    shown = {definition.content.get("applicant_name_field"), reading_field(definition)}
    return [(f.id, f.label) for f in definition.fields.values()
            if f.type_name not in NOT_ANSWERS and f.id not in shown]


def _answers(submission: Submission | None, columns: Sequence[tuple[str, str]]) -> dict[str, str]:
    if submission is None or not columns:
        return {}
    definition = definition_of(submission.definition)
    answers = submission.answers or {}
    found = {}
    for field_id, _label in columns:
        value = answers.get(field_id)
        the_field = definition.fields.get(field_id)
        if value in (None, "", []):
            continue
        found[field_id] = the_field.summary(value) if the_field is not None else str(value)
    return found


def _payment(dbs: Session, registration: EventRegistration, submission: Submission | None, fee: int) -> str:
    if registration.walk_in:
        return "walk_in" if fee else "none"
    if submission is None:
        return "unsubmitted" if fee else "none"
    return fee_state(dbs, submission).state


# --- the list -------------------------------------------------------------------------------------------------

def roster(dbs: Session, session: EventSession, columns: Sequence[tuple[str, str]] = (), *,
           statuses: Sequence[str] = LISTED, payments: bool = True, lang: str = "ja") -> list[Participant]:
    """The session's registrations in ``statuses``: seat holders first (by reading, those without one after them),
    then lottery applications, then the waiting list in its order. ``payments=False`` leaves the payment state
    out (``"unknown"``): the door needs names, not a few queries per participant."""
    from portal.events.registration import fee_for

    event = session.event
    rows = dbs.execute(
        select(EventRegistration, RegistrationSession)
        .join(RegistrationSession, RegistrationSession.registration_id == EventRegistration.id)
        .where(RegistrationSession.session_id == session.id, EventRegistration.event_id == event.id,
               EventRegistration.status.in_(tuple(statuses)))
        .order_by(EventRegistration.created_at, EventRegistration.id)).all()
    submission_ids = [r.EventRegistration.submission_id for r in rows if r.EventRegistration.submission_id]
    submissions = {s.id: s for s in dbs.scalars(select(Submission).where(Submission.id.in_(submission_ids)))} \
        if submission_ids else {}
    # the card claims and the definitions the answers are read with, one query each: held here, so that
    # ``person`` and ``submission.definition`` find them in the (weak-referencing) identity map
    resident_ids = {r.EventRegistration.resident_id for r in rows if r.EventRegistration.resident_id}
    loaded = list(dbs.scalars(select(Resident).where(Resident.id.in_(resident_ids)))) if resident_ids else []
    if submissions:
        definition_ids = {s.definition_id for s in submissions.values()}
        loaded += list(dbs.scalars(select(FormDefinition).where(FormDefinition.id.in_(definition_ids))))
    found = []
    for registration, seat in rows:
        submission = submissions.get(registration.submission_id)
        fee = fee_for(event, registration.party or {}) if registration.party else 0
        found.append(Participant(registration, seat, person(dbs, registration, submission),
                                 party_lines(event, registration.party or {}, lang), _answers(submission, columns),
                                 _payment(dbs, registration, submission, fee) if payments else "unknown", fee))
    del loaded
    order = {status: i for i, status in enumerate(("confirmed", "pending_payment", "offered", "applied",
                                                   "waiting"))}

    def key(p: Participant):
        status = p.registration.status
        if status == "waiting":   # the waiting list keeps its order
            return (order[status], "", "")
        reading = fold(p.person.kana)
        return (order.get(status, 9), not reading, reading, fold(p.person.name))

    return sorted(found, key=key)


def search(participants: Sequence[Participant], query: str) -> list[Participant]:
    """The participants whose name or reading contains ``query`` (kana or kanji, any width, spaces ignored)."""
    folded = fold(query)
    return [p for p in participants if p.matches(folded)]


# --- counts ---------------------------------------------------------------------------------------------------

def counts(dbs: Session, session_id: int) -> Counts:
    """申込 / 定員 / キャンセル待ち / 来場 of a session, in people, from the rows (not from the page's list)."""
    people = func.coalesce(func.sum(EventRegistration.party_size), 0)
    base = (select(people).join(RegistrationSession, RegistrationSession.registration_id == EventRegistration.id)
            .where(RegistrationSession.session_id == session_id))
    capacity, taken = dbs.execute(select(EventSession.capacity, EventSession.taken)
                                  .where(EventSession.id == session_id)).one()
    return Counts(
        registered=dbs.scalar(base.where(EventRegistration.status.in_(HOLDING_SEATS))),
        capacity=capacity,
        waiting=dbs.scalar(base.where(EventRegistration.status == "waiting")),
        arrived=dbs.scalar(base.where(RegistrationSession.checked_in_at.is_not(None),
                                      EventRegistration.status.in_(HOLDING_SEATS))),
        applied=dbs.scalar(base.where(EventRegistration.status == "applied")),
        taken=taken,
    )


def _counts_of_sessions(dbs: Session, session_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """For many sessions at once: {session id: {"registered", "waiting", "arrived", "applied"}}."""
    if not session_ids:
        return {}
    rows = dbs.execute(
        select(RegistrationSession.session_id, EventRegistration.status,
               (RegistrationSession.checked_in_at.is_not(None)).label("arrived"),
               func.sum(EventRegistration.party_size).label("people"))
        .join(EventRegistration, RegistrationSession.registration_id == EventRegistration.id)
        .where(RegistrationSession.session_id.in_(tuple(session_ids)))
        .group_by(RegistrationSession.session_id, EventRegistration.status, "arrived")).all()
    found: dict[int, dict[str, int]] = {i: {"registered": 0, "waiting": 0, "arrived": 0, "applied": 0}
                                        for i in session_ids}
    for row in rows:
        numbers = found[row.session_id]
        people = int(row.people or 0)
        if row.status in HOLDING_SEATS:
            numbers["registered"] += people
            if row.arrived:
                numbers["arrived"] += people
        elif row.status in ("waiting", "applied"):
            numbers[row.status] += people
    return found


def lottery_state(dbs: Session, event: Event, now: datetime) -> str:
    """'' for a first-come event, else a key of LOTTERY_LABELS."""
    if event.allocation != "lottery":
        return ""
    draw_status = dbs.scalar(select(EventDraw.status).where(EventDraw.event_id == event.id))
    if draw_status in ("committed", "drawn"):
        return draw_status
    return "before" if now < event.closes_at else "closed"


def event_rows(dbs: Session, events: Sequence[Event], now: datetime) -> list[EventRow]:
    """Each event with its sessions and their counts, and its lottery's state."""
    numbers = _counts_of_sessions(dbs, [s.id for e in events for s in e.sessions])
    rows = []
    for event in events:
        sessions = []
        for s in event.sessions:
            n = numbers.get(s.id, {})
            sessions.append(SessionRow(s, Counts(n.get("registered", 0), s.capacity, n.get("waiting", 0),
                                                 n.get("arrived", 0), n.get("applied", 0), s.taken)))
        upcoming = [s.starts_at for s in event.sessions if s.ends_at >= now and s.status == "open"]
        rows.append(EventRow(event, sessions, lottery_state(dbs, event, now), min(upcoming) if upcoming else None))
    return rows


def municipality_events(dbs: Session, municipality_id: int, now: datetime) -> list[EventRow]:
    """The municipality's events for the staff list: published first, then drafts, then cancelled; within each,
    the next session first (events with nothing to come last, the latest first)."""
    events = list(dbs.scalars(select(Event).where(Event.municipality_id == municipality_id)))
    rows = event_rows(dbs, events, now)
    rank = {"published": 0, "draft": 1, "cancelled": 2}

    def key(row: EventRow):
        last = max((s.starts_at for s in row.event.sessions), default=None)
        return (rank.get(row.event.status, 3), row.next_start is None,
                row.next_start.timestamp() if row.next_start else -(last.timestamp() if last else 0),
                row.event.id)

    return sorted(rows, key=key)
