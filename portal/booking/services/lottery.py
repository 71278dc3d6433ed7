"""The monthly lottery as services: apply, commit the seed when applications close, draw, confirm or decline a
win. Every step is idempotent: the round's status says what has been done, its row lock (and version counter)
makes a second runner find the work done.

Round statuses: open (applications) → committed (seed hash + inputs digest published) → drawn (winners hold
their slots until the confirmation deadline) → finished (the deadline passed; unclaimed wins were released).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.booking.domain import config, draw
from portal.booking.domain.calendar import add_months, days_in_month, local_date
from portal.booking.domain.lottery import LotteryCalendar, Phase, validate_application
from portal.booking.domain.rules import Violation
from portal.booking.domain.slots import Slot
from portal.booking.models import BookingGroup, Facility, LotteryApplication, LotteryRound, Reservation
from portal.booking.presentation.formatting import slot_span
from portal.booking.services import availability, inventory, mailing
from portal.booking.services.booking import BookingRefused, fees_for
from portal.booking.services.settings import settings_of
from portal.identity.models import Resident
from portal.notifications import mail
from portal.params import parse_month


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = parse_month(text)
        if found is None:
            raise ValueError(text)
        return cls(*found)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def calendar(facility: Facility, month: Month) -> LotteryCalendar | None:
    lottery = settings_of(facility).lottery
    return lottery.schedule.calendar_for(month.year, month.month) if lottery else None


def lottery_slots(facility: Facility, month: Month) -> list[Slot]:
    """The open slots of the month that go to its lottery."""
    lottery = settings_of(facility).lottery
    if lottery is None:
        return []
    start, end = date(month.year, month.month, 1), date(month.year, month.month, days_in_month(month.year, month.month))
    return [s for s in config.slots_of(facility, start, end) if not s.is_closed and lottery.scope.covers(s)]


def months_taking_applications(facility: Facility, now: datetime) -> list[Month]:
    """Target months whose application window is open now (usually one)."""
    lottery = settings_of(facility).lottery
    if lottery is None:
        return []
    today = local_date(now)
    found = []
    for ahead in range(0, 7):
        y, m = add_months(today.year, today.month, ahead)
        if lottery.schedule.calendar_for(y, m).phase(now) is Phase.APPLICATIONS:
            found.append(Month(y, m))
    return found


def round_for(dbs: Session, facility: Facility, month: Month) -> LotteryRound:
    """The facility's round for the month, made on first use (two first users at once: one row wins)."""
    found = dbs.scalar(select(LotteryRound).where(LotteryRound.facility_id == facility.id,
                                                  LotteryRound.year == month.year, LotteryRound.month == month.month))
    if found is not None:
        return found
    dbs.add(LotteryRound(municipality_id=facility.municipality_id, facility_id=facility.id, year=month.year,
                         month=month.month, status="open", algorithm=draw.ALGORITHM))
    try:
        dbs.commit()
    except IntegrityError:
        dbs.rollback()
    return dbs.scalar(select(LotteryRound).where(LotteryRound.facility_id == facility.id,
                                                 LotteryRound.year == month.year, LotteryRound.month == month.month))


def pseudonym(round_id: int, sub: str) -> str:
    """What the published record shows for a person: fixed within the round (caps count per person), different
    in every round (nobody can follow a person from month to month), and not reversible."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"lottery-person\x1f{round_id}\x1f{sub}".encode(), hashlib.sha256).hexdigest()[:16]


def _group_key(group_id: int | None) -> str | None:
    """Registered groups only: a typed name could be varied to dodge the group caps."""
    return f"group-{group_id}" if group_id is not None else None


def _as_draw_input(application: LotteryApplication) -> draw.Application:
    return draw.Application(application.id, application.person_key, _group_key(application.group_id),
                            tuple(application.preferences))


def live_applications(dbs: Session, round_: LotteryRound) -> list[LotteryApplication]:
    return list(dbs.scalars(select(LotteryApplication).where(LotteryApplication.round_id == round_.id,
                                                             LotteryApplication.status != "withdrawn")
                            .order_by(LotteryApplication.id)))


def apply(dbs: Session, facility: Facility, resident: Resident, month: Month, preferences: list[str], now: datetime,
          contact_email: str = "", group: BookingGroup | None = None, lang: str = "ja") -> LotteryApplication:
    """File an application with ranked slot ``preferences``; raises :class:`BookingRefused` with every
    problem. Caps bind the verified person (``sub``), so a second account of the same card counts too."""
    cal = calendar(facility, month)
    if cal is None:
        raise BookingRefused([Violation("no_lottery", "この施設は抽選を行っていません。",
                                        "This facility has no lottery.")])
    lottery = settings_of(facility).lottery
    round_ = round_for(dbs, facility, month)
    inventory.lock_person(dbs, resident.sub)
    if group is not None:
        inventory.lock_group(dbs, group.id)
    existing = [_as_draw_input(a) for a in live_applications(dbs, round_)]
    wanted = draw.Application(0, pseudonym(round_.id, resident.sub), _group_key(group.id if group else None),
                              tuple(p for p in preferences if p))
    eligible = {s.key for s in lottery_slots(facility, month)}
    violations = validate_application(wanted, lottery.policy, cal, now, eligible, existing,
                                      settings_of(facility).rules,
                                      availability.is_resident_of(resident, facility))
    if round_.status != "open" and not any(v.code == "window_closed" for v in violations):
        violations.append(Violation("window_closed", "現在は抽選の申込期間外です。",
                                    "Lottery applications are not being accepted now."))
    if not contact_email.strip():
        violations.append(Violation("email", "結果をお知らせするメールアドレスを入力してください。",
                                    "Enter the email address for the result."))
    if violations:
        dbs.rollback()
        raise BookingRefused(violations)
    application = LotteryApplication(round_id=round_.id, municipality_id=facility.municipality_id,
                                      resident_id=resident.id, person_sub=resident.sub,
                                      person_key=wanted.person_key,
                                      is_resident=availability.is_resident_of(resident, facility),
                                      group_id=group.id if group else None,
                                      group_name=group.name if group else "", contact_email=contact_email.strip(),
                                      lang=lang,
                                      preferences=list(wanted.preferences), status="applied")
    dbs.add(application)
    dbs.flush()
    by_key = {s.key: s for s in lottery_slots(facility, month)}
    with force_locale(lang):
        choices = [_slot_label(facility, by_key[k], lang) for k in application.preferences]
    mailing.queue_lottery_applied(dbs, application, choices, cal)
    dbs.commit()
    return application


def _slot_label(facility: Facility, slot: Slot, lang: str) -> str:
    """「A面 2027/1/9（土）09:00–11:00」 in the resident's language (call inside their locale)."""
    unit = next((u for u in facility.units if u.slug == slot.unit_id), None)
    return f"{unit.display_name(lang) if unit else slot.unit_id} {slot_span(slot.starts_at, slot.ends_at)}"


