"""Events in the back office: the event list with seats and waiting lists, an event's sessions with their counts,
the participant list (名簿) with names, parties, answers, contact and payment, its A4 print and CSV, and who may
see them. Real rows through factories; registrations are built as the application journey leaves them."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.events import seats, tickets
from portal.events.models import HOLDING_SEATS, EventDraw, EventRegistration, RegistrationSession
from portal.payments.models import SubmissionFee
from portal.procedures.catalogue import latest_version
from portal.procedures.kinds import KINDS
from portal.procedures.models import Submission
from portal.procedures.publishing import publish
from portal.procedures.reference import new_reference
from tests.conftest import sign_in_as
from tests.integration.backoffice import municipality, sign_in_staff
from tests.integration.events_factory import NOW, PAID, START, make_event

QUESTIONS_KEY = "event-test-questions"
QUESTIONS = {
    "id": QUESTIONS_KEY, "version": 1, "municipality": None, "kind": "event", "category": "event",
    "audience": "signed_in", "title": {"ja": "イベント申込（テスト）", "en": "Event application (test)"},
    "applicant_name_field": "name", "contact_email_field": "email",
    "steps": [{"id": "about", "title": {"ja": "参加者", "en": "Participant"}, "fields": [
        {"id": "name", "type": "text", "label": {"ja": "氏名", "en": "Name"}, "required": True},
        {"id": "name_kana", "type": "kana", "label": {"ja": "ふりがな", "en": "Reading"}, "required": True},
        {"id": "phone", "type": "phone", "label": {"ja": "電話番号", "en": "Phone"}, "required": True},
        {"id": "email", "type": "email", "label": {"ja": "メールアドレス", "en": "Email"}, "required": True},
        {"id": "allergy", "type": "textarea", "label": {"ja": "アレルギー", "en": "Allergies"}},
        {"id": "care", "type": "choice", "label": {"ja": "介助の有無", "en": "Assistance"}, "options": [
            {"value": "yes", "label": {"ja": "介助が必要", "en": "Needed"}},
            {"value": "no", "label": {"ja": "不要", "en": "Not needed"}}]},
    ]}],
}
# the event kind computes the fee from the party (then it wants ``fee: {rule: kind}``) once the journey declares it
if KINDS["event"].computes_fees:
    QUESTIONS["fee"] = {"rule": "kind"}
HANAKO = {"name": "一宮 花子", "name_kana": "いちのみや はなこ", "phone": "090-1234-5678",
          "email": "hanako@example.jp", "allergy": "卵", "care": "yes"}


@pytest.fixture
def clock(app):
    app.extensions["clock"] = lambda: NOW
    yield
    app.extensions.pop("clock", None)


def questions(db) -> None:
    if latest_version(db, municipality(db, "ichinomiya"), QUESTIONS_KEY, include_unpublished=True) is None:
        publish(db, QUESTIONS, source="test", municipality=None)
        db.commit()


def register(db, event, resident=None, *, status: str = "confirmed", party: dict | None = None, session: int = 0,
             answers: dict | None = None, fee: int = 0, paid: str = "", walk_in_name: str = "",
             checked_in=None) -> EventRegistration:
    """A registration as the journey leaves it: seats taken when it holds them, 受付番号 and ticket secret set,
    the submission of the event's questions when ``answers`` are given."""
    party = party or {"adult": 1}
    size = sum(party.values())
    target = event.sessions[session]
    if status in HOLDING_SEATS:
        seats.take(db, [target.id], size)
    submission = None
    if answers is not None:
        questions(db)
        row = latest_version(db, municipality(db, event.municipality.slug), QUESTIONS_KEY, include_unpublished=True)
        submission = Submission(reference=new_reference(), municipality_id=event.municipality_id,
                                definition_id=row.id, resident_id=resident.id if resident else None,
                                status="received", answers=dict(answers), applicant_name=answers.get("name", ""),
                                contact_email=answers.get("email"), fee_amount=fee)
        db.add(submission)
        db.flush()
        if paid:
            db.add(SubmissionFee(municipality_id=event.municipality_id, submission_id=submission.id, status=paid))
    registration = EventRegistration(
        municipality_id=event.municipality_id, event_id=event.id, resident_id=resident.id if resident else None,
        person_sub=resident.sub if resident else None, submission_id=submission.id if submission else None,
        party=party, party_size=size, status=status, reference=tickets.new_reference(),
        ticket_secret=tickets.new_secret(), walk_in=bool(walk_in_name), walk_in_name=walk_in_name,
        contact_email=(answers or {}).get("email", ""))
    registration.seats = [RegistrationSession(session_id=target.id, checked_in_at=checked_in,
                                              checked_in_by="受付 一郎" if checked_in else "")]
    db.add(registration)
    db.commit()
    return registration


