"""The day before each session, confirmed participants are reminded once, in the language they applied in."""
from __future__ import annotations

from datetime import timedelta

from portal.events import registration as reg, reminders
from tests.integration.events_factory import NOW, START, make_event
from tests.integration.test_booking_concurrency import race

DAY_BEFORE = START - timedelta(days=1)        # 10:00 Tokyo on the day before the first session


def test_each_session_of_a_series_is_reminded_once_the_day_before(app, db, make_resident, mail_sink):
    event = make_event(db, (10, 10), session_mode="series", what_to_bring="筆記用具")
    with app.app_context():
        reg.apply(db, event, make_resident(), {"adult": 2}, [], now=NOW, contact_email="hanako@example.jp")
        waiting = make_event(db, (0,), slug="full")
        reg.apply(db, waiting, make_resident(), {"adult": 1}, [waiting.sessions[0].id], now=NOW,
                  contact_email="waits@example.jp")
        db.commit()
        assert reminders.send_due(db, DAY_BEFORE - timedelta(hours=2)) == []     # 8:00: not before nine
        assert len(reminders.send_due(db, DAY_BEFORE)) == 1
        assert reminders.send_due(db, DAY_BEFORE + timedelta(hours=1)) == []
        assert len(reminders.send_due(db, DAY_BEFORE + timedelta(days=7))) == 1  # the series' second session
    messages = mail_sink.messages()
    assert [m["To"] for m in messages] == ["hanako@example.jp"] * 2             # the waiting list is not reminded
    body = messages[0].get_content()
    assert "スマホ教室" in messages[0]["Subject"] and "明日" in messages[0]["Subject"]
    assert "12月20日" in body and "10:00" in body and "2人" in body and "筆記用具" in body
    assert "/ichinomiya/mypage" in body


def test_an_english_applicant_is_reminded_in_english(app, db, make_resident, mail_sink):
    event = make_event(db)
    with app.app_context():
        reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW, lang="en",
                  contact_email="an@example.jp")
        db.commit()
        reminders.send_due(db, DAY_BEFORE)
    [message] = mail_sink.messages()
    assert "Smartphone class" in message["Subject"] and "tomorrow" in message["Subject"].lower()
    assert "Sun 20 Dec 2026" in message.get_content()


def test_two_consumers_at_once_send_one_reminder(app, db, make_resident, mail_sink):
    event = make_event(db)
    with app.app_context():
        reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW,
                  contact_email="hanako@example.jp")
        db.commit()
    results = race(app, lambda dbs, i: reminders.send_due(dbs, DAY_BEFORE), n=4)
    assert sorted(len(r) for r in results) == [0, 0, 0, 1], results
    assert len(mail_sink.messages()) == 1