def withdraw(dbs: Session, application: LotteryApplication, now: datetime) -> bool:
    """While applications are open the resident may take an application back; commits."""
    round_ = application.round
    cal = calendar(round_.facility, Month(round_.year, round_.month))
    if application.status != "applied" or round_.status != "open" or cal.phase(now) is not Phase.APPLICATIONS:
        return False
    application.status = "withdrawn"
    dbs.commit()
    return True


# --- the job -----------------------------------------------------------------------------------------------------

def _locked_round(dbs: Session, round_id: int) -> LotteryRound:
    return dbs.get(LotteryRound, round_id, with_for_update=True, populate_existing=True)


def commit_seed(dbs: Session, round_id: int, now: datetime) -> bool:
    """Once applications have closed: generate the secret seed and publish its hash and the inputs' digest, so
    neither the seed nor the applications can change afterwards. Returns whether this call did it."""
    round_ = _locked_round(dbs, round_id)
    cal = calendar(round_.facility, Month(round_.year, round_.month))
    if round_.status != "open" or cal is None or cal.phase(now) in (Phase.BEFORE, Phase.APPLICATIONS):
        dbs.rollback()
        return False
    seed = draw.new_seed()
    round_.seed = seed
    round_.seed_commitment = draw.seed_commitment(seed)
    round_.inputs_digest = draw.inputs_digest([_as_draw_input(a) for a in live_applications(dbs, round_)])
    round_.committed_at = now
    round_.status = "committed"
    dbs.commit()
    return True


def run_draw(dbs: Session, round_id: int, now: datetime) -> bool:
    """Draw a committed round whose draw time has come: winners get held reservations until the confirmation
    deadline, everyone is told. One transaction; a second run finds the round drawn and does nothing."""
    round_ = _locked_round(dbs, round_id)
    facility = round_.facility
    month = Month(round_.year, round_.month)
    cal = calendar(facility, month)
    if round_.status != "committed" or cal is None or now < cal.draw_at:
        dbs.rollback()
        return False
    lottery = settings_of(facility).lottery
    applications = live_applications(dbs, round_)
    inputs = [_as_draw_input(a) for a in applications]
    if draw.inputs_digest(inputs) != round_.inputs_digest:
        raise RuntimeError(f"lottery round {round_.id}: applications changed after the seed was committed")
    slots = {s.key: s for s in lottery_slots(facility, month)}
    busy = inventory.taken(dbs, facility, min((s.local_date for s in slots.values()), default=cal.draw_at.date()),
                           max((s.local_date for s in slots.values()), default=cal.draw_at.date()), now)
    available = sorted(k for k in slots if k not in busy)  # staff blocks made before the draw are honoured
    result = draw.draw(round_.seed, inputs, lottery.policy.win_cap_per_person, lottery.policy.win_cap_per_group,
                       available_slots=available)
    by_id = {a.id: a for a in applications}
    for application_id, win in result.winners.items():
        application = by_id[application_id]
        slot = slots[win.slot_key]
        reservation = inventory.insert(
            dbs, facility, [slot], kind="lottery", status="held", now=now,
            fees=fees_for(facility, [slot], application.is_resident), hold_expires_at=cal.confirm_until,
            resident_id=application.resident_id, person_sub=application.person_sub,
            is_resident=application.is_resident, group_id=application.group_id, group_name=application.group_name,
            lang=application.lang)
        application.status, application.outcome = "won", "won"
        (application.won_slot_key, application.won_rank,
         application.reservation_id) = win.slot_key, win.rank, reservation.id
    for application_id, reason in result.losers.items():
        by_id[application_id].status, by_id[application_id].outcome = "lost", reason
    round_.record = {
        "algorithm": result.algorithm,
        "available_slots": available,
        "applications": [[a.application_id, a.person_key, a.group_key, list(a.preferences)] for a in inputs],
        "caps": {"win_cap_per_person": lottery.policy.win_cap_per_person,
                 "win_cap_per_group": lottery.policy.win_cap_per_group},
        "trace": [list(d) for d in result.trace],
        "rounds": result.rounds,
    }
    round_.drawn_at = now
    round_.status = "drawn"
    for application in applications:
        _queue_result_email(dbs, facility, application, cal, slots)
    dbs.commit()
    return True


