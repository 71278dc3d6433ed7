"""A resident's application from the event's page to a seat: the choice (session(s) and party) made into a draft
registration with the draft of the event's questions, the kind's checks at submission, the fee falling due only for a
held seat (with its payment deadline), accepting an offer, and the deadline job.

Functions work inside the caller's transaction and leave the commit to it. Seats move only through
:mod:`portal.events.registration` (which uses :mod:`portal.events.seats`), statuses by conditional UPDATEs.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.events import registration as service, seats, tickets
from portal.events.domain import eligibility
from portal.events.domain.capacity import PartyError
from portal.events.models import Event, EventRegistration, EventSession, RegistrationSession
from portal.identity.models import Resident
from portal.procedures.models import Draft, Submission
from portal.tenancy.models import Municipality
from portal.timezone import TOKYO

#: statuses a resident still expects to take part with (my page's coming events)
ACTIVE = ("pending_payment", "confirmed", "offered", "waiting", "applied")
#: a lottery application names at most this many dates, best first
MAX_PREFERENCES = 3


# --- texts --------------------------------------------------------------------------------------------------------

def title(event: Event, lang: str) -> str:
    return (event.title_en or event.title) if lang == "en" else event.title


def venue(dbs: Session, event: Event, lang: str) -> str:
    if event.facility_id is not None:
        from portal.booking.models import Facility

        facility = dbs.get(Facility, event.facility_id)
        if facility is not None:
            return f"{facility.display_name(lang)} {facility.address}".strip()
    return " ".join(part for part in (event.venue_name, event.venue_address) if part)


def type_label(event: Event, key: str, lang: str) -> str:
    for t in event.participant_types:
        if t["key"] == key:
            return (t.get("label_en") or t.get("label") or key) if lang == "en" else (t.get("label") or key)
    return key


def party_text(event: Event, party: Mapping[str, int], lang: str) -> str:
    """「大人1人・子ども2人」 / "Adult 1, Child 2"."""
    parts = []
    for t in event.participant_types:
        count = int(party.get(t["key"], 0) or 0)
        if count:
            label = type_label(event, t["key"], lang)
            parts.append(f"{label} {count}" if lang == "en" else f"{label}{count}人")
    return ", ".join(parts) if lang == "en" else "・".join(parts)


def fee_items(event: Event, party: Mapping[str, int], lang: str) -> list[tuple[str, int]]:
    """One line per participant type with a price: 「大人 1,200円 × 1人」."""
    from portal.templating import yen

    lines = []
    for t in event.participant_types:
        count, price = int(party.get(t["key"], 0) or 0), int(t.get("price", 0))
        if count and price:
            unit = f"{count}" if lang == "en" else f"{count}人"
            lines.append((f"{title(event, lang)} {type_label(event, t['key'], lang)} {yen(price)} × {unit}",
                          price * count))
    return lines


def session_label(session: EventSession) -> str:
    from portal.booking.presentation.formatting import slot_span

    return slot_span(session.starts_at, session.ends_at)


def sessions_of(dbs: Session, registration: EventRegistration) -> list[EventSession]:
    """The registration's sessions by rank (a lottery's preferences), else by date."""
    rows = dbs.execute(select(EventSession, RegistrationSession.rank)
                       .join(RegistrationSession, RegistrationSession.session_id == EventSession.id)
                       .where(RegistrationSession.registration_id == registration.id)
                       .order_by(RegistrationSession.rank, EventSession.starts_at)).all()
    return [row[0] for row in rows]


def person_name(registration: EventRegistration, resident: Resident | None) -> str:
    if registration.walk_in:
        return registration.walk_in_name
    return (resident.claims or {}).get("name", "") if resident is not None else ""


# --- who may apply, and when --------------------------------------------------------------------------------------

def window_state(event: Event, now: datetime) -> str:
    """before (受付前) | open | closed (締切)."""
    if now < event.opens_at:
        return "before"
    if now >= event.closes_at:
        return "closed"
    return "open"


def audience_refusal(event: Event, resident: Resident | None, municipality: Municipality) -> str | None:
    """sign_in | not_resident | None. Every application is a signed-in resident's (caps bind the verified person)."""
    if resident is None:
        return "sign_in"
    if event.audience == "residents":
        address = (resident.claims or {}).get("address") or {}
        if address.get("region") != municipality.prefecture or address.get("locality") != municipality.name:
            return "not_resident"
    return None


