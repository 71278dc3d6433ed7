"""Facility booking in the back office, end to end through the test client and the Stripe emulator: the day
sheet, booking at the counter, blocks for city events, closing a facility (full refunds, emails, the list to
phone), the lottery's applications and CSV, and who may see and do what."""
from __future__ import annotations

import csv
import io
from datetime import date, time

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.booking.domain.calendar import jst
from portal.booking.models import BookingGroup, Facility, FacilityClosure, LotteryRound, Reservation
from portal.booking.services import lottery as lottery_service
from portal.booking.services.lottery import Month
from portal.notifications.models import OutboxEmail
from portal.staff.models import StaffProcedure
from tests.integration.booking_env import book_and_submit, book_slots, facility, second_resident
from tests.integration.helpers import csrf_token, links_static, location_path

BASE = "/ichinomiya/backoffice/facilities/test-tennis"
SLOT = "court-a/2026-12-08 09:00"


def clerk(pay, role: str = "staff", slug: str = "ichinomiya"):
    """A staff member who processes facility bookings, signed in."""
    staff = pay.staff(role, slug)
    staff.procedures.append(StaffProcedure(definition_key="facility-booking"))
    pay.db.commit()
    return staff, pay.staff_client(staff)


def post_form(client, url: str, page: str, data: dict):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def pay_by_card(pay, submission):
    session_id = pay.checkout(submission)
    pay.outcome(session_id, "card_success")
    pay.wait()
    return pay.payment(submission)


def reservations(pay, kind: str | None = None) -> list[Reservation]:
    pay.fresh()
    query = select(Reservation).order_by(Reservation.id)
    return list(pay.db.scalars(query.where(Reservation.kind == kind) if kind else query))


def audited(pay, action: str, staff) -> list[AuditEvent]:
    pay.fresh()
    return list(pay.db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                        AuditEvent.actor_id == staff.id)))


def counter_book(client, slots: list[str], day: str = "2026-12-08", **fields):
    data = {"slot": slots, "name": "窓口 太郎", "phone": "0586-11-2222", "resident": "yes", "payment": "cash",
            "group_name": "", **fields}
    return post_form(client, f"{BASE}/counter?date={day}", f"{BASE}/counter?date={day}", data)


# --- the day sheet ----------------------------------------------------------------------------------------------

def test_the_day_sheet_shows_who_booked_and_whether_they_paid(pay, clock):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", [SLOT])
    assert pay_by_card(pay, submission).status == "paid"
    viewer = pay.staff()  # any staff member of the municipality may look
    response = pay.staff_client(viewer).get(f"{BASE}/day?date=2026-12-08")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("日報", "2026年12月8日（火）", "09:00–11:00", "A面", "一宮 花子", "090-1234-5678",
                 "ソフトテニスの練習",
                 "先着順", "予約確定", "600円", "支払い済み", submission.reference, "data-print"):
        assert text in page, text
    assert links_static(page, "css/print.css")
    assert page.count("空き") == 11  # the other 11 unit × band rows of the day
    assert "窓口予約" not in page and "sheet-actions" not in page  # looking is not acting
    [entry] = audited(pay, "booking.day_sheet", viewer)
    assert entry.object_id == "test-tennis" and entry.detail["date"] == "2026-12-08"
    assert entry.detail["reservations"] == [reservations(pay)[0].id]


# --- booking at the counter ---------------------------------------------------------------------------------------

