"""The event lottery at the close: the seed committed when applications close, the draw once at its time, parties
counted against seats, ranked dates, a series as a whole, one application per person, the waiting list in draw
order, the result emails, and the published record."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.events import lottery, registration as reg
from portal.events.models import EventDraw, EventRegistration, RegistrationSession
from tests.integration.events_factory import NOW, PAID, START, make_event
from tests.integration.test_booking_concurrency import race

CLOSE = START - timedelta(days=2)          # the factory's closing moment: 18 December, 10:00 Tokyo
DRAW = CLOSE + lottery.DRAW_AFTER


def lottery_event(db, capacities=(4,), **overrides):
    return make_event(db, capacities, allocation="lottery", slug=overrides.pop("slug", "kosodate"),
                      title="親子料理教室", title_en="Parent and child cooking", **overrides)


def apply(db, event, resident, size=1, sessions=None, email="", lang="ja", party=None):
    outcome = reg.apply(db, event, resident, party or {"adult": size},
                        sessions if sessions is not None else [event.sessions[0].id], now=NOW, lang=lang,
                        contact_email=email)
    db.commit()
    assert outcome.status == "applied"
    return outcome.registration


def commit(app, db, event, seed=None):
    """Commit at the close; with ``seed``, the test's own seed instead of the fresh one (and its commitment)."""
    with app.app_context():
        assert lottery.run_due(db, CLOSE) == {"committed": 1, "drawn": 0}
    found = lottery.draw_of(db, event.id)
    if seed is not None:
        found.seed, found.seed_commitment = seed, hashlib.sha256(bytes.fromhex(seed)).hexdigest()
        db.commit()
    return found


def seed_where(draw_row, capacity, wanted):
    """A seed under which ``wanted(result)`` holds for the committed inputs: tests pick an order, not hope for one."""
    for n in range(500):
        seed = hashlib.sha256(f"test seed {n}".encode()).hexdigest()
        result = lottery.compute(seed, {**draw_row.record, "capacity": capacity})
        if wanted(result):
            return seed
    raise AssertionError("no seed found")


def run_draw(app, db, now=DRAW):
    with app.app_context():
        done = lottery.run_due(db, now)
    db.expire_all()
    return done


def test_the_seed_is_committed_at_the_close_and_the_draw_runs_once_at_its_time(app, db, make_resident):
    event = lottery_event(db, (4,))
    registrations = [apply(db, event, make_resident(), size) for size in (2, 2, 1, 3, 1, 2)]   # 11 people, 4 seats
    with app.app_context():
        assert lottery.run_due(db, CLOSE - timedelta(minutes=1)) == {"committed": 0, "drawn": 0}
        assert lottery.run_due(db, CLOSE) == {"committed": 1, "drawn": 0}
        assert lottery.run_due(db, CLOSE + timedelta(minutes=5)) == {"committed": 0, "drawn": 0}
        committed = lottery.draw_of(db, event.id)
        assert committed.status == "committed" and committed.seed_commitment == hashlib.sha256(
            bytes.fromhex(committed.seed)).hexdigest()
        assert committed.inputs_digest == lottery.inputs_digest(committed.record["applications"])
        assert lottery.run_due(db, DRAW - timedelta(seconds=1)) == {"committed": 0, "drawn": 0}
        assert lottery.run_due(db, DRAW) == {"committed": 0, "drawn": 1}
        assert lottery.run_due(db, DRAW + timedelta(hours=1)) == {"committed": 0, "drawn": 0}
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(EventDraw)) == 1
    drawn = lottery.draw_of(db, event.id)
    assert drawn.status == "drawn" and drawn.drawn_at == DRAW and lottery.verify(drawn)
    taken = event.sessions[0].taken
    winners = [r for r in registrations if r.status == "confirmed"]
    waiting = [r for r in registrations if r.status == "waiting"]
    assert len(winners) + len(waiting) == 6 and winners
    assert taken == sum(r.party_size for r in winners) <= 4
    # a party is never split, and nobody waiting would fit the seats left
    assert all(r.party_size > 4 - taken for r in waiting)
    assert drawn.record["waiting"] == [step[3] for step in drawn.record["trace"] if step[4] != "won"]
    assert all(r.reference and r.ticket_secret for r in winners)
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"event.lottery_committed", "event.lottery_drawn"} <= actions