def rules_of(event: Event) -> list[eligibility.AgeRule | eligibility.GradeRule]:
    rules = []
    for rule in event.eligibility or []:
        subject = rule.get("subject") or eligibility.APPLICANT
        if rule.get("kind") == "grade":
            rules.append(eligibility.GradeRule(rule.get("first"), rule.get("last"), subject))
        else:
            rules.append(eligibility.AgeRule(rule.get("minimum"), rule.get("maximum"), subject))
    return rules


def event_day(event: Event, sessions: Sequence[EventSession] | None = None) -> date | None:
    chosen = [s for s in (sessions or event.sessions) if s is not None]
    if not chosen:
        return None
    return min(s.starts_at for s in chosen).astimezone(TOKYO).date()


def _iso_date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _numbered(subject: str) -> re.Pattern:
    """``child_birth_date`` also names ``child2_birth_date``, ``child3_birth_date``…: one rule for every child."""
    head, sep, rest = subject.partition("_")
    return re.compile(rf"^{re.escape(head)}\d*{re.escape(sep)}{re.escape(rest)}$")


def refusals(event: Event, *, resident: Resident | None, answers: Mapping | None,
             sessions: Sequence[EventSession] | None = None) -> list[eligibility.Refusal]:
    """The rules broken at the event date: the applicant's from the card, the others' from the answers
    (``answers`` None: only the applicant's rules are checked, the questions come later)."""
    rules = rules_of(event)
    on = event_day(event, sessions)
    if not rules or on is None:
        return []
    birthdates: dict[str, list[date | None]] = {}
    checked = []
    for rule in rules:
        if rule.subject == eligibility.APPLICANT:
            born = _iso_date((resident.claims or {}).get("birthdate")) if resident is not None else None
            birthdates[rule.subject] = [born]
            checked.append(rule)
        elif answers is not None:
            pattern = _numbered(rule.subject)
            birthdates[rule.subject] = [_iso_date(v) for k, v in sorted(answers.items())
                                        if pattern.match(k) and v not in (None, "")]
            checked.append(rule)
    return eligibility.refusals(checked, on=on, birthdates=birthdates)


def _grade_label(grade: int) -> str:
    return _("小%(n)s", n=grade) if grade <= 6 else _("中%(n)s", n=grade - 6)


def rule_text(rule) -> str:
    """「65歳以上」「3歳から6歳」「小1から小3」."""
    low, high = rule.minimum, rule.maximum
    if isinstance(rule, eligibility.GradeRule):
        if low is not None and high is not None:
            return _("%(low)sから%(high)s", low=_grade_label(low), high=_grade_label(high))
        if low is not None:
            return _("%(low)s以上", low=_grade_label(low))
        return _("%(high)sまで", high=_grade_label(high))
    if low is not None and high is not None:
        return _("%(low)s歳から%(high)s歳", low=low, high=high)
    if low is not None:
        return _("%(low)s歳以上", low=low)
    return _("%(high)s歳以下", high=high)


def refusal_message(refusal: eligibility.Refusal, on: date | None) -> str:
    from portal.booking.presentation.formatting import long_date

    who = _("申込者ご本人") if refusal.subject == eligibility.APPLICANT else _("参加するお子さま")
    day = long_date(on) if on else ""
    if refusal.value is None:
        if refusal.subject == eligibility.APPLICANT:
            return _("この催しの対象は%(rule)sの方です。マイナンバーカードから生年月日を確認できないため、"
                     "オンラインでは申し込めません。担当課にお問い合わせください。", rule=rule_text(refusal.rule))
        return _("この催しの対象は%(rule)sの方です。参加するお子さまの生年月日を入力してください。",
                 rule=rule_text(refusal.rule))
    return _("この催しの対象は開催日（%(day)s）に%(rule)sの方です。%(who)sは対象になりません。",
             day=day, rule=rule_text(refusal.rule), who=who)


REFUSAL_CODES = ("not_published", "not_open_yet", "closed", "choose_session", "session_cancelled",
                 "already_registered", "full", "party")


