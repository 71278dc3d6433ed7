"""受付 at the door: the 受付番号 as staff type it, the QR code's token, a second check-in refused with the time of
the first, registrations without a seat refused with the reason, two phones at once (exactly one wins, on
PostgreSQL too), walk-ins while seats remain, undo, the name search and the live counts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.events import checkin, tickets
from portal.events.models import EventRegistration, EventSession, RegistrationSession
from tests.integration.events_factory import NOW, PAID, make_event
from tests.integration.helpers import csrf_token
from tests.integration.test_booking_concurrency import race
from tests.integration.test_event_staff import BASE, HANAKO, QUESTIONS_KEY, audited, register, staff_client

LATER = NOW + timedelta(minutes=2)


@pytest.fixture
def clock(app):
    moments = {"now": NOW}
    app.extensions["clock"] = lambda: moments["now"]
    yield moments
    app.extensions.pop("clock", None)


@pytest.fixture
def door(app, db, make_staff, clock):
    """A signed-in staff member and a post helper for one session's check-in page."""
    staff, client = staff_client(app, make_staff, display_name="受付 花子")

    def post(session_id: int, **data):
        url = f"{BASE}/sessions/{session_id}/checkin"
        return client.post(url, data={"csrf_token": csrf_token(client, url), **data})

    client.post_checkin = post
    client.staff = staff
    return client


def fresh(db, registration: EventRegistration) -> RegistrationSession:
    db.expire_all()
    return db.get(EventRegistration, registration.id).seats[0]


# --- typing and scanning --------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["{ref}", "{lower}", "{bare}", "{spaced}", "{misread}"])
def test_the_reference_is_accepted_as_staff_type_it(db, make_resident, door, typed):
    event = make_event(db)
    registration = register(db, event, make_resident(), answers=HANAKO)
    ref = registration.reference
    variants = {"ref": ref, "lower": ref.lower(), "bare": ref.replace("-", ""), "spaced": f"  {ref[2:6]} {ref[7:]} ",
                "misread": ref.replace("0", "O").replace("1", "I")}
    response = door.post_checkin(event.sessions[0].id, code=typed.format(**variants))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "受付しました" in page and "一宮 花子" in page and ref in page
    seat = fresh(db, registration)
    assert seat.checked_in_at == NOW and seat.checked_in_by == "受付 花子"
    entries = audited(db, "event.checkin")
    assert [(e.object_id, e.actor_id, e.detail["via"]) for e in entries] == \
        [(str(registration.id), door.staff.id, "reference")]


def test_the_qr_codes_token_checks_in_and_a_forged_one_is_refused(app, db, make_resident, door):
    event = make_event(db)
    registration = register(db, event, make_resident())
    with app.app_context():
        token = tickets.token(registration.ticket_secret)
    forged = registration.ticket_secret + ".AAAAAAAAAAAAAAAA"
    refused = door.post_checkin(event.sessions[0].id, code=forged)
    assert refused.status_code == 422 and "受付番号として読み取れません" in refused.get_data(as_text=True)
    assert fresh(db, registration).checked_in_at is None
    response = door.post_checkin(event.sessions[0].id, code=token)
    assert response.status_code == 200 and "受付しました" in response.get_data(as_text=True)
    assert audited(db, "event.checkin")[0].detail["via"] == "qr"


@pytest.mark.parametrize("typed, message", [("hello", "受付番号として読み取れません"),
                                            ("E-ZZZZ-ZZZZ", "この受付番号の申込は見つかりません"),
                                            ("", "受付番号として読み取れません"),
                                            ("x" * 5000, "受付番号として読み取れません")])
def test_what_is_not_a_ticket_is_refused_plainly(db, door, typed, message):
    event = make_event(db)
    response = door.post_checkin(event.sessions[0].id, code=typed)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_second_check_in_is_refused_with_the_time_and_who(db, make_resident, door, clock):
    event = make_event(db)
    registration = register(db, event, make_resident(), answers=HANAKO)
    assert door.post_checkin(event.sessions[0].id, code=registration.reference).status_code == 200
    clock["now"] = LATER
    again = door.post_checkin(event.sessions[0].id, code=registration.reference.lower())
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert "受付済み（10:00、受付 花子）" in page and "一宮 花子" in page and "受付しました" not in page
    assert fresh(db, registration).checked_in_at == NOW   # the first time stays
    assert [e.detail["reason"] for e in audited(db, "event.checkin_refused")] == ["already"]