def test_a_first_come_event_or_a_draft_has_no_lottery(app, db, make_resident):
    first_come = make_event(db, (2,), slug="first-come")
    draft = lottery_event(db, (2,), slug="draft", status="draft")
    with app.app_context():
        assert lottery.run_due(db, DRAW) == {"committed": 0, "drawn": 0}
    assert lottery.draw_of(db, first_come.id) is None and lottery.draw_of(db, draft.id) is None


def test_the_waiting_list_is_in_draw_order_and_a_cancelled_seat_goes_to_the_first_drawn(app, db, make_resident):
    event = lottery_event(db, (2,))
    registrations = [apply(db, event, make_resident()) for _ in range(5)]
    committed = commit(app, db, event)
    # a seed whose waiting list is not the order of application, so the test tells the two apart
    seed = seed_where(committed, {str(event.sessions[0].id): 2},
                      lambda r: [s[3] for s in r.trace if s[4] != "won"] != sorted(s[3] for s in r.trace
                                                                                 if s[4] != "won"))
    committed.seed, committed.seed_commitment = seed, hashlib.sha256(bytes.fromhex(seed)).hexdigest()
    db.commit()
    run_draw(app, db)
    order = lottery.draw_of(db, event.id).record["waiting"]
    assert len(order) == 3 and order != sorted(order)
    assert [lottery.waiting_number(db, db.get(EventRegistration, i)) for i in order] == [1, 2, 3]
    winner = next(r for r in registrations if r.status == "confirmed")
    assert reg.cancel(db, winner, now=DRAW + timedelta(hours=1))
    db.commit()
    db.expire_all()
    assert db.get(EventRegistration, order[0]).status == "offered"
    assert [db.get(EventRegistration, i).status for i in order[1:]] == ["waiting", "waiting"]
    assert lottery.waiting_number(db, db.get(EventRegistration, order[1])) == 1


def test_ranked_dates_win_the_best_date_with_room_for_the_party_and_losers_wait_for_their_first(app, db,
                                                                                                make_resident):
    event = lottery_event(db, (2, 3), session_mode="choice")
    first, second = [s.id for s in event.sessions]
    registrations = [apply(db, event, make_resident(), size, prefs)
                     for size, prefs in [(2, [first, second]), (2, [first, second]), (1, [first]),
                                         (2, [second, first]), (1, [second]), (3, [first, second])]]
    commit(app, db, event)
    run_draw(app, db)
    assert [s.taken for s in event.sessions] == [
        sum(r.party_size for r in registrations if r.status == "confirmed" and r.seats[0].session_id == sid)
        for sid in (first, second)]
    assert event.sessions[0].taken <= 2 and event.sessions[1].taken <= 3
    record = lottery.draw_of(db, event.id).record
    for registration in registrations:
        kept = [seat.session_id for seat in registration.seats]
        assert len(kept) == 1
        if registration.status == "confirmed":
            won_key, rank = record["winners"][str(registration.id)]
            assert kept == [int(won_key)] and registration.seats[0].rank == rank
        else:
            assert registration.status == "waiting"
            preferences = next(a[3] for a in record["applications"] if a[0] == registration.id)
            assert kept == [int(preferences[0])]


def test_a_series_is_won_as_a_whole_with_a_seat_on_every_session(app, db, make_resident):
    event = lottery_event(db, (3, 3, 3), session_mode="series")
    registrations = [apply(db, event, make_resident(), size, []) for size in (2, 2, 1, 1)]
    commit(app, db, event)
    run_draw(app, db)
    winners = [r for r in registrations if r.status == "confirmed"]
    seated = sum(r.party_size for r in winners)
    assert [s.taken for s in event.sessions] == [seated] * 3 and seated <= 3
    assert all(len(r.seats) == 3 for r in registrations)
    assert lottery.draw_of(db, event.id).record["capacity"] == {lottery.SERIES: 3}


def test_one_application_per_person_a_second_one_loses_without_being_drawn(app, db, make_resident):
    event = lottery_event(db, (5,))
    resident = make_resident()
    kept = apply(db, event, resident)
    duplicate = EventRegistration(municipality_id=event.municipality_id, event_id=event.id, resident_id=resident.id,
                                  person_sub=resident.sub, party={"adult": 1}, party_size=1, status="applied")
    duplicate.seats = [RegistrationSession(session_id=event.sessions[0].id)]
    db.add(duplicate)
    db.commit()
    commit(app, db, event)
    run_draw(app, db)
    assert (kept.status, duplicate.status, duplicate.cancel_reason) == ("confirmed", "lost", lottery.DUPLICATE)
    record = lottery.draw_of(db, event.id).record
    assert record["duplicates"] == [duplicate.id] and event.sessions[0].taken == 1
    assert lottery.verify(lottery.draw_of(db, event.id))


