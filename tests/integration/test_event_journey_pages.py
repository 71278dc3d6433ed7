"""Applying for an event through its page and the generic journey of its questions: the kind's hooks, the
registration's page, accepting an offer, the ticket and its calendar files, the payment deadline job, the emails."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.events import applying, follow_up, registration as reg, tickets
from portal.events.models import EventRegistration
from portal.notifications.models import OutboxEmail
from portal.procedures.models import Draft, Submission
from tests.conftest import sign_in_as
from tests.integration.events_factory import NOW, PAID, make_event
from tests.integration.helpers import answer, location_path, post

CITY = "ichinomiya"
CONTACT = {"email": "hanako@example.jp", "phone": "090-1234-5678"}
NEEDS = {"assistance": "none"}


@pytest.fixture
def clock(app):
    app.extensions["clock"] = lambda: NOW
    yield
    app.extensions.pop("clock", None)


@pytest.fixture
def signed_in(client, make_resident, clock):
    resident = make_resident()
    sign_in_as(client, resident)
    return resident


def choose(client, event, data=None):
    page = f"/{CITY}/events/{event.slug}/apply"
    return post(client, page, data if data is not None else {"party-adult": "1"}, page=page)


def answer_and_submit(client, step_path, steps=(("contact", CONTACT), ("needs", NEEDS))):
    token = step_path.split("/drafts/")[1].split("/")[0]
    for step_id, data in steps:
        response = answer(client, CITY, token, step_id, data)
        assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return post(client, f"/{CITY}/drafts/{token}/submit", page=f"/{CITY}/drafts/{token}/check")


def apply_through_pages(client, event, data=None, steps=None):
    response = choose(client, event, data)
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    return answer_and_submit(client, location_path(response), *([steps] if steps else []))


def registrations(db):
    db.expire_all()
    return list(db.scalars(select(EventRegistration).order_by(EventRegistration.id)))


def test_the_apply_page_shows_the_session_party_and_fee(client, db, signed_in):
    event = make_event(db, (10,), participant_types=PAID, procedure_key="event-kosodate")
    page = client.get(f"/{CITY}/events/{event.slug}/apply").get_data(as_text=True)
    assert "大人" in page and "1,200円" in page and "子ども" in page and "600円" in page
    assert 'name="party-child"' in page and "残り10席" in page


def test_a_free_first_come_application_is_confirmed_with_a_reference_and_an_email_with_the_qr(
        client, db, signed_in, mail_sink):
    event = make_event(db, (10,), procedure_key="event-application")
    response = apply_through_pages(client, event)
    assert "/submissions/" in location_path(response)
    [registration] = registrations(db)
    assert registration.status == "confirmed" and re.fullmatch(r"E-[0-9A-Z]{4}-[0-9A-Z]{4}", registration.reference)
    assert registration.ticket_secret and registration.submission_id and registration.contact_email == CONTACT["email"]
    assert event.sessions[0].taken == 1 or db.get(type(event.sessions[0]), event.sessions[0].id).taken == 1
    confirmation = client.get(location_path(response)).get_data(as_text=True)
    assert "参加確定" in confirmation and registration.reference in confirmation
    message = mail_sink.wait_for(lambda m: registration.reference in m["Subject"])
    assert "参加が確定しました" in message["Subject"]
    [qr] = list(message.iter_attachments())
    assert qr.get_content_type() == "image/png" and qr.get_content().startswith(b"\x89PNG")


def test_a_paid_application_waits_for_payment_with_a_deadline_and_the_fee_per_participant_type(
        client, db, signed_in):
    event = make_event(db, (10,), participant_types=PAID, procedure_key="event-kosodate")
    response = apply_through_pages(client, event, {"party-adult": "1", "party-child": "2"}, steps=[
        ("children", {"child_name": "一宮 太郎", "child_kana": "いちのみや たろう", "child_birth_date__year": "2019",
                      "child_birth_date__month": "5", "child_birth_date__day": "1"}),
        ("guardian", CONTACT)])
    assert "/submissions/" in location_path(response)
    [registration] = registrations(db)
    submission = db.get(Submission, registration.submission_id)
    assert registration.status == "pending_payment" and submission.fee_amount == 2400
    assert registration.pay_by == NOW + timedelta(hours=event.pay_within_hours)
    page = client.get(f"/{CITY}/events/registrations/{registration.reference}").get_data(as_text=True)
    assert "お支払い待ち" in page and "参加費2,400円を支払う" in page


def test_a_lottery_entry_and_a_waiting_place_owe_nothing_until_a_seat_is_held(client, db, signed_in, make_resident):
    event = make_event(db, (1,), participant_types=PAID)
    reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW)
    db.commit()
    apply_through_pages(client, event)
    mine = registrations(db)[-1]
    assert mine.status == "waiting" and db.get(Submission, mine.submission_id).fee_amount == 0
    page = client.get(f"/{CITY}/events/registrations/{mine.reference}").get_data(as_text=True)
    assert "キャンセル待ちの1番目" in page


def test_a_party_of_three_for_the_last_two_seats_without_a_waiting_list_is_refused_whole(
        client, db, signed_in, make_resident):
    event = make_event(db, (3,), waitlist=False)
    reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW)
    db.commit()
    response = choose(client, event, {"party-adult": "3"})
    assert response.status_code == 409 and "残りの席は2席です" in response.get_data(as_text=True)
    assert [r.status for r in registrations(db)] == ["confirmed"]


def test_bad_input_keeps_the_choice_and_says_what_is_wrong(client, db, signed_in):
    event = make_event(db, (5, 5), session_mode="choice")
    response = choose(client, event, {"party-adult": "2", "session": "999999"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "参加する日程を選んでください" in page
    assert re.search(r'<option value="2" selected>', page)
    for hostile in ({"party-adult": "-1"}, {"party-adult": "abc"}, {"party-adult": "99"}, {"party-adult": "0"}):
        assert choose(client, event, {**hostile, "session": str(event.sessions[0].id)}).status_code == 422


def test_eligibility_from_the_card_is_refused_with_the_reason(client, db, signed_in):
    event = make_event(db, eligibility=[{"kind": "age", "minimum": 65}])
    response = client.get(f"/{CITY}/events/{event.slug}/apply")
    assert "65歳以上" in response.get_data(as_text=True)
    assert choose(client, event).status_code == 403
    assert registrations(db) == []


def test_a_childs_birth_date_is_checked_at_submission(client, db, signed_in):
    event = make_event(db, procedure_key="event-kosodate", eligibility=[
        {"kind": "grade", "first": 1, "last": 6, "subject": "child_birth_date"}])
    response = apply_through_pages(client, event, steps=[
        ("children", {"child_name": "一宮 次郎", "child_kana": "いちのみや じろう", "child_birth_date__year": "2023",
                      "child_birth_date__month": "5", "child_birth_date__day": "1"}),
        ("guardian", CONTACT)])
    assert "/check" in location_path(response)
    page = client.get(location_path(response)).get_data(as_text=True)
    assert "小1から小6" in page
    assert [r.status for r in registrations(db)] == ["draft"]


@pytest.mark.parametrize(("shift", "text"), [(-timedelta(days=3), "受付開始前"),
                                             (timedelta(days=30), "締め切りました")])
def test_the_window_is_said_plainly(client, db, signed_in, app, shift, text):
    event = make_event(db)
    app.extensions["clock"] = lambda: NOW + shift
    page = client.get(f"/{CITY}/events/{event.slug}/apply").get_data(as_text=True)
    assert text in page


def test_another_residents_registration_ticket_and_calendar_are_not_found(client, db, signed_in, make_resident, app):
    event = make_event(db)
    apply_through_pages(client, event)
    [registration] = registrations(db)
    other = app.test_client()
    sign_in_as(other, make_resident())
    base = f"/{CITY}/events/registrations/{registration.reference}"
    for url in (base, base + "/ticket", f"{base}/sessions/{event.sessions[0].id}.ics"):
        assert other.get(url).status_code == 404
        assert client.get(url).status_code == 200
    assert client.get(f"/{CITY}/events/registrations/E-0000-0000").status_code == 404
    assert client.get(f"{base}/sessions/99999999999.ics").status_code == 404


def test_the_ticket_shows_the_qr_and_the_reference_and_the_calendar_names_the_session(client, db, signed_in):
    event = make_event(db)
    apply_through_pages(client, event)
    [registration] = registrations(db)
    page = client.get(f"/{CITY}/events/registrations/{registration.reference}/ticket").get_data(as_text=True)
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert registration.reference in page and registration.reference not in svg
    ics = client.get(f"/{CITY}/events/registrations/{registration.reference}/sessions/{event.sessions[0].id}.ics")
    body = ics.get_data(as_text=True)
    assert ics.mimetype == "text/calendar" and "DTSTART:20261220T010000Z" in body and "SUMMARY:スマホ教室" in body


def test_submitting_twice_takes_one_seat(client, db, signed_in):
    event = make_event(db, (5,))
    response = choose(client, event)
    token = location_path(response).split("/drafts/")[1].split("/")[0]
    for step_id, data in (("contact", CONTACT), ("needs", NEEDS)):
        answer(client, CITY, token, step_id, data)
    first = post(client, f"/{CITY}/drafts/{token}/submit", page=f"/{CITY}/drafts/{token}/check")
    second = post(client, f"/{CITY}/drafts/{token}/submit")
    assert location_path(first) == location_path(second)
    db.expire_all()
    assert [r.status for r in registrations(db)] == ["confirmed"] and event.sessions[0].taken == 1


def test_deleting_the_draft_deletes_the_draft_registration(client, db, signed_in):
    event = make_event(db)
    token = location_path(choose(client, event)).split("/drafts/")[1].split("/")[0]
    post(client, f"/{CITY}/drafts/{token}/delete")
    assert registrations(db) == [] and db.scalar(select(Draft)) is None


def test_an_offer_is_emailed_and_accepting_it_confirms_once(client, db, signed_in, make_resident, mail_sink, app):
    event = make_event(db, (1,))
    first = make_resident()
    taken = reg.apply(db, event, first, {"adult": 1}, [event.sessions[0].id], now=NOW).registration
    db.commit()
    apply_through_pages(client, event)
    mine = registrations(db)[-1]
    assert mine.status == "waiting"
    with app.app_context():
        reg.cancel(db, db.get(EventRegistration, taken.id), now=NOW)
        db.commit()
    db.expire_all()
    assert db.get(EventRegistration, mine.id).status == "offered"
    assert mail_sink.wait_for(lambda m: "空きが出ました" in m["Subject"])
    url = f"/{CITY}/events/registrations/{mine.reference}"
    page = client.get(url).get_data(as_text=True)
    assert "参加する" in page
    for _click in range(2):
        assert post(client, url + "/accept", page=url).status_code == 303
    db.expire_all()
    assert db.get(EventRegistration, mine.id).status == "confirmed" and event.sessions[0].taken == 1


def test_accepting_a_paid_offer_makes_the_fee_due_until_the_offers_deadline(db, make_resident, app):
    event = make_event(db, (2,), participant_types=PAID)
    with app.test_request_context("/"):
        first = reg.apply(db, event, make_resident(), {"adult": 2}, [event.sessions[0].id], now=NOW).registration
        second = reg.apply(db, event, make_resident(), {"adult": 1, "child": 1}, [event.sessions[0].id],
                           now=NOW).registration
        second.reference = tickets.new_reference()
        db.commit()
        reg.cancel(db, first, now=NOW)
        db.commit()
        db.refresh(second)
        deadline = second.offer_expires_at
        assert follow_up.accept_offer(db, second, now=NOW) == "pending_payment"
        db.commit()
    assert second.pay_by == deadline


def test_the_payment_deadline_job_lapses_unpaid_seats_once_and_offers_them(db, make_resident, app, mail_sink):
    event = make_event(db, (2,), participant_types=PAID)
    with app.test_request_context("/"):
        unpaid = reg.apply(db, event, make_resident(), {"adult": 2}, [event.sessions[0].id], now=NOW).registration
        unpaid.reference, unpaid.contact_email = tickets.new_reference(), "unpaid@example.jp"
        unpaid.pay_by = NOW + timedelta(hours=1)
        waiting = reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW).registration
        waiting.reference, waiting.contact_email = tickets.new_reference(), "waiting@example.jp"
        db.commit()
        assert follow_up.lapse_unpaid(db, now=NOW) == []
        later = NOW + timedelta(hours=2)
        assert follow_up.lapse_unpaid(db, now=later) == [unpaid.id]
        db.commit()
        assert follow_up.lapse_unpaid(db, now=later) == []
        db.commit()
    db.expire_all()
    assert db.get(EventRegistration, unpaid.id).status == "lapsed"
    assert db.get(EventRegistration, waiting.id).status == "offered"
    assert db.get(type(event.sessions[0]), event.sessions[0].id).taken == 1
    subjects = [e.subject for e in db.scalars(select(OutboxEmail))]
    assert any("お支払い期限を過ぎました" in s for s in subjects) and any("空きが出ました" in s for s in subjects)


def test_my_page_lists_coming_events_with_their_status(client, db, signed_in):
    event = make_event(db)
    apply_through_pages(client, event)
    page = client.get(f"/{CITY}/mypage/").get_data(as_text=True)
    assert "これからのイベント・講座" in page and "スマホ教室" in page and "参加確定" in page


def test_a_signed_out_visitor_is_sent_to_sign_in(client, db, clock):
    event = make_event(db)
    page = client.get(f"/{CITY}/events/{event.slug}/apply").get_data(as_text=True)
    assert "ログインして申し込む" in page
    assert client.get(f"/{CITY}/events/registrations/E-0000-0000").status_code == 302


def test_the_start_page_of_the_questions_sends_residents_to_the_events(client, db):
    response = client.get(f"/{CITY}/procedures/event-application")
    assert response.status_code == 302 and location_path(response).endswith("/events")



def test_seats_taken_while_answering_refuse_at_submission_and_nothing_is_taken(client, db, signed_in, make_resident):
    event = make_event(db, (3,), waitlist=False)
    response = choose(client, event, {"party-adult": "3"})
    token = location_path(response).split("/drafts/")[1].split("/")[0]
    for step_id, data in (("contact", CONTACT), ("needs", NEEDS)):
        answer(client, CITY, token, step_id, data)
    reg.apply(db, event, make_resident(), {"adult": 2}, [event.sessions[0].id], now=NOW)   # someone was quicker
    db.commit()
    response = post(client, f"/{CITY}/drafts/{token}/submit", page=f"/{CITY}/drafts/{token}/check")
    assert location_path(response).endswith("/check")
    assert "残りの席は1席です" in client.get(location_path(response)).get_data(as_text=True)
    assert sorted(r.status for r in registrations(db)) == ["confirmed", "draft"]
    assert db.scalar(select(Submission)) is None
    assert db.get(type(event.sessions[0]), event.sessions[0].id).taken == 2


def test_a_lottery_takes_ranked_preferences_and_says_when_the_draw_is(client, db, signed_in, mail_sink):
    event = make_event(db, (5, 5, 5), session_mode="choice", allocation="lottery")
    first, _second, third = (s.id for s in event.sessions)
    bad = choose(client, event, {"party-adult": "1", "preference1": str(first), "preference2": str(first)})
    assert bad.status_code == 422 and "同じ日程を2回" in bad.get_data(as_text=True)
    apply_through_pages(client, event, {"party-adult": "1", "preference1": str(third), "preference2": str(first)})
    [registration] = registrations(db)
    assert registration.status == "applied"
    assert [s.id for s in applying.sessions_of(db, registration)] == [third, first]
    page = client.get(f"/{CITY}/events/registrations/{registration.reference}").get_data(as_text=True)
    assert "抽選申込済み" in page and "第1希望" in page and "抽選は受付締切" in page
    assert mail_sink.wait_for(lambda m: "抽選の申込を受け付けました" in m["Subject"])


def test_a_series_is_applied_for_whole_and_said_plainly(client, db, signed_in):
    event = make_event(db, (5, 5, 5), session_mode="series")
    assert "全3回の講座です" in client.get(f"/{CITY}/events/{event.slug}/apply").get_data(as_text=True)
    apply_through_pages(client, event, {"party-adult": "2"})
    db.expire_all()
    assert [s.taken for s in db.get(type(event), event.id).sessions] == [2, 2, 2]


def test_an_event_for_residents_refuses_someone_from_another_city(client, db, make_resident, clock):
    event = make_event(db, audience="residents")
    sign_in_as(client, make_resident("anjo"))
    assert "お住まいの方が対象です" in client.get(f"/{CITY}/events/{event.slug}/apply").get_data(as_text=True)
    assert choose(client, event).status_code == 403


def test_a_waiting_place_is_emailed_in_the_language_applied_in(client, db, signed_in, make_resident, mail_sink):
    event = make_event(db, (1,))
    reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW)
    db.commit()
    client.get(f"/{CITY}/events/{event.slug}/apply?lang=en")
    page = client.get(f"/{CITY}/events/{event.slug}/apply").get_data(as_text=True)
    assert "Adult" in page
    apply_through_pages(client, event)
    registration = registrations(db)[-1]
    assert registration.status == "waiting" and registration.lang == "en"
    message = mail_sink.wait_for(lambda m: registration.reference in m["Subject"])
    assert "Smartphone class" in message["Subject"]


def test_staff_see_the_event_on_the_submission(client, db, signed_in, make_staff, app):
    from tests.integration.backoffice import sign_in_staff

    event = make_event(db, procedure_key="event-application")
    apply_through_pages(client, event)
    [registration] = registrations(db)
    submission = db.get(Submission, registration.submission_id)
    staff_client = app.test_client()
    sign_in_staff(staff_client, make_staff(procedures=("event-application",)))
    page = staff_client.get(f"/{CITY}/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert "スマホ教室" in page and registration.reference in page and "参加確定" in page


def test_applying_is_rate_limited_per_resident(limited_app, make_resident):
    app = limited_app()
    client = app.test_client()
    sign_in_as(client, make_resident())
    codes = [post(client, f"/{CITY}/events/no-such-event/apply").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429
    assert client.get(f"/{CITY}/events/no-such-event/apply").status_code == 404   # reading the page is not counted


def test_a_rejected_application_gives_its_seats_to_the_waiting_list(client, db, signed_in, make_resident, app):
    from portal.procedures import workflow

    event = make_event(db, (1,))
    apply_through_pages(client, event)
    [mine] = registrations(db)
    waiting = reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW).registration
    db.commit()
    submission = db.get(Submission, mine.submission_id)
    with app.test_request_context("/"):
        workflow.transition(db, submission, "in_review", workflow.Actor("staff"))
        workflow.transition(db, submission, "rejected", workflow.Actor("staff"), message="対象外のため")
        db.commit()
    db.expire_all()
    assert db.get(EventRegistration, mine.id).status == "cancelled"
    assert db.get(EventRegistration, waiting.id).status == "offered"


def test_the_check_page_says_a_party_that_does_not_fit_goes_on_the_waiting_list(client, db, signed_in, make_resident):
    event = make_event(db, (3,))
    reg.apply(db, event, make_resident(), {"adult": 1}, [event.sessions[0].id], now=NOW)
    db.commit()
    token = location_path(choose(client, event, {"party-adult": "3"})).split("/drafts/")[1].split("/")[0]
    for step_id, data in (("contact", CONTACT), ("needs", NEEDS)):
        answer(client, CITY, token, step_id, data)
    page = client.get(f"/{CITY}/drafts/{token}/check").get_data(as_text=True)
    assert "申し込むとキャンセル待ちになります" in page
    post(client, f"/{CITY}/drafts/{token}/submit", page=f"/{CITY}/drafts/{token}/check")
    assert sorted(r.status for r in registrations(db)) == ["confirmed", "waiting"]