@pytest.mark.parametrize("status, message", [("cancelled", "キャンセルされています"),
                                             ("lost", "抽選に外れています"),
                                             ("waiting", "キャンセル待ちの申込です"),
                                             ("applied", "抽選前の申込です"),
                                             ("offered", "繰り上げの案内に回答がない"),
                                             ("withdrawn", "取り下げられています")])
def test_registrations_without_a_seat_are_refused_with_the_reason(db, make_resident, door, status, message):
    event = make_event(db)
    registration = register(db, event, make_resident(), status=status)
    response = door.post_checkin(event.sessions[0].id, code=registration.reference)
    assert response.status_code == 409 and message in response.get_data(as_text=True)
    assert fresh(db, registration).checked_in_at is None


def test_a_ticket_of_another_session_or_event_says_so(db, make_resident, door):
    event = make_event(db, (5, 5))
    other = make_event(db, slug="other", title="防災訓練")
    on_second = register(db, event, make_resident(), session=1)
    elsewhere = register(db, other, make_resident())
    response = door.post_checkin(event.sessions[0].id, code=on_second.reference)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "この回の申込ではありません" in page and "2026年12月27日(日) 10:00–12:00" in page
    response = door.post_checkin(event.sessions[0].id, code=elsewhere.reference)
    assert response.status_code == 409 and "別のイベントの受付番号です" in response.get_data(as_text=True)
    assert fresh(db, on_second).checked_in_at is None and fresh(db, elsewhere).checked_in_at is None


def test_another_municipalitys_ticket_is_unknown(db, make_resident, door):
    event = make_event(db)
    anjo = make_event(db, municipality="anjo", slug="tanabata")
    theirs = register(db, anjo, make_resident("anjo"))
    response = door.post_checkin(event.sessions[0].id, code=theirs.reference)
    assert response.status_code == 422 and "見つかりません" in response.get_data(as_text=True)


def test_an_unpaid_seat_is_checked_in_with_a_warning(db, make_resident, door):
    event = make_event(db, participant_types=PAID, procedure_key=QUESTIONS_KEY)
    registration = register(db, event, make_resident(), status="pending_payment", answers=HANAKO, fee=1200)
    response = door.post_checkin(event.sessions[0].id, code=registration.reference)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "受付しました" in page and "参加費1,200円が未払いです" in page


# --- two phones at once --------------------------------------------------------------------------------------------

def test_two_phones_checking_in_one_ticket_at_once_exactly_one_wins(app, db, make_resident):
    event = make_event(db)
    registration = register(db, event, make_resident())
    session_id = event.sessions[0].id

    def work(dbs, i):
        session = dbs.get(EventSession, session_id)
        done = checkin.check_in(dbs, session, registration.reference, now=NOW + timedelta(seconds=i),
                                by=f"phone {i}")
        dbs.commit()
        return done.seat.id

    results = race(app, work, n=4)
    wins = [r for r in results if isinstance(r, int)]
    refusals = [r for r in results if isinstance(r, checkin.CheckInRefused)]
    assert len(wins) == 1 and len(refusals) == 3, results
    assert {r.code for r in refusals} == {"already"}
    seat = fresh(db, registration)
    assert seat.checked_in_by.startswith("phone ")
    assert all(r.seat.checked_in_at == seat.checked_in_at for r in refusals)


def test_a_check_in_racing_a_cancellation_never_admits_a_cancelled_registration(app, db, make_resident):
    from portal.events import registration as reg

    event = make_event(db)
    registration = register(db, event, make_resident())
    session_id = event.sessions[0].id

    def work(dbs, i):
        if i == 0:
            session = dbs.get(EventSession, session_id)
            checkin.check_in(dbs, session, registration.reference, now=NOW, by="phone")
        else:
            reg.cancel(dbs, dbs.get(EventRegistration, registration.id), now=NOW)
        dbs.commit()
        return "done"

    race(app, work, n=2)
    db.expire_all()
    final = db.get(EventRegistration, registration.id)
    assert (final.status, final.seats[0].checked_in_at is not None) in {("cancelled", False), ("confirmed", True),
                                                                         ("cancelled", True)}


# --- walk-ins ----------------------------------------------------------------------------------------------------