def refused_message(refused: service.RegistrationRefused) -> str:
    from portal.booking.presentation.formatting import deadline, moment

    code, details = refused.code, refused.details
    if code == "not_open_yet":
        return _("受付開始前です。受付は%(when)sからです。", when=moment(details["opens_at"]))
    if code == "closed":
        return _("受付は締め切りました（締切 %(when)s）。", when=deadline(details["closes_at"]))
    if code == "not_published":
        return _("この催しは現在申込を受け付けていません。")
    if code == "choose_session":
        return _("参加する日程を選んでください。")
    if code == "session_cancelled":
        return _("中止になった回があるため、このシリーズには申し込めません。")
    if code == "already_registered":
        return _("この催しにはすでに申し込んでいます。申込の状況は申込のページで確認できます。")
    if code == "full":
        left = details.get("remaining", 0)
        if left:
            return _("残りの席は%(n)s席です。参加人数を減らすか、ほかの日程を選んでください"
                     "（グループを分けて受け付けることはできません）。", n=left)
        return _("満席のため申し込めません。")
    return _("申し込めませんでした。内容を確認してください。")


# --- choosing: the draft registration and the draft of the questions ------------------------------------------------

@dataclass
class Choice:
    """What the apply page posted, as understood (errors by input name), kept to redisplay it."""

    session_ids: list[int]
    party: dict[str, int]
    errors: dict[str, str]


def read_choice(event: Event, form) -> Choice:
    errors: dict[str, str] = {}
    open_ids = {s.id for s in event.sessions if s.status == "open"}
    if event.session_mode == "series":
        ids = [s.id for s in event.sessions]
    elif event.allocation == "lottery" and event.session_mode == "choice":
        raw = [form.get(f"preference{i}", "").strip() for i in range(1, MAX_PREFERENCES + 1)]
        ids = []
        for text in raw:
            if not text:
                continue
            if not text.isdigit() or int(text) not in open_ids:
                errors["preference1"] = _("希望する日程を一覧から選んでください。")
                break
            if int(text) in ids:
                errors["preference1"] = _("同じ日程を2回選ぶことはできません。")
                break
            ids.append(int(text))
        if not ids and "preference1" not in errors:
            errors["preference1"] = _("第1希望の日程を選んでください。")
    elif event.session_mode == "choice":
        text = form.get("session", "").strip()
        ids = [int(text)] if text.isdigit() and int(text) in open_ids else []
        if not ids:
            errors["session"] = _("参加する日程を選んでください。")
    else:
        ids = [s.id for s in event.sessions if s.status == "open"][:1]
        if not ids:
            errors["session"] = _("この催しは中止になりました。")
    party: dict[str, int] = {}
    for t in event.participant_types:
        text = form.get(f"party-{t['key']}", "0").strip() or "0"
        if not text.isdigit() or int(text) > event.max_party:
            errors[f"party-{t['key']}"] = _("%(type)sの人数は0から%(max)sの数字で選んでください。",
                                            type=t.get("label", t["key"]), max=event.max_party)
            party[t["key"]] = 0
        else:
            party[t["key"]] = int(text)
    if not any(k.startswith("party-") for k in errors):
        size = sum(party.values())
        first = event.participant_types[0]["key"] if event.participant_types else "adult"
        if size < 1:
            errors[f"party-{first}"] = _("参加する人数を選んでください。")
        elif size > event.max_party:
            errors[f"party-{first}"] = _("1回の申込で参加できるのは%(max)s人までです。", max=event.max_party)
    return Choice(ids, {k: v for k, v in party.items() if v}, errors)


def draft_registration_of(dbs: Session, event: Event, resident: Resident) -> EventRegistration | None:
    return dbs.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.resident_id == resident.id,
        EventRegistration.status == "draft"))


def questions_row(dbs: Session, event: Event):
    from portal.procedures.catalogue import latest_version

    row = latest_version(dbs, event.municipality, event.procedure_key or "event-application")
    if row is None or row.kind != "event":
        raise RuntimeError(f"event {event.slug}: questions {event.procedure_key!r} are not an event definition")
    return row


