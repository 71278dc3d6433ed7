"""A whole lottery month with time travel: the window opens → applications (caps per person) → the seed's hash
is published at the close → the draw (once) → one winner pays, one misses the deadline → leftovers open
first-come → someone else books the unclaimed slot."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from portal.booking.domain.calendar import jst
from portal.booking.models import LotteryApplication, LotteryRound
from portal.booking.services import booking as service, lottery as lottery_service
from portal.notifications import mail
from portal.payments.gateway import gateway
from tests.integration.booking_env import answer_booking, book_slots, facility, second_resident
from tests.integration.helpers import csrf_token, location_path

LOTTERY = {"schedule": {}, "scope": {"day_types": ["holiday"]},
           "policy": {"max_preferences": 3, "max_applications_per_person": 2, "win_cap_per_person": 1}}
S1, S2, S3 = "court-a/2027-02-06 09:00", "court-a/2027-02-06 11:00", "court-b/2027-02-07 13:00"
MONTH = "2027-02"


def apply(client, prefs, email="resident@example.jp"):
    page = f"/ichinomiya/facilities/test-tennis/lottery/{MONTH}"
    data = {"csrf_token": csrf_token(client, page), "email": email}
    data.update({f"pref{i}": key for i, key in enumerate(prefs, 1)})
    return client.post(page, data=data)


def application_of(pay, resident) -> LotteryApplication:
    pay.fresh()
    return pay.db.scalar(select(LotteryApplication).where(LotteryApplication.resident_id == resident.id,
                                                          LotteryApplication.status != "withdrawn"))


def test_the_lottery_month(pay, clock, mail_sink):
    facility(pay, lottery=LOTTERY)
    clock.set(jst(date(2026, 11, 30), time(12, 0)))
    a_client = pay.client
    a = pay.resident()
    assert apply(a_client, [S1]).status_code == 422  # the window has not opened

    clock.set(jst(date(2026, 12, 2), time(10, 0)))
    page = a_client.get("/ichinomiya/facilities/test-tennis?date=2027-02-06").get_data(as_text=True)
    assert "抽選受付中" in page and f"/facilities/test-tennis/lottery/{MONTH}" in page
    assert apply(a_client, [S1]).status_code == 303
    d_client, d = second_resident(pay)
    assert apply(d_client, [S1], "d@example.jp").status_code == 303
    b_client, b = second_resident(pay)
    assert apply(b_client, [S2], "b@example.jp").status_code == 303
    c_client, c = second_resident(pay)
    assert apply(c_client, [S3]).status_code == 303
    # caps bind the person: a third application of A is refused
    assert apply(a_client, [S2]).status_code == 303
    refused = apply(a_client, [S3])
    assert refused.status_code == 422 and "1人2件まで" in refused.get_data(as_text=True)
    a_second = pay.db.scalars(select(LotteryApplication).where(LotteryApplication.resident_id == a.id)
                              .order_by(LotteryApplication.id.desc())).first()
    withdraw = a_client.post(f"/ichinomiya/mypage/lottery/{a_second.id}/withdraw",
                             data={"csrf_token": csrf_token(a_client, "/ichinomiya/mypage/bookings")})
    assert withdraw.status_code == 303
    # a lottery slot cannot be booked first-come while the lottery runs
    assert book_slots(c_client, "test-tennis", [S2]).status_code == 422
    assert lottery_service.run_due(pay.db, clock.current) == {"committed": 0, "drawn": 0, "finished": 0}

    # the window closes: the seed's hash and the inputs' digest are published, the seed is not
    clock.set(jst(date(2026, 12, 11), time(8, 0)))
    assert lottery_service.run_due(pay.db, clock.current)["committed"] == 1
    record = pay.client.get(f"/ichinomiya/facilities/test-tennis/lottery/{MONTH}/record?format=json").get_json()
    assert record["status"] == "committed" and len(record["seed_commitment"]) == 64 and record["seed"] is None
    assert apply(c_client, [S1]).status_code == 422  # too late

    clock.set(jst(date(2026, 12, 12), time(10, 0)))
    assert lottery_service.run_due(pay.db, clock.current)["drawn"] == 1
    assert lottery_service.run_due(pay.db, clock.current) == {"committed": 0, "drawn": 0, "finished": 0}
    round_ = pay.db.scalar(select(LotteryRound))
    assert round_.status == "drawn" and lottery_service.verify(round_)
    record = pay.client.get(f"/ichinomiya/facilities/test-tennis/lottery/{MONTH}/record?format=json").get_json()
    assert record["seed"] == round_.seed and record["record"]["available_slots"]
    assert a.sub not in str(record)  # pseudonyms only

    winner, loser = (a, d) if application_of(pay, a).status == "won" else (d, a)
    winner_client = a_client if winner is a else d_client
    assert application_of(pay, winner).won_slot_key == S1 and application_of(pay, loser).outcome == "all_taken"
    assert application_of(pay, b).status == "won" and application_of(pay, c).status == "won"
    mail.send_pending(pay.db)
    subjects = [m["Subject"] for m in mail_sink.messages()]
    assert sum("当選しました" in s for s in subjects) == 3 and sum("結果のお知らせ" in s for s in subjects) == 1

    # the winner confirms and pays
    response = winner_client.post(f"/ichinomiya/mypage/lottery/{application_of(pay, winner).id}/confirm",
                                  data={"csrf_token": csrf_token(winner_client, "/ichinomiya/mypage/bookings")})
    assert response.status_code == 303
    reference = answer_booking(winner_client, location_path(response))
    submission = pay.submission(reference)
    assert submission.fee_amount == 800  # a Saturday, resident price
    session_id = pay.checkout(submission, winner_client)
    pay.outcome(session_id, "card_success")
    pay.wait()
    assert application_of(pay, winner).reservation.status == "confirmed"

    # C declines, B lets the deadline pass
    decline = c_client.post(f"/ichinomiya/mypage/lottery/{application_of(pay, c).id}/decline",
                            data={"csrf_token": csrf_token(c_client, "/ichinomiya/mypage/bookings")})
    assert decline.status_code == 303 and application_of(pay, c).status == "declined"
    clock.set(jst(date(2026, 12, 21), time(0, 5)))
    expired = service.expire_holds(pay.db, gateway(), clock.current)
    assert expired == [application_of(pay, b).reservation_id]
    assert lottery_service.run_due(pay.db, clock.current)["finished"] == 1

    # leftovers are not bookable until first-come opens, then they are
    clock.set(jst(date(2026, 12, 25), time(10, 0)))
    assert book_slots(d_client, "test-tennis", [S2]).status_code == 422
    clock.set(jst(date(2027, 1, 1), time(9, 0)))
    page = d_client.get("/ichinomiya/facilities/test-tennis?date=2027-02-06").get_data(as_text=True)
    assert f'value="{S2}"' in page and f'value="{S1}"' not in page
    assert book_slots(d_client, "test-tennis", [S2]).status_code == 303
    assert book_slots(d_client, "test-tennis", [S3]).status_code == 303  # the declined one too


def test_the_result_email_is_in_the_language_the_resident_applied_in(app, db, make_resident, mail_sink):
    from tests.integration.booking_factory import make_facility

    facility_row = make_facility(db, lottery=LOTTERY)
    with app.app_context():
        for lang, email in (("en", "en@example.jp"), ("ja", "ja@example.jp")):
            lottery_service.apply(db, facility_row, make_resident(), lottery_service.Month(2027, 2),
                                  [S1 if lang == "en" else S2], jst(date(2026, 12, 2), time(10, 0)), email, lang=lang)
        lottery_service.run_due(db, jst(date(2026, 12, 11), time(9, 0)))
        lottery_service.run_due(db, jst(date(2026, 12, 12), time(10, 0)))
        mail.send_pending(db)
    by_recipient = {m["To"]: m for m in mail_sink.messages()}
    english = by_recipient["en@example.jp"]
    assert english["Subject"] == "[Ichinomiya City] Lottery result: you won (Test Tennis Courts)"
    body = english.get_content()
    assert "You won: Court A 2027-02-06 09:00–11:00 (your choice no. 1)" in body and "Sun 20 Dec, end of day" in body
    assert "Fee: ¥800" in body and "愛知県一宮市本町1丁目1番1号" in body
    assert by_recipient["ja@example.jp"]["Subject"] == "【一宮市】抽選の結果：当選しました（テスト市民テニスコート）"
    assert "12月20日（日）24:00" in by_recipient["ja@example.jp"].get_content()


def test_pseudonyms_are_fixed_at_application_and_differ_from_round_to_round(app, db, make_resident):
    from tests.integration.booking_factory import make_facility

    tennis = make_facility(db, lottery=LOTTERY)
    resident = make_resident()
    with app.app_context():
        february = lottery_service.apply(db, tennis, resident, lottery_service.Month(2027, 2), [S1],
                                         jst(date(2026, 12, 2), time(10, 0)), "a@example.jp")
        march = lottery_service.apply(db, tennis, resident, lottery_service.Month(2027, 3),
                                      ["court-a/2027-03-06 09:00"],
                                      jst(date(2027, 1, 2), time(10, 0)), "a@example.jp")
        assert february.person_key == lottery_service.pseudonym(february.round_id, resident.sub)
        assert february.person_key != march.person_key and resident.sub not in february.person_key
        # the key the pseudonyms come from may change between the close and the draw: the draw still runs
        lottery_service.run_due(db, jst(date(2026, 12, 11), time(9, 0)))
        app.config["SECRET_KEY"], old = "a-rotated-key", app.config["SECRET_KEY"]
        try:
            assert lottery_service.run_due(db, jst(date(2026, 12, 12), time(10, 0)))["drawn"] == 1
        finally:
            app.config["SECRET_KEY"] = old