def test_without_a_waiting_list_the_others_lose(app, db, make_resident):
    event = lottery_event(db, (1,), waitlist=False)
    registrations = [apply(db, event, make_resident()) for _ in range(3)]
    commit(app, db, event)
    run_draw(app, db)
    assert sorted(r.status for r in registrations) == ["confirmed", "lost", "lost"]
    assert lottery.draw_of(db, event.id).record["waiting"] == []


def test_a_cancellation_between_the_commit_and_the_draw_keeps_the_inputs_and_frees_its_win(app, db, make_resident):
    event = lottery_event(db, (1,))
    leaver, *others = [apply(db, event, make_resident()) for _ in range(3)]
    committed = commit(app, db, event)
    seed = seed_where(committed, {str(event.sessions[0].id): 1}, lambda r: leaver.id in r.winners)
    committed.seed, committed.seed_commitment = seed, hashlib.sha256(bytes.fromhex(seed)).hexdigest()
    db.commit()
    assert reg.cancel(db, leaver, now=CLOSE + timedelta(minutes=10))
    db.commit()
    run_draw(app, db)
    drawn = lottery.draw_of(db, event.id)
    assert lottery.verify(drawn) and drawn.record["withdrawn_before_draw"] == [leaver.id]
    assert leaver.status == "cancelled"
    first_waiting = db.get(EventRegistration, drawn.record["waiting"][0])
    assert first_waiting.status == "offered" and event.sessions[0].taken == 1   # the freed win went to the list


def test_winners_of_a_paid_event_owe_the_fee_by_the_deadline_and_everyone_is_emailed(app, db, make_resident,
                                                                                      mail_sink):
    event = lottery_event(db, (3,), participant_types=PAID, pay_within_hours=24, venue_name="中央公民館",
                          venue_address="一宮市本町1-1")
    emails = [f"p{i}@example.jp" for i in range(4)]
    registrations = [apply(db, event, make_resident(), email=emails[i], lang="en" if i == 3 else "ja",
                           party={"adult": 1, "child": 1}) for i in range(4)]
    commit(app, db, event)
    run_draw(app, db)
    winners = [r for r in registrations if r.status == "pending_payment"]
    assert len(winners) == 1 and winners[0].pay_by == DRAW + timedelta(hours=24)
    messages = {m["To"]: m for m in mail_sink.messages()}
    assert set(messages) == set(emails)
    won = winners[0]
    body = messages[won.contact_email].get_content()
    subject = messages[won.contact_email]["Subject"]
    if won.lang == "ja":
        assert "当選" in subject and "親子料理教室" in subject
        assert "1,800円" in body and "12月19日" in body and "12月20日" in body and "中央公民館" in body
        assert won.reference in body
    else:
        assert "Parent and child cooking" in subject
    assert f"/ichinomiya/events/registrations/{won.reference}" in body
    assert "/ichinomiya/events/kosodate/draw" in body
    for registration in registrations:
        if registration.status == "waiting" and registration.lang == "ja":
            text = messages[registration.contact_email].get_content()
            number = lottery.waiting_number(db, registration)
            assert f"キャンセル待ちの{number}番目" in text and "当選しませんでした" in text


def test_the_fee_is_never_due_after_the_date_won_has_started(app, db, make_resident):
    event = lottery_event(db, (1,), participant_types=PAID, pay_within_hours=72)
    winner = apply(db, event, make_resident())
    commit(app, db, event)
    run_draw(app, db)
    assert winner.status == "pending_payment" and winner.pay_by == START    # 72 hours would be after the start


def test_two_workers_drawing_at_once_draw_once(app, db, make_resident):
    event = lottery_event(db, (3,))
    registrations = [apply(db, event, make_resident(), size) for size in (1, 2, 1, 2, 1)]
    commit(app, db, event)
    results = race(app, lambda dbs, i: lottery.run_due(dbs, DRAW), n=4)
    assert sorted(r["drawn"] for r in results) == [0, 0, 0, 1], results
    db.expire_all()
    assert event.sessions[0].taken == sum(r.party_size for r in registrations if r.status == "confirmed") <= 3
    assert {r.status for r in registrations} <= {"confirmed", "waiting"}