def start(dbs: Session, event: Event, resident: Resident, choice: Choice, *, now: datetime,
          lang: str = "ja") -> tuple[EventRegistration, Draft]:
    """The chosen session(s) and party as a draft registration, with the draft of the event's questions.
    Raises :class:`~portal.events.registration.RegistrationRefused` for what the seats or window refuse (nothing is
    taken yet: seats are taken when the answers are submitted). A draft registration of the same event is replaced."""
    from portal.procedures import journey

    if event.status != "published":
        raise service.RegistrationRefused("not_published")
    state = window_state(event, now)
    if state == "before":
        raise service.RegistrationRefused("not_open_yet", opens_at=event.opens_at)
    if state == "closed":
        raise service.RegistrationRefused("closed", closes_at=event.closes_at)
    try:
        service.fee_for(event, choice.party)
    except PartyError:
        raise service.RegistrationRefused("party") from None
    sessions = service._sessions_applied_for(event, choice.session_ids)
    if service.active_registration(dbs, event, resident.sub) is not None:
        raise service.RegistrationRefused("already_registered")
    size = sum(choice.party.values())
    if event.allocation == "first_come" and not event.waitlist:
        for s in sessions:
            left = seats.remaining(dbs, s.id)
            if left < size:
                raise service.RegistrationRefused("full", remaining=left)
    old = draft_registration_of(dbs, event, resident)
    if old is not None:
        old_draft = dbs.get(Draft, old.draft_id) if old.draft_id else None
        dbs.delete(old)
        if old_draft is not None and old_draft.submitted_at is None:
            dbs.delete(old_draft)
        dbs.flush()
    draft = journey.start_draft(dbs, event.municipality, questions_row(dbs, event),
                                journey.Applicant(resident=resident))
    registration = EventRegistration(municipality_id=event.municipality_id, event_id=event.id, resident_id=resident.id,
                                     person_sub=resident.sub, party=dict(choice.party), party_size=size,
                                     status="draft", lang=lang, draft_id=draft.id)
    registration.seats = [RegistrationSession(session_id=s.id, rank=rank) for rank, s in enumerate(sessions, 1)]
    dbs.add(registration)
    dbs.flush()
    return registration, draft


# --- finding ---------------------------------------------------------------------------------------------------------

def for_draft(dbs: Session, draft: Draft | None) -> EventRegistration | None:
    if draft is None:
        return None
    return dbs.scalar(select(EventRegistration).where(EventRegistration.draft_id == draft.id))


def for_submission(dbs: Session, submission: Submission | None) -> EventRegistration | None:
    if submission is None:
        return None
    return dbs.scalar(select(EventRegistration).where(EventRegistration.submission_id == submission.id))


def own(dbs: Session, municipality_id: int, resident: Resident | None, reference: str) -> EventRegistration | None:
    """The signed-in resident's registration of that 受付番号, or None (someone else's is not there)."""
    if resident is None or not reference or len(reference) > 20:
        return None
    found = dbs.scalar(select(EventRegistration).where(EventRegistration.reference == reference,
                                                       EventRegistration.municipality_id == municipality_id))
    if found is None or found.resident_id != resident.id:
        return None
    return found


def of_resident(dbs: Session, municipality_id: int, resident: Resident) -> list[EventRegistration]:
    return list(dbs.scalars(select(EventRegistration).where(
        EventRegistration.municipality_id == municipality_id, EventRegistration.resident_id == resident.id,
        EventRegistration.status != "draft", EventRegistration.reference.is_not(None))
        .order_by(EventRegistration.created_at.desc())))


def upcoming(dbs: Session, municipality_id: int, resident: Resident, now: datetime) -> list[EventRegistration]:
    """The resident's registrations still to come, soonest first (my page)."""
    rows = [r for r in of_resident(dbs, municipality_id, resident) if r.status in ACTIVE]
    starts = {}
    for r in rows:
        sessions = sessions_of(dbs, r)
        last = max((s.ends_at for s in sessions), default=None)
        if last is not None and last > now:
            starts[r.id] = min(s.starts_at for s in sessions)
    return sorted((r for r in rows if r.id in starts), key=lambda r: starts[r.id])


# --- submitting (the kind's hooks) ----------------------------------------------------------------------------------