def test_a_walk_in_takes_a_seat_is_confirmed_and_checked_in_with_a_reference(db, door):
    event = make_event(db, (3,), participant_types=PAID)
    response = door.post_checkin(event.sessions[0].id, action="walk_in", name="  当日　 三郎 ", party_adult="1",
                                 party_child="1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    walk_in = db.scalar(select(EventRegistration).where(EventRegistration.walk_in.is_(True)))
    assert (walk_in.status, walk_in.walk_in_name, walk_in.party, walk_in.party_size) == \
        ("confirmed", "当日 三郎", {"adult": 1, "child": 1}, 2)
    assert tickets.normalise_reference(walk_in.reference) == walk_in.reference and walk_in.ticket_secret
    assert walk_in.seats[0].checked_in_at == NOW and walk_in.seats[0].checked_in_by == "受付 花子"
    assert "受付しました" in page and walk_in.reference in page and "参加費1,800円を会場で受け取ってください" in page
    db.expire_all()
    assert db.get(EventSession, event.sessions[0].id).taken == 2
    assert audited(db, "event.walk_in")[0].object_id == str(walk_in.id)


def test_a_walk_in_when_full_is_refused_and_the_party_is_never_split(db, make_resident, door):
    event = make_event(db, (3,))
    register(db, event, make_resident(), party={"adult": 2})
    response = door.post_checkin(event.sessions[0].id, action="walk_in", name="当日 三郎", party_adult="2")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "満席のため当日参加を受け付けられません（残り1席）" in page
    assert 'value="当日 三郎"' in page   # the answers are kept
    db.expire_all()
    assert db.get(EventSession, event.sessions[0].id).taken == 2
    assert db.scalar(select(EventRegistration).where(EventRegistration.walk_in.is_(True))) is None
    assert door.post_checkin(event.sessions[0].id, action="walk_in", name="当日 三郎",
                             party_adult="1").status_code == 200


@pytest.mark.parametrize("data, message", [({"name": "", "party_adult": "1"}, "参加者の氏名を入力してください"),
                                           ({"name": "三郎", "party_adult": "0"}, "1人以上にしてください"),
                                           ({"name": "三郎", "party_adult": "-1"}, "1人以上にしてください"),
                                           ({"name": "三郎", "party_adult": "１"}, "1人以上にしてください"),
                                           ({"name": "三郎", "party_adult": "9"}, "3人までです")])
def test_a_walk_in_with_bad_answers_says_what_is_wrong(db, door, data, message):
    event = make_event(db)
    response = door.post_checkin(event.sessions[0].id, action="walk_in", **data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_no_walk_ins_and_no_check_ins_for_a_cancelled_session_or_event(db, make_resident, door):
    event = make_event(db, (5, 5))
    first = register(db, event, make_resident())
    second = register(db, event, make_resident(), session=1)
    event.sessions[0].status = "cancelled"
    db.commit()
    response = door.post_checkin(event.sessions[0].id, action="walk_in", name="三郎", party_adult="1")
    assert response.status_code == 422 and "この回は受付していません" in response.get_data(as_text=True)
    response = door.post_checkin(event.sessions[0].id, code=first.reference)
    assert response.status_code == 409 and "この回は中止になっています" in response.get_data(as_text=True)
    event.status = "cancelled"
    db.commit()
    response = door.post_checkin(event.sessions[1].id, code=second.reference)
    assert response.status_code == 409 and "この回は中止になっています" in response.get_data(as_text=True)
    assert fresh(db, first).checked_in_at is None and fresh(db, second).checked_in_at is None


# --- undo, search, counts -----------------------------------------------------------------------------------------

def test_a_mistaken_check_in_is_undone_and_audited(db, make_resident, door):
    event = make_event(db)
    registration = register(db, event, make_resident())
    door.post_checkin(event.sessions[0].id, code=registration.reference)
    seat = fresh(db, registration)
    response = door.post_checkin(event.sessions[0].id, action="undo", seat_id=str(seat.id))
    assert response.status_code == 200 and "受付を取り消しました" in response.get_data(as_text=True)
    assert fresh(db, registration).checked_in_at is None
    assert len(audited(db, "event.checkin_undone")) == 1
    assert door.post_checkin(event.sessions[0].id, action="undo", seat_id=str(seat.id)).status_code == 200
    assert len(audited(db, "event.checkin_undone")) == 1   # nothing to undo the second time
    assert door.post_checkin(event.sessions[0].id, code=registration.reference).status_code == 200


def test_undo_of_another_sessions_seat_or_a_hostile_id_is_404(db, make_resident, door):
    event = make_event(db, (5, 5))
    registration = register(db, event, make_resident(), session=1, checked_in=NOW)
    for seat_id in (str(registration.seats[0].id), "0", "99999999999999999999", "x"):
        response = door.post_checkin(event.sessions[0].id, action="undo", seat_id=seat_id)
        assert response.status_code == 404, seat_id
    assert fresh(db, registration).checked_in_at == NOW


@pytest.mark.parametrize("query", ["一宮", "いちのみや", "イチノミヤ　ハナコ", "ﾊﾅｺ", "花子"])
def test_the_name_search_finds_by_kana_or_kanji_and_offers_check_in(db, make_resident, door, query):
    event = make_event(db, procedure_key=QUESTIONS_KEY)
    hanako = register(db, event, make_resident(), answers=HANAKO)
    taro = register(db, event, make_resident(), answers={**HANAKO, "name": "尾張 太郎", "name_kana": "おわり たろう"})
    response = door.get(f"{BASE}/sessions/{event.sessions[0].id}/checkin", query_string={"q": query})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and hanako.reference in page and taro.reference not in page
    assert f'name="code" value="{hanako.reference}"' in page
    searches = audited(db, "event.checkin_search")
    assert searches[0].detail == {"query": query, "registrations": [hanako.id]}


def test_the_search_says_when_nobody_matches(db, door):
    event = make_event(db)
    page = door.get(f"{BASE}/sessions/{event.sessions[0].id}/checkin?q=山田").get_data(as_text=True)
    assert "「山田」に当てはまる参加者はいません。" in page


def test_counts_are_people_not_registrations_on_the_page_and_as_json(db, make_resident, door):
    event = make_event(db, (10,))
    first = register(db, event, make_resident(), party={"adult": 3})
    register(db, event, make_resident(), party={"adult": 2})
    register(db, event, make_resident(), status="waiting", party={"adult": 2})
    url = f"{BASE}/sessions/{event.sessions[0].id}/checkin"
    page = door.get(url).get_data(as_text=True)
    assert 'data-count="arrived">0<' in page and 'data-count="registered">5<' in page
    door.post_checkin(event.sessions[0].id, code=first.reference)
    door.post_checkin(event.sessions[0].id, action="walk_in", name="当日 三郎", party_adult="1")
    counts = door.get(f"{url}/counts.json")
    assert counts.status_code == 200 and counts.headers["Cache-Control"] == "no-store"
    assert counts.get_json() == {"arrived": 4, "registered": 6, "capacity": 10, "remaining": 4, "waiting": 2}
    page = door.get(url).get_data(as_text=True)
    assert 'data-count="arrived">4<' in page and 'data-count="registered">6<' in page
    assert "最近の受付" in page and "当日 三郎" in page


def test_the_page_works_without_javascript_and_loads_the_camera_as_an_enhancement(db, door):
    from tests.integration.helpers import links_static

    event = make_event(db)
    page = door.get(f"{BASE}/sessions/{event.sessions[0].id}/checkin").get_data(as_text=True)
    assert links_static(page, "js/event-checkin.js")
    assert "<script>" not in page and " style=" not in page
    assert 'name="csrf_token"' in page and 'name="code"' in page and 'data-camera hidden' in page


def test_hand_edited_values_never_answer_5xx(db, make_resident, door):
    """What test_no_server_errors does for every route, here with a real event behind the session id (its world
    has no events) and the form fields of the check-in's POSTs too."""
    from tests.integration.test_no_server_errors import HOSTILE_QUERY

    event = make_event(db, procedure_key=QUESTIONS_KEY)
    register(db, event, make_resident(), answers=HANAKO)
    session_id = event.sessions[0].id
    failures = []
    for value in HOSTILE_QUERY:
        for url, query in ((f"{BASE}/sessions/{session_id}", {"print": value}),
                           (f"{BASE}/sessions/{session_id}/checkin", {"q": value}),
                           (f"{BASE}/sessions/{session_id}/participants.csv", {"print": value})):
            response = door.get(url, query_string=query)
            response.get_data()
            if response.status_code >= 500:
                failures.append((url, value, response.status_code))
        for data in ({"code": value}, {"action": value, "code": value}, {"action": "undo", "seat_id": value},
                     {"action": "walk_in", "name": value, "party_adult": value},
                     {"action": "walk_in", "name": "三郎", "party_adult": "1", "party_x": value}):
            response = door.post_checkin(session_id, **data)
            if response.status_code >= 500:
                failures.append(("POST", data, response.status_code))
    assert not failures, failures
