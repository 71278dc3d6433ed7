"""Facility administration (admins): create and edit a facility through the form, refused forms keep what
was typed, bookable units (add, rename, reorder, deactivate, never delete one with bookings), closures,
who may do it, and the audit log."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.booking.demo import load_demo_facilities
from portal.booking.domain import config
from portal.booking.domain.calendar import local_date
from portal.booking.models import Facility, FacilityClosure, FacilityUnit
from portal.booking.services import admin as admin_service, facility_form as admin_form, inventory
from portal.db import utcnow
from tests.integration.backoffice import municipality, sign_in_staff
from tests.integration.booking_factory import make_facility
from tests.integration.helpers import location_path, post

BASE = "/ichinomiya/backoffice/admin/facilities"


@pytest.fixture
def admin_client(client, make_staff):
    sign_in_staff(client, make_staff(role="admin"))
    return client


def as_form(values: dict) -> dict:
    """The form's values as a browser posts them: ticked boxes "1", unticked ones absent, one key per row."""
    form = {}
    for name, value in values.items():
        if name == "evening":
            for i, row in enumerate(value):
                form.update({f"evening_{part}_{i}": text for part, text in row.items()})
        elif isinstance(value, bool):
            if value:
                form[name] = "1"
        else:
            form[name] = value
    return form


def new_gym(**overrides) -> dict:
    """A complete new-facility form: the form's defaults plus what the admin must fill in."""
    values = admin_form.values_from_facility(None)
    values.update(slug="chuo-gym", category="gymnasium", name="中央体育館", name_kana="チュウオウタイイクカン",
                  name_en="Chuo Gymnasium", area="中央", postal_code="4910859", address="愛知県一宮市本町2丁目1番1号",
                  latitude="35.3037", longitude="136.8030", phone="0586-28-8100", capacity="300",
                  description="バスケットボール、バレーボールなど", accessibility="車いす用トイレあり", published=True,
                  price_resident_weekday="1,000", price_resident_holiday="1200", price_non_resident_weekday="2000",
                  price_non_resident_holiday="2400",
                  evening=[{"time": "18:00", "resident_weekday": "1500", "resident_holiday": "1500",
                            "non_resident_weekday": "3000", "non_resident_holiday": "3000"}],
                  free_until_days_before="7", late_fee="percent", late_fee_percent="50", no_cancel_within_days="1",
                  lottery_enabled=True, lottery_day_types=["holiday"], lottery_start_times="18:00")
    values.update(overrides)
    return as_form(values)


def audit_rows(db, action: str) -> list[AuditEvent]:
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


# --- create and edit -------------------------------------------------------------------------------------