def check_before_submit(dbs: Session, registration: EventRegistration | None, draft: Draft,
                        now: datetime) -> str | None:
    """Why the answers cannot be submitted (a message for the check page), or None. Takes the applicant's lock so
    two tabs are serialised (and, on SQLite, the submission's savepoint is inside a real transaction)."""
    if registration is None:
        return _("申し込む日程と人数が選ばれていません。催しのページから選び直してください。")
    if registration.person_sub:
        service._lock_person(dbs, registration.person_sub)
    dbs.refresh(registration)
    if registration.status != "draft":
        return _("この申込はすでに受け付けています。")
    event = registration.event
    if event.status != "published":
        return _("この催しは現在申込を受け付けていません。")
    state = window_state(event, now)
    if state != "open":
        return refused_message(service.RegistrationRefused(
            "not_open_yet" if state == "before" else "closed", opens_at=event.opens_at, closes_at=event.closes_at))
    resident = dbs.get(Resident, registration.resident_id) if registration.resident_id else None
    sessions = sessions_of(dbs, registration)
    found = refusals(event, resident=resident, answers=draft.answers or {}, sessions=sessions)
    if found:
        return refusal_message(found[0], event_day(event, sessions))
    if service.active_registration(dbs, event, registration.person_sub) is not None:
        return refused_message(service.RegistrationRefused("already_registered"))
    return None


def pay_deadline(event: Event, sessions: Sequence[EventSession], now: datetime) -> datetime:
    """A seat with a fee due is kept ``pay_within_hours``, never past the start of its first session."""
    first = min((s.starts_at for s in sessions), default=now + timedelta(hours=event.pay_within_hours))
    return min(now + timedelta(hours=event.pay_within_hours), first)


def submit(dbs: Session, registration: EventRegistration, submission: Submission, *, now: datetime) -> str:
    """Take the seats for the submitted answers (the kind's ``on_submit``): the outcome's status. Raises
    RegistrationRefused (the caller rolls back: nothing is taken, the draft registration stays)."""
    event = registration.event
    resident = dbs.get(Resident, registration.resident_id)
    session_ids = [s.id for s in sessions_of(dbs, registration)]
    outcome = service.apply(dbs, event, resident, dict(registration.party), session_ids, now=now,
                            lang=submission.lang or registration.lang, contact_email=submission.contact_email or "",
                            registration=registration)
    registration.submission_id = submission.id
    # the application's own 受付番号 behind the event's E-: the resident sees one number on every page and email
    registration.reference = _unique(dbs, EventRegistration.reference,
                                     lambda: tickets.reference_of(submission.reference) or tickets.new_reference())
    registration.ticket_secret = _unique(dbs, EventRegistration.ticket_secret, tickets.new_secret)
    if outcome.status == "pending_payment":
        registration.pay_by = pay_deadline(event, sessions_of(dbs, registration), now)
    elif outcome.status in ("waiting", "applied"):
        # the fee falls due only with a held seat (a lottery win, an accepted offer): nothing to pay before
        submission.fee_amount = 0
    dbs.flush()
    return outcome.status


def _unique(dbs: Session, column, make) -> str:
    for _attempt in range(10):
        value = make()
        if dbs.scalar(select(EventRegistration.id).where(column == value)) is None:
            return value
    raise RuntimeError("could not draw a unique value")


def fee_falls_due(dbs: Session, registration: EventRegistration, *, now: datetime,
                  pay_by: datetime | None = None) -> None:
    """A seat is now held for a registration whose fee is due (a lottery win, an accepted offer): its submission asks
    for the fee and the payment deadline is set. For other parts (the draw) to call after moving it to
    ``pending_payment``."""
    event = registration.event
    amount = service.fee_for(event, registration.party)
    registration.pay_by = pay_by or pay_deadline(event, sessions_of(dbs, registration), now)
    if registration.submission_id is not None:
        submission = dbs.get(Submission, registration.submission_id)
        if submission is not None and submission.fee_amount != amount:
            submission.fee_amount = amount
    dbs.flush()


def payable(registration: EventRegistration, now: datetime) -> str | None:
    if registration.status != "pending_payment":
        return f"event_{registration.status}"
    if registration.pay_by is not None and registration.pay_by <= now:
        return "event_pay_by_passed"
    return None


def accept_payment(dbs: Session, registration: EventRegistration, now: datetime) -> str | None:
    """Money arrived: it confirms a seat still held for payment; money for a seat no longer held (lapsed,
    cancelled) is flagged for refund by the caller."""
    if registration.status == "confirmed":
        return None
    if registration.status == "pending_payment" and service._claim(
            dbs, registration.id, "pending_payment", "confirmed", pay_by=None):
        dbs.refresh(registration)
        return None
    dbs.refresh(registration)
    return None if registration.status == "confirmed" else f"event_{registration.status}"