def test_two_workers_committing_at_once_make_one_seed(app, db, make_resident):
    event = lottery_event(db, (3,))
    apply(db, event, make_resident())
    results = race(app, lambda dbs, i: lottery.run_due(dbs, CLOSE), n=4)
    assert sorted(r["committed"] for r in results) == [0, 0, 0, 1], results
    assert db.scalar(select(func.count()).select_from(EventDraw)) == 1


def test_a_tampered_record_does_not_verify(app, db, make_resident):
    event = lottery_event(db, (1,))
    for _ in range(3):
        apply(db, event, make_resident())
    commit(app, db, event)
    run_draw(app, db)
    drawn = lottery.draw_of(db, event.id)
    assert lottery.verify(drawn)
    drawn.record = {**drawn.record, "capacity": {str(event.sessions[0].id): 2}}
    assert not lottery.verify(drawn)


# --- the command ------------------------------------------------------------------------------------------------------

def test_flask_events_draw_uses_the_business_clock_and_the_filters(app, db, make_resident):
    event = lottery_event(db, (2,))
    other = lottery_event(db, (2,), slug="other")
    for target in (event, other):
        apply(db, target, make_resident())
    runner = app.test_cli_runner()
    app.extensions["clock"] = lambda: DRAW
    try:
        nowhere = runner.invoke(args=["events", "draw", "--municipality", "nowhere"])
        assert nowhere.exit_code != 0 and "nowhere" in nowhere.output
        result = runner.invoke(args=["events", "draw", "--event", "kosodate", "--municipality", "ichinomiya"])
        assert result.exit_code == 0, result.output
        assert "seeds committed 1; drawn 1" in result.output
        result = runner.invoke(args=["events", "draw"])
        assert "seeds committed 1; drawn 1" in result.output
        assert "seeds committed 0; drawn 0" in runner.invoke(args=["events", "draw"]).output
    finally:
        app.extensions.pop("clock", None)
    db.expire_all()
    assert {lottery.draw_of(db, e.id).status for e in (event, other)} == {"drawn"}


# --- the published record ---------------------------------------------------------------------------------------------

def test_the_record_page_before_and_after_the_draw_never_shows_a_name_sub_or_reference(app, db, client,
                                                                                       make_resident):
    event = lottery_event(db, (1,))
    residents = [make_resident() for _ in range(3)]
    registrations = [apply(db, event, r) for r in residents]
    url = "/ichinomiya/events/kosodate/draw"
    app.extensions["clock"] = lambda: NOW
    try:
        page = client.get(url)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "申込を受け付けています" in text and "申込締切後に公開" in text
        committed = commit(app, db, event)
        text = client.get(url).get_data(as_text=True)
        assert committed.seed_commitment in text and committed.seed not in text and "抽選後に公開" in text
        assert client.get(url + "?format=json").get_json()["seed"] is None
        run_draw(app, db)
        app.extensions["clock"] = lambda: DRAW
        page = client.get(url)
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert committed.seed in text and "一致しました" in text and "抽選の経過" in text
        with app.app_context():
            pseudonyms = [lottery.pseudonym_of(r) for r in registrations]
        for registration, pseudonym in zip(registrations, pseudonyms, strict=True):
            assert pseudonym in text
            assert not registration.reference or registration.reference not in text
        for resident in residents:
            assert resident.sub not in text and resident.claims.get("name", "\x00") not in text
        record = client.get(url + "?format=json").get_json()
        assert record["seed"] == committed.seed and record["record"]["trace"]
        assert not any(r.sub in str(record) for r in residents)
        english = client.get(url + "?lang=en")
        assert english.status_code in (200, 302, 303)
    finally:
        app.extensions.pop("clock", None)


@pytest.mark.parametrize("slug", ["first-come", "missing", "draft"])
def test_the_record_is_404_without_a_lottery(db, client, slug):
    make_event(db, (2,), slug="first-come")
    lottery_event(db, (2,), slug="draft", status="draft")
    assert client.get(f"/ichinomiya/events/{slug}/draw").status_code == 404


def test_another_municipalitys_lottery_is_not_found_here(db, client):
    lottery_event(db, (2,), municipality="anjo")
    assert client.get("/ichinomiya/events/kosodate/draw").status_code == 404
    assert client.get("/anjo/events/kosodate/draw").status_code == 200