def test_admin_creates_a_facility_and_edits_it(db, admin_client):
    page = admin_client.get(f"{BASE}/new").get_data(as_text=True)
    assert "施設を登録する" in page and "月曜休館（祝日の場合は開館し翌平日休館）" in page and "休館日" in page
    response = post(admin_client, f"{BASE}/new", new_gym(), page=f"{BASE}/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    facility = db.scalar(select(Facility).where(Facility.slug == "chuo-gym"))
    assert location_path(response) == f"{BASE}/{facility.id}/units"
    assert facility.municipality_id == municipality(db, "ichinomiya").id
    assert (facility.postal_code, facility.latitude, facility.capacity) == ("491-0859", 35.3037, 300)
    assert facility.opening_hours == {"weekly": {str(d): ["09:00", "21:00"] for d in range(1, 7)}, "holiday": None,
                                      "holiday_moves_closed_day": True}
    assert facility.slot_pattern == {"ranges": [["09:00", "12:00"], ["13:00", "17:00"], ["18:00", "21:00"]]}
    assert facility.prices == {
        "default": {"resident_weekday": 1000, "resident_holiday": 1200, "non_resident_weekday": 2000,
                    "non_resident_holiday": 2400},
        "by_start_time": {"18:00": {"resident_weekday": 1500, "resident_holiday": 1500, "non_resident_weekday": 3000,
                                    "non_resident_holiday": 3000}}}
    assert facility.rules == {"max_days_ahead": 60, "min_notice_hours": 24, "max_slots_per_person_per_month": 4,
                              "resident_only": False, "group_required": False, "hold_minutes": 30,
                              "max_slots_per_booking": None}
    assert facility.cancellation == {"free_until_days_before": 7, "late_fee_percent": 50, "late_fee_yen": 0,
                                     "no_cancel_within_days": 1}
    assert facility.lottery["scope"] == {"months": None, "day_types": ["holiday"], "start_times": ["18:00"]}
    assert facility.lottery["schedule"]["applications_close"] == [2, 10, "00:00", True]
    assert facility.lottery["policy"]["max_preferences"] == 3
    config.check({c: getattr(facility, c) for c in ("opening_hours", "slot_pattern", "prices", "rules",
                                                     "cancellation", "lottery")})
    created = audit_rows(db, "admin.facility_create")
    assert [(e.object_type, e.object_id, e.detail["slug"]) for e in created] == \
        [("facility", str(facility.id), "chuo-gym")]

    # the edit page shows what was saved; posting it back unchanged changes nothing
    edit = f"{BASE}/{facility.id}"
    page = admin_client.get(edit).get_data(as_text=True)
    assert 'value="中央体育館"' in page and 'value="18:00"' in page and "09:00-12:00" in page
    values = admin_form.values_from_facility(facility)
    response = post(admin_client, edit, as_form(values), page=edit)
    assert response.status_code == 302
    assert "変更はありませんでした" in admin_client.get(edit).get_data(as_text=True)
    assert audit_rows(db, "admin.facility_update") == []

    # Sundays closed too, 祝日 hours, 1-hour blocks, no lottery, a fixed late fee
    values.update(closed_days=["0", "6"], holiday_open="10:00", holiday_close="16:00", slot_kind="step",
                  step_minutes="60", lottery_enabled=False, late_fee="yen", late_fee_yen="500", late_fee_percent="",
                  evening=[{"time": "", **{c: "" for c in admin_form.PRICE_COLUMNS}}], name="中央体育館（本館）")
    response = post(admin_client, edit, as_form(values), page=edit)
    assert response.status_code == 302
    db.expire_all()
    facility = db.get(Facility, facility.id)
    assert facility.name == "中央体育館（本館）"
    assert facility.opening_hours["weekly"].keys() == {"1", "2", "3", "4", "5"}
    assert facility.opening_hours["holiday"] == ["10:00", "16:00"]
    assert facility.slot_pattern == {"step_minutes": 60}
    assert "by_start_time" not in facility.prices and facility.lottery is None
    assert facility.cancellation["late_fee_yen"] == 500
    [update] = audit_rows(db, "admin.facility_update")
    assert update.detail["changes"]["name"] == {"before": "中央体育館", "after": "中央体育館（本館）"}
    assert {"opening_hours", "slot_pattern", "prices", "lottery", "cancellation"} <= update.detail["changes"].keys()
    assert "設定を保存しました" in admin_client.get(edit).get_data(as_text=True)


def test_the_list_shows_each_facility_with_its_units(db, admin_client):
    facility = make_facility(db, units=("court-a", "court-b", "court-c"))
    facility.units[2].active = False
    facility.published = False
    db.commit()
    make_facility(db, municipality="anjo", slug="anjo-tennis", name="安城テニスコート")
    page = admin_client.get(BASE).get_data(as_text=True)
    assert "テスト市民テニスコート" in page and "テニスコート" in page and "中央" in page
    assert "2区画" in page and "（無効1）" in page and "非公開" in page
    assert "安城テニスコート" not in page


def test_a_refused_form_keeps_everything_typed(db, admin_client):
    form = new_gym(slot_bands="9時-12時", price_resident_weekday="abc", max_days_ahead="-1", name_kana="chuo",
                   latitude="35.3", longitude="", open_3="10:00", close_3="09:00")
    response = post(admin_client, f"{BASE}/new", form, page=f"{BASE}/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "error-summary" in page
    for message in ("1行目「9時-12時」を「09:00-12:00」の形で入力してください",
                    "使用料（市内・平日）は0〜10,000,000の整数で入力してください",
                    "何日先まで予約できるかは0〜730の整数で入力してください", "よみがなはカタカナかひらがな",
                    "緯度と経度は両方入力するか", "木曜日の閉館時刻は開館時刻より後にしてください"):
        assert message in page, message
    for typed in ('value="中央体育館"', "9時-12時", 'value="abc"', 'value="-1"', 'value="chuo"', 'value="35.3"',
                  'value="Chuo Gymnasium"', "車いす用トイレあり"):
        assert typed in page, typed
    assert 'href="#f-slot_bands"' in page and 'id="f-slot_bands"' in page
    assert db.scalar(select(func.count()).select_from(Facility)) == 0


def test_what_the_domain_refuses_comes_back_in_japanese(db, admin_client):
    cases = [
        ({"slot_bands": "09:00-12:00\n11:00-13:00"}, "時間帯が11:00で重なっています"),
        # Sunday closed and no 祝日 hours: a Monday 祝日 would have no hours to reopen on
        ({"closed_days": ["0", "6"]}, "祝日の開館時間か日曜日の開館時間が必要です"),
        ({"lot_draw_months_before": "3"}, "抽選の日程は「受付開始 → 締切 → 抽選 → 確定期限 → 先着順受付開始」の順に"),
        ({"evening": [{"time": "17:30", **{c: "1" for c in admin_form.PRICE_COLUMNS}}]},
         "時間帯別料金の開始時刻17:30に始まる予約枠がありません"),
        ({"slot_bands": "06:00-08:00"}, "枠「06:00-08:00」はどの曜日の開館時間にも収まらない"),
        ({"no_cancel_within_days": "9"}, "キャンセルできなくなる日数は、無料でキャンセルできる期限の日数以下"),
        ({"closed": True}, "休止中にするときは、住民向けのお知らせ"),
    ]
    for overrides, message in cases:
        response = post(admin_client, f"{BASE}/new", new_gym(**overrides), page=f"{BASE}/new")
        assert response.status_code == 422, overrides
        assert message in response.get_data(as_text=True), message


def test_the_service_refuses_a_slug_taken_in_the_same_municipality_only(db):
    make_facility(db, slug="chuo-gym")
    values = admin_form.values_from_facility(None)
    values.update(slug="chuo-gym", category="hall", name="市民ホール",
                  **{f"price_{c}": "0" for c in admin_form.PRICE_COLUMNS})
    with pytest.raises(admin_service.Invalid) as refused:
        admin_service.save_facility(db, municipality(db, "ichinomiya").id, values)
    assert refused.value.errors[0] == {"href": "#f-slug", "message": "このURL用の名前は別の施設で使われています"}
    facility, data = admin_service.save_facility(db, municipality(db, "anjo").id, values)
    assert facility.id and data["published"] is False and data["booking_procedure"] == "facility-booking"


def test_full_width_input_is_understood(db):
    values = admin_form.values_from_facility(None)
    values.update(slug="Hall-1", category="hall", name="ホール", postal_code="４９１－０８５９",
                  slot_bands="０９：００～１２：００\n13:00〜17:00", open_1="９：００",
                  **{f"price_{c}": "１，０００円" for c in admin_form.PRICE_COLUMNS})
    parsed = admin_form.parse(values)
    assert parsed.errors == []
    assert parsed.data["slug"] == "hall-1" and parsed.data["postal_code"] == "491-0859"
    assert parsed.data["slot_pattern"]["ranges"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert parsed.data["prices"]["default"]["resident_holiday"] == 1000


def test_weekday_and_holiday_bands(db):
    values = admin_form.values_from_facility(None)
    values.update(slug="room", category="meeting_room", name="会議室",
                  slot_bands_by_weekday="土曜日 09:00-12:00, 13:00-17:00",
                  slot_bands_holiday="10:00-12:00", **{f"price_{c}": "300" for c in admin_form.PRICE_COLUMNS})
    parsed = admin_form.parse(values)
    assert parsed.data["slot_pattern"] == {"ranges": [["09:00", "12:00"], ["13:00", "17:00"], ["18:00", "21:00"]],
                                           "by_weekday": {"5": [["09:00", "12:00"], ["13:00", "17:00"]]},
                                           "holiday": [["10:00", "12:00"]]}
    facility = make_facility(db, slug="room", slot_pattern=parsed.data["slot_pattern"])
    again = admin_form.values_from_facility(facility)
    assert again["slot_bands_by_weekday"] == "土 09:00-12:00, 13:00-17:00" \
        and again["slot_bands_holiday"] == "10:00-12:00"


@pytest.mark.parametrize("text", ["土曜日 09:00-12:00\n日：13:00-17:00", "土09:00-12:00\n日曜 13:00-17:00",
                                  "Sat 09:00-12:00\nsunday: 13:00-17:00", "SATURDAY 09:00-12:00\nSun 13:00-17:00"])
def test_weekday_lines_take_japanese_or_english_day_names(text):
    values = admin_form.values_from_facility(None)
    values.update(slug="room", category="meeting_room", name="会議室", slot_bands_by_weekday=text,
                  **{f"price_{c}": "300" for c in admin_form.PRICE_COLUMNS})
    parsed = admin_form.parse(values)
    assert not parsed.errors
    assert parsed.data["slot_pattern"]["by_weekday"] == {"5": [["09:00", "12:00"]], "6": [["13:00", "17:00"]]}


@pytest.mark.parametrize("text", ["Someday 09:00-12:00", "土 09:00-12:00\nSat 13:00-17:00", "09:00-12:00"])
def test_an_unknown_or_repeated_day_is_refused(text):
    values = admin_form.values_from_facility(None)
    values.update(slug="room", category="meeting_room", name="会議室", slot_bands_by_weekday=text,
                  **{f"price_{c}": "300" for c in admin_form.PRICE_COLUMNS})
    assert any(e["href"] == "#f-slot_bands_by_weekday" for e in admin_form.parse(values).errors)


def test_the_form_reads_back_every_demo_facility_unchanged(db):
    assert load_demo_facilities(db) >= 5
    db.commit()
    readers = {"opening_hours": config.opening_hours, "slot_pattern": config.slot_pattern,
               "prices": config.fee_schedule, "rules": config.booking_rules,
               "cancellation": config.cancellation_policy, "lottery": config.lottery_config}
    for facility in db.scalars(select(Facility)):
        parsed = admin_form.parse(admin_form.values_from_facility(facility))
        assert parsed.errors == [], (facility.slug, parsed.errors)
        for column, value in parsed.data.items():
            if column in readers:   # stored JSON may leave defaults out; what it means must not change
                assert readers[column](value) == readers[column](getattr(facility, column)), (facility.slug, column)
            else:
                assert value == getattr(facility, column), (facility.slug, column)


# --- units -----------------------------------------------------------------------------------------------

def booked_slot(db, facility, unit_slug: str, days_ahead: int = 10):
    """A confirmed counter booking of the 09:00 band ``days_ahead`` days from today."""
    day = local_date(utcnow()) + timedelta(days=days_ahead)
    [slot] = inventory.resolve(facility, [f"{unit_slug}/{day:%Y-%m-%d} 09:00"])
    return inventory.take(db, facility, [slot], kind="counter", status="confirmed", now=utcnow())


def unit(db, facility, slug: str) -> FacilityUnit:
    return db.scalar(select(FacilityUnit).where(FacilityUnit.facility_id == facility.id, FacilityUnit.slug == slug))


def test_units_are_added_renamed_reordered_and_deactivated(db, admin_client):
    facility = make_facility(db)
    units = f"{BASE}/{facility.id}/units"
    page = admin_client.get(units).get_data(as_text=True)
    assert "A面" in page and "<title>区画: テスト市民テニスコート" in page and "<h2>区画</h2>" in page
    closures = admin_client.get(f"{BASE}/{facility.id}/closures").get_data(as_text=True)
    assert "<title>休館日: テスト市民テニスコート" in closures and "<h2>休館日</h2>" in closures
    response = post(admin_client, units, {"slug": "court-c", "name": "C面", "name_en": "Court C", "capacity": "4"},
                    page=units)
    assert response.status_code == 302
    db.expire_all()
    c = unit(db, facility, "court-c")
    assert (c.name, c.capacity, c.sort_order, c.active) == ("C面", 4, 2, True)

    refused = post(admin_client, units, {"slug": "court-a", "name": ""}, page=units)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "この記号の区画はすでにあります" in page and "区画の名前を200文字以内" in page
    assert 'value="court-a"' in page

    a, b = unit(db, facility, "court-a"), unit(db, facility, "court-b")
    assert post(admin_client, f"{units}/{a.id}", {"name": "A面（人工芝）", "name_en": "Court A", "capacity": "4"},
                page=units).status_code == 302
    refused = post(admin_client, f"{units}/{a.id}", {"name": "x" * 201, "capacity": "0"}, page=units)
    assert refused.status_code == 422 and "x" * 201 in refused.get_data(as_text=True)
    assert post(admin_client, f"{units}/{c.id}/move", {"direction": "up"}, page=units).status_code == 302
    assert post(admin_client, f"{units}/{c.id}/move", {"direction": "up"}, page=units).status_code == 302
    assert post(admin_client, f"{units}/{c.id}/move", {"direction": "up"}, page=units).status_code == 302  # at the top
    booked_slot(db, facility, "court-b")
    response = post(admin_client, f"{units}/{b.id}/active", {"active": "0"}, page=units)
    assert response.status_code == 302
    assert "今後の予約が1枠あります" in admin_client.get(units).get_data(as_text=True)

    db.expire_all()
    facility = db.get(Facility, facility.id)
    assert [u.slug for u in facility.units] == ["court-c", "court-a", "court-b"]
    assert [u.active for u in facility.units] == [True, True, False]
    assert facility.units[1].name == "A面（人工芝）"
    assert {s.unit_id for s in config.slots_of(facility, date(2027, 1, 12), date(2027, 1, 12))} == \
        {"court-c", "court-a"}
    assert [e.detail["direction"] for e in audit_rows(db, "admin.facility_unit_move")] == ["up", "up"]
    assert audit_rows(db, "admin.facility_unit_active")[0].detail == {
        "facility_id": facility.id, "active": False, "upcoming_booked_slots": 1}
    assert audit_rows(db, "admin.facility_unit_add")[0].detail["slug"] == "court-c"
    assert audit_rows(db, "admin.facility_unit_update")[0].detail["changes"]["name"]["after"] == "A面（人工芝）"


def test_a_unit_with_bookings_is_never_deleted(db, admin_client):
    facility = make_facility(db, units=("court-a", "court-b", "court-c"))
    units = f"{BASE}/{facility.id}/units"
    a, b, c = facility.units
    booked_slot(db, facility, "court-a", days_ahead=-3)   # even a past booking keeps its unit
    page = admin_client.get(units).get_data(as_text=True)
    assert f'/units/{a.id}/delete"' not in page and f'/units/{b.id}/delete"' in page
    response = post(admin_client, f"{units}/{a.id}/delete", page=units)
    assert response.status_code == 409 and "削除できません" in response.get_data(as_text=True)
    assert post(admin_client, f"{units}/{b.id}/delete", page=units).status_code == 302
    db.expire_all()
    assert [u.slug for u in db.get(Facility, facility.id).units] == ["court-a", "court-c"]
    assert [e.detail["slug"] for e in audit_rows(db, "admin.facility_unit_delete")] == ["court-b"]


# --- closures --------------------------------------------------------------------------------------------

def test_closures_are_added_and_future_ones_removed(db, admin_client):
    facility = make_facility(db)
    closures = f"{BASE}/{facility.id}/closures"
    today = local_date(utcnow())
    first, last = today + timedelta(days=9), today + timedelta(days=11)
    response = post(admin_client, closures, {"first_day": first.isoformat(), "last_day": last.isoformat(),
                                             "reason": "設備点検"}, page=closures)
    assert response.status_code == 302
    page = admin_client.get(closures).get_data(as_text=True)
    assert "設備点検" in page and "休館日を登録しました" in page
    [closure] = db.scalars(select(FacilityClosure)).all()
    assert (closure.first_day, closure.last_day) == (first, last)
    day = first + timedelta(days=1)
    db.expire_all()
    assert {s.closed_reason for s in config.slots_of(db.get(Facility, facility.id), day, day)} == {"設備点検"}

    refused = post(admin_client, closures, {"first_day": "2026/13/1", "last_day": "", "reason": "選挙の開票"},
                   page=closures)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "初日を「2026-04-01」の形で" in page and 'value="選挙の開票"' in page
    past = post(admin_client, closures, {"first_day": (today - timedelta(days=1)).isoformat(), "reason": "x"},
                page=closures)
    assert past.status_code == 422 and "過ぎた日は選べません" in past.get_data(as_text=True)

    started = FacilityClosure(facility_id=facility.id, first_day=today, last_day=today, reason="臨時休館")
    db.add(started)
    db.commit()
    response = post(admin_client, f"{closures}/{started.id}/delete", page=closures)
    assert response.status_code == 409 \
        and "始まった休館日や過ぎた休館日は削除できません" in response.get_data(as_text=True)
    assert post(admin_client, f"{closures}/{closure.id}/delete", page=closures).status_code == 302
    assert [c.reason for c in db.scalars(select(FacilityClosure))] == ["臨時休館"]
    [added] = audit_rows(db, "admin.facility_closure_add")
    assert added.detail["reason"] == "設備点検" and added.detail["first_day"] == first.isoformat()
    assert audit_rows(db, "admin.facility_closure_remove")[0].detail["first_day"] == first.isoformat()


def test_a_closure_over_bookings_goes_through_cancelling_them(db, admin_client):
    facility = make_facility(db)
    closures = f"{BASE}/{facility.id}/closures"
    booking = booked_slot(db, facility, "court-a", days_ahead=10)
    day = (local_date(utcnow()) + timedelta(days=10)).isoformat()
    response = post(admin_client, closures, {"first_day": day, "last_day": "", "reason": "設備点検"}, page=closures)
    page = response.get_data(as_text=True)
    # nothing saved yet: a closed day must not keep a resident's booking
    assert response.status_code == 409 and db.scalars(select(FacilityClosure)).all() == []
    assert f"この期間（{day}）には利用者の予約が1件あります" in page and 'value="設備点検"' in page
    handoff = {"scope": "range", "notice": "設備点検", "first_day": day, "last_day": day}
    for name, value in handoff.items():
        assert f'name="{name}" value="{value}"' in page
    staff_close = f"/ichinomiya/backoffice/facilities/{facility.slug}/closure"
    preview = post(admin_client, staff_close, handoff, page=closures)
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "休館にして、1件の予約を取り消す" in text
    done = post(admin_client, staff_close, {**handoff, "confirm": "yes"}, page=closures)
    assert done.status_code == 200 and "休館にしました" in done.get_data(as_text=True)
    db.expire_all()
    [closure] = db.scalars(select(FacilityClosure)).all()
    assert (closure.first_day.isoformat(), closure.reason) == (day, "設備点検")
    assert db.get(type(booking), booking.id).status == "cancelled"


# --- who may ---------------------------------------------------------------------------------------------

def routes(app, facility, unit, closure):
    values = {"municipality": "ichinomiya", "facility_id": facility.id, "unit_id": unit.id, "closure_id": closure.id}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("booking_admin."):
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<int:{name}>", str(values[name])).replace(f"<{name}>", str(values[name]))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url


def call(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return post(client, url, {})


def test_only_this_municipalitys_admins_manage_its_facilities(app, db, make_staff):
    facility = make_facility(db)
    closure = FacilityClosure(facility_id=facility.id, first_day=date(2099, 1, 5), last_day=date(2099, 1, 5),
                              reason="x")
    db.add(closure)
    db.commit()
    cases = list(routes(app, facility, facility.units[0], closure))
    assert len(cases) == 17  # every route of the blueprint (a new one must be added here on purpose)

    anonymous = app.test_client()
    staff = app.test_client()
    sign_in_staff(staff, make_staff(role="staff"))
    other_city = app.test_client()
    sign_in_staff(other_city, make_staff(slug="anjo", role="admin"))
    for method, url in cases:
        response = call(anonymous, method, url)
        assert response.status_code == 302 and "/backoffice/login" in response.headers["Location"], (method, url)
        assert call(staff, method, url).status_code == 403, (method, url)
        assert call(other_city, method, url).status_code == 403, (method, url)
        if f"/facilities/{facility.id}" in url:   # this facility's URLs under the other municipality's own prefix
            assert call(other_city, method, url.replace("/ichinomiya/", "/anjo/")).status_code == 404, (method, url)

    # a unit or closure of another facility of the same municipality is not found under this one
    admin = app.test_client()
    sign_in_staff(admin, make_staff(role="admin"))
    other = make_facility(db, slug="other")
    assert call(admin, "POST", f"{BASE}/{other.id}/units/{facility.units[0].id}/delete").status_code == 404
    assert call(admin, "POST", f"{BASE}/{other.id}/closures/{closure.id}/delete").status_code == 404
    assert db.scalar(select(func.count()).select_from(FacilityUnit)) == 4
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("admin.facility%"))) == 0


def test_admin_writes_the_facilitys_rules_of_use_in_both_languages(db, admin_client):
    facility = make_facility(db)
    edit = f"{BASE}/{facility.id}"
    assert 'name="usage_rules"' in admin_client.get(edit).get_data(as_text=True)
    values = admin_form.values_from_facility(facility)
    values.update(usage_rules="土足厳禁。\nごみは持ち帰ってください。",
                  usage_rules_en="No outdoor shoes.\nTake your rubbish home.")
    assert post(admin_client, edit, as_form(values), page=edit).status_code == 302
    db.expire_all()
    facility = db.get(Facility, facility.id)
    assert facility.usage_rules == "土足厳禁。\nごみは持ち帰ってください。"
    assert facility.usage_rules_en == "No outdoor shoes.\nTake your rubbish home."
    [update] = audit_rows(db, "admin.facility_update")
    assert update.detail["changes"]["usage_rules"]["after"] == "土足厳禁。\nごみは持ち帰ってください。"
    # too long a text is refused and kept
    values.update(usage_rules="あ" * (admin_form.MAX_TEXT + 1))
    refused = post(admin_client, edit, as_form(values), page=edit)
    assert refused.status_code == 422 and "利用規則は10,000文字以内で入力してください" in refused.get_data(as_text=True)
