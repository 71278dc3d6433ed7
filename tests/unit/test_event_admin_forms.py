"""The event administration forms: moments typed in Tokyo time, the window, participant types and their keys,
eligibility rules from the menus in the shape the eligibility domain reads, sessions and a duplicate's shift."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.events import admin_forms as forms
from portal.events.domain.eligibility import AgeRule, GradeRule, refusals

CHOICES = forms.Choices(facilities={7: "中央公民館"}, procedures={"event-kosodate": "子育て講座の申込"},
                        date_fields={"event-kosodate": {"child_birthdate": "お子さんの生年月日"}})


def complete(**overrides) -> dict:
    values = forms.values_from_event(None)
    values.update(title="スマホ教室", slug="smartphone", category="ict", venue_kind="free", venue_name="中央公民館",
                  opens_at="2027-04-01T09:00", closes_at="2027-04-20T17:00", procedure_key="event-kosodate")
    values.update(overrides)
    return values


def errors_of(parsed) -> dict[str, str]:
    return {e["href"]: e["message"] for e in parsed.errors}


@pytest.mark.parametrize(("text", "expected"), [
    ("2027-04-01T09:00", datetime(2027, 4, 1, 0, 0, tzinfo=UTC)),
    ("2027-04-01 09:00", datetime(2027, 4, 1, 0, 0, tzinfo=UTC)),
    ("２０２７－０４－０１ ０９：００", datetime(2027, 4, 1, 0, 0, tzinfo=UTC)),
    ("2027-01-01T08:59", datetime(2026, 12, 31, 23, 59, tzinfo=UTC)),
    ("2027-02-30T09:00", None), ("2027-04-01", None), ("garbage", None), ("9999-01-01T00:00", None), ("", None),
])
def test_moments_are_typed_in_tokyo_time_and_stored_in_utc(text, expected):
    assert forms.parse_moment(text) == expected


def test_a_stored_moment_shows_in_tokyo_time():
    assert forms.moment_text(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == "2027-01-01T08:59"


def test_a_complete_form_gives_the_event_s_columns():
    parsed = forms.parse(complete(), CHOICES)
    assert parsed.errors == []
    data = parsed.data
    assert data["opens_at"] == datetime(2027, 4, 1, 0, 0, tzinfo=UTC)
    assert data["participant_types"] == [{"key": "adult", "label": "一般", "label_en": "General", "price": 0}]
    assert (data["facility_id"], data["venue_name"], data["eligibility"], data["waitlist"]) == (
        None, "中央公民館", [], True)


def test_the_window_closes_after_it_opens_and_before_the_first_session():
    assert "#f-closes_at" in errors_of(forms.parse(complete(closes_at="2027-04-01T09:00"), CHOICES))
    first = datetime(2027, 4, 20, 0, 0, tzinfo=UTC)
    refused = errors_of(forms.parse(complete(), CHOICES, first_start=first))
    assert refused["#f-closes_at"] == "締切は最初の回の開始（2027-04-20 09:00）より前にしてください"
    assert forms.parse(complete(closes_at="2027-04-20T09:00"), CHOICES, first_start=first).errors == []
    missing = errors_of(forms.parse(complete(opens_at="", closes_at="tomorrow"), CHOICES))
    assert {"#f-opens_at", "#f-closes_at"} <= missing.keys()


def test_participant_types_get_stable_keys_and_prices_in_yen():
    rows = [{"key": "adult", "label": "大人", "label_en": "Adult", "price": "１，２００円"},
            {"key": "", "label": "子ども", "label_en": "Child", "price": "600"},
            {"key": "", "label": "乳幼児", "label_en": "", "price": ""},
            {"key": "", "label": "", "label_en": "", "price": ""}]
    parsed = forms.parse(complete(type_rows=rows), CHOICES)
    assert parsed.data["participant_types"] == [
        {"key": "adult", "label": "大人", "label_en": "Adult", "price": 1200},
        {"key": "child", "label": "子ども", "label_en": "Child", "price": 600},
        {"key": "type-3", "label": "乳幼児", "label_en": "", "price": 0}]


def test_participant_types_are_required_and_checked_by_row():
    assert "#f-type_label_0" in errors_of(forms.parse(complete(type_rows=[]), CHOICES))
    rows = [{"key": "a", "label": "大人", "label_en": "", "price": "-5"},
            {"key": "b", "label": "", "label_en": "Child", "price": "100"}]
    assert {"#f-type_price_0", "#f-type_label_1"} <= errors_of(forms.parse(complete(type_rows=rows), CHOICES)).keys()


def test_a_hand_edited_key_is_replaced_and_duplicates_are_split():
    rows = [{"key": "<script>", "label": "大人", "label_en": "Adult", "price": "0"},
            {"key": "adult", "label": "大人2", "label_en": "Adult", "price": "0"}]
    keys = [t["key"] for t in forms.parse(complete(type_rows=rows), CHOICES).data["participant_types"]]
    assert len(set(keys)) == 2 and all(forms.TYPE_KEY.match(k) for k in keys)


def test_eligibility_rules_are_stored_as_the_domain_reads_them():
    parsed = forms.parse(complete(
        age_rows=[{"subject": "applicant", "min": "65", "max": ""}, {"subject": "", "min": "", "max": ""}],
        grade_rows=[{"subject": "child_birthdate", "first": "1", "last": "6"}]), CHOICES)
    assert parsed.errors == []
    stored = parsed.data["eligibility"]
    assert stored == [{"kind": "age", "minimum": 65, "subject": "applicant"},
                      {"kind": "grade", "first": 1, "last": 6, "subject": "child_birthdate"}]
    rules = forms.eligibility_rules(stored)
    assert rules == [AgeRule(65, None, "applicant"), GradeRule(1, 6, "child_birthdate")]
    on = date(2027, 5, 1)
    assert refusals(rules, on=on, birthdates={"applicant": [date(1960, 1, 1)],
                                              "child_birthdate": [date(2019, 6, 1)]}) == []   # 小2
    assert len(refusals(rules, on=on, birthdates={"applicant": [date(1990, 1, 1)],
                                                  "child_birthdate": [date(2022, 6, 1)]})) == 2


@pytest.mark.parametrize(("rows", "field"), [
    ({"age_rows": [{"subject": "applicant", "min": "70", "max": "65"}]}, "#f-age_min_0"),
    ({"age_rows": [{"subject": "applicant", "min": "abc", "max": ""}]}, "#f-age_min_0"),
    ({"age_rows": [{"subject": "applicant", "min": "200", "max": ""}]}, "#f-age_min_0"),
    ({"grade_rows": [{"subject": "child_birthdate", "first": "6", "last": "1"}]}, "#f-grade_first_0"),
    ({"grade_rows": [{"subject": "child_birthdate", "first": "12", "last": ""}]}, "#f-grade_first_0"),
    ({"grade_rows": [{"subject": "allergies", "first": "1", "last": "3"}]}, "#f-grade_subject_0"),
    ({"grade_rows": [{"subject": "child_birthdate", "first": "1", "last": "3"}], "procedure_key": ""},
     "#f-grade_subject_0"),
])
def test_eligibility_rules_are_refused_with_the_row_at_fault(rows, field):
    assert field in errors_of(forms.parse(complete(**rows), CHOICES))


def test_the_venue_is_a_facility_of_the_menu_or_a_named_place():
    chosen = forms.parse(complete(venue_kind="facility", facility_id="7", venue_name="消える"), CHOICES)
    assert (chosen.data["facility_id"], chosen.data["venue_name"]) == (7, "")
    for facility_id in ("8", "x", "99999999999999"):
        assert "#f-facility_id" in errors_of(forms.parse(complete(venue_kind="facility", facility_id=facility_id),
                                                         CHOICES))
    assert "#f-venue_name" in errors_of(forms.parse(complete(venue_name=""), CHOICES))
    assert "#f-venue_kind" in errors_of(forms.parse(complete(venue_kind="moon"), CHOICES))
    assert "#f-latitude" in errors_of(forms.parse(complete(latitude="35.3", longitude=""), CHOICES))


def test_menus_refuse_values_they_do_not_offer():
    refused = errors_of(forms.parse(complete(category="party", audience="aliens", session_mode="twice",
                                             allocation="bribe", procedure_key="juminhyo"), CHOICES))
    assert {"#f-category", "#f-audience", "#f-session_mode", "#f-allocation", "#f-procedure_key"} <= refused.keys()
    tags = forms.parse(complete(target_tags=["elderly", "children", "hackers"]), CHOICES).data["target_tags"]
    assert tags == ["children", "elderly"]


def test_the_form_shows_a_stored_event_as_it_was_saved():
    class Stored:
        title, title_kana, title_en, slug, description, description_en = "講座", "", "", "koza", "", ""
        category, department, contact, venue_name, venue_address = "course", "", "", "会場", ""
        accessibility, what_to_bring, audience, session_mode, allocation = "", "", "anyone", "series", "lottery"
        procedure_key, latitude, longitude, max_party = "event-kosodate", None, None, 2
        offer_hold_hours, offer_closes_before_hours, cancel_until_hours, pay_within_hours = 24, 12, 24, 72
        facility_id, waitlist, target_tags = None, False, ["adults"]
        opens_at = datetime(2027, 4, 1, 0, 0, tzinfo=UTC)
        closes_at = datetime(2027, 4, 20, 8, 0, tzinfo=UTC)
        participant_types = [{"key": "adult", "label": "大人", "label_en": "Adult", "price": 500}]
        eligibility = [{"kind": "age", "minimum": 65, "subject": "applicant"}]

    values = forms.values_from_event(Stored())
    assert (values["opens_at"], values["closes_at"], values["venue_kind"]) == (
        "2027-04-01T09:00", "2027-04-20T17:00", "free")
    assert values["type_rows"][0]["price"] == "500" and values["type_rows"][-1] == {
        "key": "", "label": "", "label_en": "", "price": ""}
    assert values["age_rows"][0] == {"subject": "applicant", "min": "65", "max": ""}
    parsed = forms.parse(values, CHOICES)
    assert parsed.errors == [] and parsed.data["eligibility"] == Stored.eligibility
    assert parsed.data["participant_types"] == Stored.participant_types


def test_a_session_is_a_day_with_start_and_end_in_tokyo_and_a_capacity():
    times, errors = forms.parse_session({"day": "2027-05-09", "start": "10:00", "end": "11:30", "capacity": "20"},
                                        "f-new", closes_at=datetime(2027, 4, 20, 8, 0, tzinfo=UTC))
    assert errors == []
    assert (times.starts_at, times.ends_at, times.capacity) == (
        datetime(2027, 5, 9, 1, 0, tzinfo=UTC), datetime(2027, 5, 9, 2, 30, tzinfo=UTC), 20)
    _times, errors = forms.parse_session({"day": "2027-05-09", "start": "12:00", "end": "11:00", "capacity": "0"},
                                         "session-4", closes_at=None)
    assert [e["href"] for e in errors] == ["#session-4-end", "#session-4-capacity"]
    _times, errors = forms.parse_session({"day": "2027-04-20", "start": "10:00", "end": "11:00", "capacity": "5"},
                                         "f-new", closes_at=datetime(2027, 4, 20, 8, 0, tzinfo=UTC))
    assert errors[0]["message"] == "回の開始は申込の締切（2027-04-20 17:00）より後にしてください"


def test_a_duplicate_moves_by_weeks_or_to_a_new_first_day():
    first = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)   # Sunday 10:00 Tokyo
    assert forms.parse_shift({"shift": "weeks", "weeks": "52"}, first) == (timedelta(weeks=52), [])
    assert forms.parse_shift({"shift": "first_day", "first_day": "2027-04-04"}, first) == (timedelta(days=105), [])
    for values in ({"shift": "weeks", "weeks": "0"}, {"shift": "first_day", "first_day": "2026-12-01"},
                   {"shift": "first_day", "first_day": "x"}, {"shift": ""}):
        delta, errors = forms.parse_shift(values, first)
        assert delta is None and errors
    delta, errors = forms.parse_shift({"shift": "first_day", "first_day": "2027-01-01"}, None)
    assert delta is None and errors[0]["href"] == "#f-first_day"