def test_a_counter_booking_paid_in_cash_is_booked_for_residents_too(pay, clock):
    facility(pay)
    staff, client = clerk(pay)
    page = client.get(f"{BASE}/counter?date=2026-12-08").get_data(as_text=True)
    assert f'value="{SLOT}"' in page and "市内 600円／市外 1,200円" in page
    response = counter_book(client, [SLOT], resident="no", group_name="一宮テニス会")
    assert response.status_code == 303 and location_path(response) == f"{BASE}/day?date=2026-12-08"
    [reservation] = reservations(pay, "counter")
    assert (reservation.status, reservation.fee_amount, reservation.person_sub, reservation.staff_id) == \
        ("confirmed", 1200, None, staff.id)  # 市外 price, paid in cash
    assert reservation.submission_id is None and not reservation.is_resident
    assert (reservation.contact_name, reservation.contact_phone) == ("窓口 太郎", "0586-11-2222")
    assert reservation.note == "現金 1,200円"
    sheet = client.get(f"{BASE}/day?date=2026-12-08").get_data(as_text=True)
    assert "窓口で予約" in sheet and "窓口 太郎" in sheet and "一宮テニス会" in sheet and "窓口で現金受領" in sheet
    assert audited(pay, "booking.counter", staff)[0].object_id == str(reservation.id)

    # residents see it taken and cannot have it
    pay.resident()
    resident_page = pay.client.get("/ichinomiya/facilities/test-tennis?date=2026-12-08").get_data(as_text=True)
    assert f'value="{SLOT}"' not in resident_page and "予約済" in resident_page
    assert book_slots(pay.client, "test-tennis", [SLOT]).status_code == 409

    # the counter is told clearly when the slot has just gone
    again = counter_book(client, [SLOT, "court-b/2026-12-08 09:00"])
    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert "たった今ほかの予約が入りました：A面 2026/12/8（火）09:00" in text
    assert 'value="court-b/2026-12-08 09:00" checked' in text  # the still-free choice is kept
    assert len(reservations(pay, "counter")) == 1


def test_a_counter_booking_paid_later_is_held_until_the_cash_is_recorded(pay, clock):
    facility(pay)
    staff, client = clerk(pay)
    assert counter_book(client, [SLOT], payment="later").status_code == 303
    [reservation] = reservations(pay, "counter")
    assert reservation.status == "held" and reservation.hold_expires_at is None and reservation.fee_amount == 600
    sheet = client.get(f"{BASE}/day?date=2026-12-08").get_data(as_text=True)
    assert "未払い（窓口で後払い）" in sheet and "現金で受領" in sheet
    clock.advance(days=3)  # an unpaid counter booking does not run out like an online hold
    response = post_form(client, f"{BASE}/reservations/{reservation.id}/cash", f"{BASE}/day?date=2026-12-08", {})
    assert response.status_code == 303
    [reservation] = reservations(pay, "counter")
    assert reservation.status == "confirmed" and reservation.confirmed_at == clock.current
    assert audited(pay, "booking.counter_cash", staff)

    cancel = post_form(client, f"{BASE}/reservations/{reservation.id}/cancel", f"{BASE}/day?date=2026-12-08",
                       {"confirm": "yes"})
    assert cancel.status_code == 303
    assert reservations(pay, "counter")[0].status == "cancelled"
    assert audited(pay, "booking.counter_cancel", staff)