def staff_client(app, make_staff, slug: str = "ichinomiya", role: str = "staff", **extra):
    staff = make_staff(slug=slug, role=role, procedures=(), **extra)
    client = app.test_client()
    sign_in_staff(client, staff)
    return staff, client


def audited(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


BASE = "/ichinomiya/backoffice/events"


# --- the event list and one event ------------------------------------------------------------------------------

def test_the_event_list_shows_published_events_first_with_seats_and_waiting(app, db, make_staff, make_resident,
                                                                             clock):
    later = make_event(db, (10,), slug="later", title="防災訓練", title_en="Drill")
    later.sessions[0].starts_at += timedelta(days=30)
    later.sessions[0].ends_at += timedelta(days=30)
    soon = make_event(db, (2, 5), slug="soon", title="スマホ教室", allocation="first_come")
    draft = make_event(db, (8,), slug="draft", title="下書きの講座", status="draft")
    lottery = make_event(db, (4,), slug="draw", title="子育て講座", allocation="lottery")
    db.add(EventDraw(event_id=lottery.id, status="committed"))
    db.commit()
    register(db, soon, make_resident(), party={"adult": 2})
    register(db, soon, make_resident(), status="waiting", party={"adult": 3})
    register(db, lottery, make_resident(), status="applied", party={"adult": 2})
    _staff, client = staff_client(app, make_staff)
    page = client.get(BASE).get_data(as_text=True)
    assert page.index("スマホ教室") < page.index("防災訓練") < page.index("下書きの講座")  # next session first
    assert page.index("子育て講座") < page.index("下書きの講座")
    for text in ("2／2人", "0／5人", "3人", "公開中", "下書き", "抽選：抽選前（シード公開済み）", "抽選申込2人",
                 f"{BASE}/{soon.id}", "2026年12月20日(日) 10:00–12:00"):
        assert text in page, text
    assert draft.id


def test_an_event_page_counts_each_session_and_links_the_work(app, db, make_staff, make_resident, clock):
    event = make_event(db, (4, 6))
    register(db, event, make_resident(), party={"adult": 3}, checked_in=NOW)
    register(db, event, make_resident(), party={"adult": 1})
    register(db, event, make_resident(), status="waiting", party={"adult": 2})
    register(db, event, make_resident(), status="cancelled", party={"adult": 2})
    _staff, client = staff_client(app, make_staff)
    response = client.get(f"{BASE}/{event.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    first, second = event.sessions
    row = page[page.index(f"/sessions/{first.id}") - 1500:page.index(f"/sessions/{first.id}")]
    assert ">4人<" in row.replace(" ", "") and "残り0席" in row and ">2人<" in row and ">3人<" in row
    for endpoint in (f"{BASE}/sessions/{first.id}", f"{BASE}/sessions/{first.id}/checkin",
                     f"{BASE}/sessions/{first.id}/cancel", f"{BASE}/sessions/{second.id}",
                     f"{BASE}/{event.id}/cancel"):
        assert f'href="{endpoint}"' in page, endpoint
    assert "/backoffice/admin/events" not in page  # the edit link is for admins

    _admin, admin_client = staff_client(app, make_staff, role="admin")
    assert 'href="/ichinomiya/backoffice/admin/events"' in admin_client.get(f"{BASE}/{event.id}").get_data(
        as_text=True)


def test_another_municipalitys_event_and_hostile_ids_are_404(app, db, make_staff, clock):
    anjo = make_event(db, municipality="anjo", slug="tanabata")
    _staff, client = staff_client(app, make_staff)
    for url in (f"{BASE}/{anjo.id}", f"{BASE}/sessions/{anjo.sessions[0].id}",
                f"{BASE}/sessions/{anjo.sessions[0].id}/participants.csv",
                f"{BASE}/sessions/{anjo.sessions[0].id}/checkin", f"{BASE}/999999", f"{BASE}/sessions/0",
                f"{BASE}/sessions/99999999999999999999", f"{BASE}/sessions/{anjo.sessions[0].id}/checkin/counts.json"):
        assert client.get(url).status_code == 404, url


def test_residents_and_visitors_are_sent_to_the_staff_sign_in(app, db, make_resident, clock):
    event = make_event(db)
    client = app.test_client()
    sign_in_as(client, make_resident())
    for url in (BASE, f"{BASE}/{event.id}", f"{BASE}/sessions/{event.sessions[0].id}",
                f"{BASE}/sessions/{event.sessions[0].id}/participants.csv"):
        for who in (client, app.test_client()):
            response = who.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].split("?")[0].endswith("/ichinomiya/backoffice/login")


# --- the participant list ----------------------------------------------------------------------------------------

def roster_world(db, make_resident):
    event = make_event(db, (10,), participant_types=PAID, procedure_key=QUESTIONS_KEY, department="生涯学習課",
                       venue_name="中央公民館")
    hanako = register(db, event, make_resident(), status="confirmed", party={"adult": 1, "child": 2},
                      answers=HANAKO, fee=2400, paid="paid", checked_in=NOW)
    taro = register(db, event, make_resident(name="尾張 太郎"), status="pending_payment", party={"adult": 1},
                    answers={**HANAKO, "name": "尾張 太郎", "name_kana": "おわり たろう", "phone": "0586-22-3333",
                             "email": "taro@example.jp", "allergy": "", "care": "no"}, fee=1200)
    walk_in = register(db, event, status="confirmed", party={"child": 1}, walk_in_name="当日 三郎")
    waiting = register(db, event, make_resident(name="待機 四郎"), status="waiting", party={"adult": 2})
    gone = register(db, event, make_resident(name="取消 五郎"), status="cancelled", party={"adult": 1})
    return event, hanako, taro, walk_in, waiting, gone


def test_the_participant_list_shows_who_party_answers_contact_payment_and_arrival(app, db, make_staff,
                                                                                   make_resident, clock):
    event, hanako, taro, walk_in, waiting, gone = roster_world(db, make_resident)
    staff, client = staff_client(app, make_staff)
    response = client.get(f"{BASE}/sessions/{event.sessions[0].id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("参加者名簿", "スマホ教室", "生涯学習課", "中央公民館", "2026年12月20日(日) 10:00–12:00",
                 hanako.reference, "一宮 花子", "いちのみや はなこ", "大人 1", "子ども 2", "3人",
                 "アレルギー：</span>卵", "介助の有無：</span>介助が必要", "hanako@example.jp", "090-1234-5678",
                 "2,400円", "支払い済み", "参加確定", "✓ 10:00",
                 taro.reference, "尾張 太郎", "0586-22-3333", "1,200円", "お支払い待ち", "参加費のお支払い待ち",
                 walk_in.reference, "当日 三郎", "当日参加", "当日参加（会場で精算）",
                 waiting.reference, "待機 四郎", "キャンセル待ち",
                 "data-print", "?print=1", "participants.csv", "5／10人"):
        assert text in page, text
    assert gone.reference not in page and "取消 五郎" not in page
    # seat holders first, in あいうえお order of the reading; the waiting list after them
    assert page.index("一宮 花子") < page.index("尾張 太郎") < page.index("待機 四郎")
    assert page.index("当日 三郎") < page.index("待機 四郎")
    views = audited(db, "event.participants")
    assert len(views) == 1 and views[0].actor_id == staff.id
    assert set(views[0].detail["registrations"]) == {hanako.id, taro.id, walk_in.id, waiting.id}


def test_the_printable_list_is_one_a4_sheet_without_the_links(app, db, make_staff, make_resident, clock):
    event, hanako, *_ = roster_world(db, make_resident)
    _staff, client = staff_client(app, make_staff)
    page = client.get(f"{BASE}/sessions/{event.sessions[0].id}?print=1").get_data(as_text=True)
    from tests.integration.helpers import links_static

    assert links_static(page, "css/print.css") and links_static(page, "css/events_staff.css")
    assert page.count("<table") == 1 and hanako.reference in page and "roster-sheet" in page
    assert "participants.csv" not in page and "名簿の画面に戻る" in page
    assert len(audited(db, "event.participants_print")) == 1


def test_the_csv_is_utf8_with_bom_one_row_per_registration_with_the_answers(app, db, make_staff, make_resident,
                                                                            clock):
    event, hanako, taro, walk_in, waiting, _gone = roster_world(db, make_resident)
    staff, client = staff_client(app, make_staff)
    response = client.get(f"{BASE}/sessions/{event.sessions[0].id}/participants.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('smartphone-20261220-1000.csv"')
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8")[1:]
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[:5] == ["受付番号", "氏名", "フリガナ", "状況", "人数"]
    assert header[5:7] == ["人数（大人）", "人数（子ども）"]
    assert {"メールアドレス", "電話番号", "参加費", "支払い", "当日参加", "来場", "来場時刻", "受付担当", "氏名",
            "アレルギー", "介助の有無"} <= set(header)
    by_reference = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert set(by_reference) == {hanako.reference, taro.reference, walk_in.reference, waiting.reference}
    first = by_reference[hanako.reference]
    assert (first["氏名"], first["フリガナ"], first["人数"], first["人数（大人）"], first["人数（子ども）"]) == \
        ("一宮 花子", "いちのみや はなこ", "3", "1", "2")
    assert (first["メールアドレス"], first["電話番号"], first["参加費"], first["支払い"]) == \
        ("hanako@example.jp", "090-1234-5678", "2400", "支払い済み")
    assert (first["来場"], first["来場時刻"], first["受付担当"], first["アレルギー"], first["介助の有無"]) == \
        ("済", "2026-12-02 10:00", "受付 一郎", "卵", "介助が必要")
    assert by_reference[walk_in.reference]["当日参加"] == "当日"
    assert by_reference[taro.reference]["支払い"] == "お支払い待ち"
    exports = audited(db, "event.participants_csv")
    assert len(exports) == 1 and exports[0].actor_id == staff.id


def test_a_formula_in_an_answer_is_not_run_by_excel(app, db, make_staff, make_resident, clock):
    event = make_event(db, (10,), procedure_key=QUESTIONS_KEY)
    register(db, event, make_resident(), answers={**HANAKO, "allergy": "=HYPERLINK(\"x\")"})
    _staff, client = staff_client(app, make_staff)
    text = client.get(f"{BASE}/sessions/{event.sessions[0].id}/participants.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_the_resident_name_comes_from_the_card_claims_without_a_submission(app, db, make_staff, make_resident,
                                                                           clock):
    event = make_event(db)
    register(db, event, make_resident(name="安城 次郎"))
    _staff, client = staff_client(app, make_staff)
    page = client.get(f"{BASE}/sessions/{event.sessions[0].id}").get_data(as_text=True)
    assert "安城 次郎" in page and "参加費なし" in page


def test_an_empty_session_says_so(app, db, make_staff, clock):
    event = make_event(db)
    _staff, client = staff_client(app, make_staff)
    page = client.get(f"{BASE}/sessions/{event.sessions[0].id}").get_data(as_text=True)
    assert "この回の申込はまだありません。" in page
    assert START  # the factory's session date is what the header shows


def test_the_pages_render_in_english_too(app, db, make_staff, make_resident, clock):
    event, hanako, *_ = roster_world(db, make_resident)
    _staff, client = staff_client(app, make_staff)
    session_id = event.sessions[0].id
    for url in (BASE, f"{BASE}/{event.id}", f"{BASE}/sessions/{session_id}", f"{BASE}/sessions/{session_id}/checkin"):
        response = client.get(url, query_string={"lang": "en"}, follow_redirects=True)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert '<html lang="en"' in page and "Smartphone class" in page, url
    assert "Sun 20 Dec 2026 10:00–12:00" in page and "Adult 1" in page
    csv_text = client.get(f"{BASE}/sessions/{session_id}/participants.csv").get_data(as_text=True)
    assert "受付番号" in csv_text and "参加確定" in csv_text


FAMILY_KEY = "event-test-family"


def test_a_childs_reading_is_an_answer_not_the_parents_and_the_door_finds_the_family_by_it(app, db, make_staff,
                                                                                        make_resident, clock):
    family = {**QUESTIONS, "id": FAMILY_KEY, "steps": [
        {"id": "children", "title": {"ja": "お子さん", "en": "Children"}, "fields": [
            {"id": "child_name", "type": "text", "label": {"ja": "子ども1 氏名", "en": "Child 1"}},
            {"id": "child_kana", "type": "kana", "label": {"ja": "子ども1 ふりがな", "en": "Child 1 kana"}}]},
        {"id": "guardian", "title": {"ja": "保護者", "en": "Parent"}, "fields": [
            {"id": "name", "type": "text", "label": {"ja": "保護者 氏名", "en": "Parent"}, "required": True},
            {"id": "email", "type": "email", "label": {"ja": "メールアドレス", "en": "Email"}, "required": True}]}]}
    publish(db, family, source="test", municipality=None)
    db.commit()
    event = make_event(db, procedure_key=FAMILY_KEY)
    resident = make_resident()
    registration = register(db, event, resident)
    row = latest_version(db, municipality(db, "ichinomiya"), FAMILY_KEY, include_unpublished=True)
    submission = Submission(reference=new_reference(), municipality_id=event.municipality_id, definition_id=row.id,
                            resident_id=resident.id, status="received", applicant_name="一宮 花子",
                            answers={"child_name": "一宮 陽太", "child_kana": "いちのみや ようた", "name": "一宮 花子",
                                     "email": "hanako@example.jp"}, contact_email="hanako@example.jp")
    db.add(submission)
    db.flush()
    registration.submission_id = submission.id
    db.commit()
    _staff, client = staff_client(app, make_staff)
    page = client.get(f"{BASE}/sessions/{event.sessions[0].id}").get_data(as_text=True)
    assert "子ども1 ふりがな：</span>いちのみや ようた" in page and "子ども1 氏名：</span>一宮 陽太" in page
    assert "保護者 氏名：" not in page   # the applicant is the name column
    found = client.get(f"{BASE}/sessions/{event.sessions[0].id}/checkin?q=ようた").get_data(as_text=True)
    assert registration.reference in found