def finish(dbs: Session, round_id: int, now: datetime) -> bool:
    """After the confirmation deadline the round is over (the hold expiry released unclaimed wins)."""
    round_ = _locked_round(dbs, round_id)
    cal = calendar(round_.facility, Month(round_.year, round_.month))
    if round_.status != "drawn" or now < cal.confirm_until:
        dbs.rollback()
        return False
    round_.status, round_.finished_at = "finished", now
    dbs.commit()
    return True


def due_rounds(dbs: Session, status: str) -> list[int]:
    return list(dbs.scalars(select(LotteryRound.id).where(LotteryRound.status == status).order_by(LotteryRound.id)))


def run_due(dbs: Session, now: datetime) -> dict[str, int]:
    """What the scheduler (and ``flask booking draw``) does: commit, draw and finish every round that is due."""
    done = {"committed": 0, "drawn": 0, "finished": 0}
    for status, step, key in (("open", commit_seed, "committed"), ("committed", run_draw, "drawn"),
                              ("drawn", finish, "finished")):
        for round_id in due_rounds(dbs, status):
            try:
                done[key] += step(dbs, round_id, now)
            except (StaleDataError, IntegrityError):
                # Another runner did this round at the same moment (the version counter or a slot index said
                # so); everything of ours is rolled back and its result stands.
                dbs.rollback()
    return done


def verify(round_: LotteryRound) -> bool:
    """What anyone can do with the published record: the seed matches its hash and the draw re-runs the same."""
    if round_.status not in ("drawn", "finished") or not round_.record:
        return False
    record = round_.record
    inputs = [draw.Application(a[0], a[1], a[2], tuple(a[3])) for a in record["applications"]]
    if draw.inputs_digest(inputs) != round_.inputs_digest:
        return False
    rerun = draw.draw(round_.seed, inputs, record["caps"]["win_cap_per_person"], record["caps"]["win_cap_per_group"],
                      available_slots=record["available_slots"])
    return draw.verify_commitment(round_.seed, round_.seed_commitment) and \
        [list(d) for d in rerun.trace] == record["trace"]


# --- the winner's side -------------------------------------------------------------------------------------------

def decline(dbs: Session, application: LotteryApplication, now: datetime) -> bool:
    """A winner gives the slot back before confirming it; it returns to first-come when that opens. Commits."""
    reservation = application.reservation
    if application.status != "won" or reservation is None or reservation.status != "held":
        return False
    inventory.release(reservation, "cancelled", now)
    reservation.cancel_reason = "抽選の当選を辞退"
    application.status, application.outcome = "declined", "declined"
    dbs.commit()
    return True


def of_resident(dbs: Session, municipality_id: int, resident: Resident) -> list[LotteryApplication]:
    return list(dbs.scalars(select(LotteryApplication).where(LotteryApplication.municipality_id == municipality_id,
                                                             LotteryApplication.resident_id == resident.id)
                            .order_by(LotteryApplication.created_at.desc())))


def _queue_result_email(dbs: Session, facility: Facility, application: LotteryApplication,
                        cal: LotteryCalendar, slots: dict[str, Slot]) -> None:
    from portal.payments.service import public_url

    won_slot = ""
    if application.won_slot_key:
        won = slots[application.won_slot_key]
        unit = next(u for u in facility.units if u.slug == won.unit_id)
        won_slot = (f"{unit.display_name(application.lang)} "
                    f"{won.local_starts_at:%Y-%m-%d %H:%M}–{won.local_ends_at:%H:%M}")
    mail.queue(dbs, application.contact_email, "lottery_result", application.lang, facility.municipality_id,
               municipality=facility.municipality, facility=facility, application=application, calendar=cal,
               won_slot=won_slot,
               status_url=public_url("booking.my_bookings", municipality=facility.municipality.slug))


def reservation_of(dbs: Session, application: LotteryApplication) -> Reservation | None:
    return dbs.get(Reservation, application.reservation_id) if application.reservation_id else None