def test_the_counter_follows_the_facility_rules(pay, clock):
    facility(pay, rules={"max_days_ahead": 10, "min_notice_hours": 1, "max_slots_per_person_per_month": 1,
                         "resident_only": True, "hold_minutes": 30})
    _, client = clerk(pay)
    response = counter_book(client, ["court-a/2026-12-30 09:00"], day="2026-12-30", resident="no", name="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "氏名を入力してください" in page and "市内在住・在勤・在学の方のみ" in page and "年末年始" in page
    # no verified person, so no monthly cap per person: two slots at once are fine
    assert counter_book(client, [SLOT, "court-b/2026-12-08 09:00"]).status_code == 303
    assert [len(r.slots) for r in reservations(pay)] == [2]


def test_a_group_only_facility_takes_an_approved_group_at_the_counter_never_a_typed_name(pay, clock):
    tennis = facility(pay, rules={"max_days_ahead": 60, "min_notice_hours": 1, "max_slots_per_person_per_month": 8,
                                  "group_required": True, "hold_minutes": 30})
    representative = pay.resident()
    club = BookingGroup(municipality_id=tennis.municipality_id, name="一宮ソフトテニス部",
                        representative_id=representative.id,
                        representative_sub=representative.sub, status="approved")
    pending = BookingGroup(municipality_id=tennis.municipality_id, name="申請中の会",
                           representative_id=representative.id,
                           representative_sub=representative.sub, status="pending")
    pay.db.add_all([club, pending])
    pay.db.commit()
    _, client = clerk(pay)
    page = client.get(f"{BASE}/counter?date=2026-12-08").get_data(as_text=True)
    assert "一宮ソフトテニス部" in page and "申請中の会" not in page and 'name="group_name"' not in page
    refused = counter_book(client, [SLOT], group_name="名乗っただけの会")
    assert refused.status_code == 422 and "団体登録が必要です" in refused.get_data(as_text=True)
    tampered = counter_book(client, [SLOT], group_id=str(pending.id))
    assert tampered.status_code == 422 and "承認済みの登録団体ではありません" in tampered.get_data(as_text=True)
    assert counter_book(client, [SLOT], group_id=str(club.id)).status_code == 303
    [reservation] = reservations(pay, "counter")
    assert (reservation.group_id, reservation.group_name) == (club.id, "一宮ソフトテニス部")


# --- blocks ----------------------------------------------------------------------------------------------------

def test_a_block_leaves_booked_slots_alone_and_blocks_the_rest(pay, clock):
    facility(pay)
    pay.resident()
    book_and_submit(pay, pay.client, "test-tennis", [SLOT])  # held, not yet paid: still the resident's
    staff, client = clerk(pay)
    form = {"first_day": "2026-12-08", "last_day": "2026-12-09", "units": ["court-a", "court-b"],
            "starts": ["09:00", "11:00"], "event": "市民テニス大会"}
    response = post_form(client, f"{BASE}/blocks", f"{BASE}/blocks", form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "「市民テニス大会」のために7枠を押さえました" in page
    assert "次の1枠はすでに予約が入っているため" in page and "A面 2026/12/8（火）09:00–11:00：先着順 一宮 花子" in page
    [block] = reservations(pay, "block")
    assert (block.status, block.fee_amount, block.note, block.staff_id, len(block.slots)) == \
        ("confirmed", 0, "市民テニス大会", staff.id, 7)
    assert reservations(pay, "first_come")[0].status == "held"
    assert audited(pay, "booking.block", staff)[0].detail["refused"] == [SLOT]

    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", ["court-b/2026-12-09 11:00"]).status_code == 409
    sheet = client.get(f"{BASE}/day?date=2026-12-09").get_data(as_text=True)
    assert sheet.count("行事：市民テニス大会") == 4

    # nothing left to block: said so
    again = post_form(client, f"{BASE}/blocks", f"{BASE}/blocks", form)
    assert again.status_code == 409 and "次の8枠はすでに予約が入っている" in again.get_data(as_text=True)

    released = post_form(client, f"{BASE}/blocks/{block.id}/release", f"{BASE}/blocks", {})
    assert released.status_code == 303
    assert reservations(pay, "block")[0].status == "cancelled"
    assert book_slots(other, "test-tennis", ["court-b/2026-12-09 11:00"]).status_code == 303


def test_a_block_form_with_mistakes_says_what_to_fix(pay, clock):
    facility(pay)
    _, client = clerk(pay)
    response = post_form(client, f"{BASE}/blocks", f"{BASE}/blocks",
                         {"first_day": "2026-11-30", "last_day": "", "event": "", "starts": ["09:00"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "過ぎた日は選べません" in page and "行事の名前" in page and "区画を1つ以上選んでください" in page
    assert not reservations(pay)


# --- closing ---------------------------------------------------------------------------------------------------

def test_closing_the_facility_refunds_in_full_tells_residents_and_lists_who_to_phone(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    submission = book_and_submit(pay, pay.client, "test-tennis", [SLOT, "court-a/2026-12-08 11:00"])
    assert pay_by_card(pay, submission).status == "paid"
    staff, client = clerk(pay)
    assert counter_book(client, ["court-b/2026-12-09 09:00"], day="2026-12-09").status_code == 303
    form = {"scope": "facility", "notice": "台風で屋根が破損したため", "first_day": "", "last_day": ""}

    preview = post_form(client, f"{BASE}/closure", f"{BASE}/closure", form)
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "休館にして、2件の予約を取り消す" in text and "一宮 花子" in text and "hanako@example.jp" in text
    pay.fresh()
    assert not pay.db.scalar(select(Facility)).closed  # nothing happens before the confirmation

    mail_sink.clear()
    done = post_form(client, f"{BASE}/closure", f"{BASE}/closure", {**form, "confirm": "yes"})
    assert done.status_code == 200
    text = done.get_data(as_text=True)
    assert "2件" in text and "1,200円" in text and "電話で連絡してください" in text
    assert "窓口 太郎" in text and "0586-11-2222" in text and "窓口で返金" in text

    payment = pay.payment(submission)
    assert payment.status == "refunded" and payment.refunded_amount == 1200 and not payment.needs_refund
    assert [r.status for r in reservations(pay)] == ["cancelled", "cancelled"]
    assert all(not s.active for r in reservations(pay) for s in r.slots)
    assert reservations(pay)[0].cancel_fee == 0 and "台風" in reservations(pay)[0].cancel_reason
    assert pay.submission(submission.reference).status == "withdrawn"
    pay.fresh()
    closed = pay.db.scalar(select(Facility))
    assert closed.closed and closed.closed_notice == "台風で屋根が破損したため"

    message = mail_sink.wait_for(lambda m: "休館" in m["Subject"])
    assert message["To"] == "hanako@example.jp" and "テスト市民テニスコート" in message["Subject"]
    body = message.get_content()
    assert "台風で屋根が破損したため" in body and "1,200円は全額返金" in body \
        and "A面 2026/12/8（火）09:00–11:00" in body
    pay.fresh()
    outbox = pay.db.scalars(select(OutboxEmail).where(OutboxEmail.subject.contains("休館"))).all()
    assert [e.recipient for e in outbox] == ["hanako@example.jp"]  # the counter booking has no email
    cancelled_ids = {e.object_id for e in audited(pay, "booking.cancel_by_city", staff)}
    assert cancelled_ids == {str(r.id) for r in reservations(pay)}
    assert audited(pay, "booking.facility_close", staff)

    # residents are told and cannot book; reopening takes bookings again
    page = pay.client.get("/ichinomiya/facilities/test-tennis?date=2026-12-10").get_data(as_text=True)
    assert "この施設は現在予約を受け付けていません" in page and "台風で屋根が破損したため" in page
    assert post_form(client, f"{BASE}/reopen", f"{BASE}/closure", {}).status_code == 303
    assert book_slots(pay.client, "test-tennis", ["court-a/2026-12-10 09:00"]).status_code == 303


def test_closing_some_days_cancels_only_what_falls_on_them(pay, clock, mail_sink):
    facility(pay)
    pay.resident()
    kept = book_and_submit(pay, pay.client, "test-tennis", [SLOT])
    other, _ = second_resident(pay)
    hit = book_and_submit(pay, other, "test-tennis", ["court-b/2026-12-09 13:00"], email="other@example.jp")
    staff, client = clerk(pay)
    form = {"scope": "range", "notice": "選挙の開票作業のため", "first_day": "2026-12-09", "last_day": "2026-12-10",
            "confirm": "yes"}
    done = post_form(client, f"{BASE}/closure", f"{BASE}/closure", form)
    assert done.status_code == 200 and "2026年12月9日 〜 2026年12月10日" in done.get_data(as_text=True)
    pay.fresh()
    [closure] = pay.db.scalars(select(FacilityClosure)).all()
    assert (closure.first_day, closure.last_day, closure.reason) == (date(2026, 12, 9), date(2026, 12, 10),
                                                                     "選挙の開票作業のため")
    by_submission = {r.submission_id: r.status for r in reservations(pay)}
    assert by_submission == {kept.id: "held", hit.id: "cancelled"}
    assert not pay.db.scalar(select(Facility)).closed
    message = mail_sink.wait_for(lambda m: "休館" in m["Subject"])
    assert message["To"] == "other@example.jp" \
        and "2026年12月9日（水）から2026年12月10日（木）まで休館" in message.get_content()
    assert "休館" in pay.client.get("/ichinomiya/facilities/test-tennis?date=2026-12-10").get_data(as_text=True)


def test_a_closure_needs_a_reason_and_days_to_come(pay, clock):
    facility(pay)
    _, client = clerk(pay)
    response = post_form(client, f"{BASE}/closure", f"{BASE}/closure",
                         {"scope": "range", "notice": "", "first_day": "2026-11-01", "confirm": "yes"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "休館の理由" in page and "過ぎた日は選べません" in page
    pay.fresh()
    assert not pay.db.scalars(select(FacilityClosure)).all()


# --- the lottery -------------------------------------------------------------------------------------------------

LOTTERY = {"schedule": {}, "scope": {"day_types": ["holiday"]},
           "policy": {"max_preferences": 2, "max_applications_per_person": 1, "win_cap_per_person": 1}}
S1, S2 = "court-a/2027-02-06 09:00", "court-a/2027-02-06 11:00"


def test_staff_see_the_lottery_applications_with_names_and_export_them(pay, clock):
    tennis = facility(pay, lottery=LOTTERY)
    clock.set(jst(date(2026, 12, 2), time(10, 0)))
    a, b = pay.resident(), pay.resident()
    b.claims = {**b.claims, "name": "二宮 次郎"}
    pay.db.commit()
    month = Month(2027, 2)
    # A would take either slot, B only S1: whoever the draw visits first, both win
    lottery_service.apply(pay.db, tennis, a, month, [S2, S1], clock.current, "a@example.jp")
    club = BookingGroup(municipality_id=tennis.municipality_id, name="=SUM(A1)", representative_id=b.id,
                        representative_sub=b.sub, status="approved")
    pay.db.add(club)
    pay.db.commit()
    lottery_service.apply(pay.db, tennis, b, month, [S1], clock.current, "b@example.jp", group=club)
    viewer = pay.staff()
    client = pay.staff_client(viewer)

    clock.set(jst(date(2026, 12, 11), time(8, 0)))
    assert lottery_service.run_due(pay.db, clock.current)["committed"] == 1
    round_ = pay.db.scalar(select(LotteryRound))
    page = client.get(f"{BASE}/lottery/2027-02").get_data(as_text=True)
    assert round_.seed_commitment in page and round_.seed not in page  # the seed stays secret until the draw
    assert "一宮 花子" in page and "二宮 次郎" in page and lottery_service.pseudonym(round_.id, a.sub) in page

    clock.set(jst(date(2026, 12, 12), time(10, 0)))
    assert lottery_service.run_due(pay.db, clock.current)["drawn"] == 1
    rounds_page = client.get(f"{BASE}/lottery").get_data(as_text=True)
    assert "2027年2月" in rounds_page and "抽選済み" in rounds_page and "2件" in rounds_page
    page = client.get(f"{BASE}/lottery/2027-02").get_data(as_text=True)
    pay.fresh()
    assert pay.db.scalar(select(LotteryRound)).seed in page and "抽選の経過" in page
    assert audited(pay, "booking.lottery_applications", viewer)

    response = client.get(f"{BASE}/lottery/2027-02/applications.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data(as_text=True)
    assert raw.startswith("\ufeff") and "\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
    assert rows[0][:6] == ["申込番号", "仮名ID", "氏名", "市内・市外", "団体名", "メールアドレス"]
    assert rows[0][6:8] == ["第1希望", "第2希望"]
    by_name = {row[2]: row for row in rows[1:]}
    assert set(by_name) == {"一宮 花子", "二宮 次郎"}
    assert by_name["一宮 花子"][6:8] == ["A面 2027/2/6（土）11:00", "A面 2027/2/6（土）09:00"]
    assert by_name["二宮 次郎"][4] == "'=SUM(A1)" and by_name["二宮 次郎"][7] == ""  # a formula is never run
    assert [by_name[n][8] for n in ("一宮 花子", "二宮 次郎")] == ["当選", "当選"]
    assert by_name["一宮 花子"][10] == "A面 2027/2/6（土）11:00" \
        and by_name["二宮 次郎"][10] == "A面 2027/2/6（土）09:00"
    assert audited(pay, "booking.lottery_export", viewer)[0].detail["rows"] == 2


# --- who may see and do what -------------------------------------------------------------------------------------

def _urls(pay, values: dict) -> list[tuple[str, str]]:
    found = []
    for rule in pay.app.url_map.iter_rules():
        if rule.endpoint.startswith("booking_staff."):
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<int:{name}>", str(values[name])).replace(f"<{name}>", str(values[name]))
            found += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_who_may_see_and_do_what(pay, clock):
    facility(pay)
    facility(pay, municipality="anjo")  # the same slug in another municipality
    _, client = clerk(pay)
    assert counter_book(client, [SLOT]).status_code == 303
    lottery_round = LotteryRound(municipality_id=reservations(pay)[0].municipality_id,
                                 facility_id=reservations(pay)[0].facility_id, year=2027, month=2)
    pay.db.add(lottery_round)
    pay.db.commit()
    reservation_id = reservations(pay)[0].id
    urls = _urls(pay, {"municipality": "ichinomiya", "slug": "test-tennis", "reservation_id": reservation_id,
                       "month": "2027-02"})
    assert len(urls) >= 14

    anonymous, resident = pay.app.test_client(), pay.app.test_client()
    pay.resident(resident)  # residents are not staff either
    for visitor in (anonymous, resident):
        for method, url in urls:
            data = {"csrf_token": csrf_token(visitor)} if method == "POST" else None
            response = visitor.open(url, method=method, data=data)
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].split("?")[0].endswith("/ichinomiya/backoffice/login"), url

    _, anjo = clerk(pay, "admin", "anjo")
    for method, url in urls:
        data = {"csrf_token": csrf_token(anjo, "/anjo/backoffice/facilities")} if method == "POST" else None
        assert anjo.open(url, method=method, data=data).status_code == 403, (method, url)
        # in their own municipality, this municipality's reservation and round do not exist
        own = url.replace("/ichinomiya/", "/anjo/", 1)
        if f"/{reservation_id}/" in own or "/lottery/2027-02" in own:
            assert anjo.open(own, method=method, data=data).status_code == 404, (method, own)

    looker = pay.staff_client(pay.staff())  # staff who do not process facility bookings may only look
    assert looker.get(f"{BASE}/day?date=2026-12-08").status_code == 200
    assert looker.get("/ichinomiya/backoffice/facilities").status_code == 200
    for url in (f"{BASE}/counter", f"{BASE}/blocks", f"{BASE}/closure"):
        assert looker.get(url).status_code == 403, url
    refused = post_form(looker, f"{BASE}/counter?date=2026-12-08", f"{BASE}/day?date=2026-12-08",
                        {"slot": ["court-b/2026-12-08 09:00"], "name": "x", "phone": "1", "payment": "cash"})
    assert refused.status_code == 403 and len(reservations(pay)) == 1
    assert looker.get("/ichinomiya/backoffice/facilities/no-such-facility/day").status_code == 404
