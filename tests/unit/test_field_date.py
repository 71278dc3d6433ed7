"""date: three inputs, ISO value, 和暦."""
import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from portal.procedures.fields import field_for
from portal.procedures.fields.date import format_date, wareki, wareki_full


def form(**values) -> MultiDict:
    return MultiDict(list(values.items()))


def make(**spec):
    return field_for({"id": "birth", "type": "date", "label": "生年月日", **spec})


def typed(year="", month="", day=""):
    return form(birth__year=year, birth__month=month, birth__day=day)


def test_input_names():
    assert make().input_names() == ["birth__year", "birth__month", "birth__day"]


def test_valid_date_iso_value():
    parsed = make().parse(typed("1985", "4", "3"))
    assert parsed.errors == [] and parsed.value == "1985-04-03"
    assert parsed.raw == {"birth__year": "1985", "birth__month": "4", "birth__day": "3"}


def test_full_width_digits_and_leading_zeroes():
    assert make().parse(typed("１９８５", "０４", "03")).value == "1985-04-03"


@pytest.mark.parametrize("year, value", [("昭和60", "1985-04-03"), ("S60", "1985-04-03"), ("昭60", "1985-04-03"),
                                         ("平成元", "1989-04-03"), ("H1", "1989-04-03"), ("令和2年", "2020-04-03")])
def test_era_year_accepted(year, value):
    assert make().parse(typed(year, "4", "3")).value == value


def test_era_year_outside_era():
    parsed = make().parse(typed("昭和64", "1", "8"))
    assert parsed.errors == ["生年月日の年は、昭和の期間外です。西暦で入力してください"]
    assert make().parse(typed("昭和64", "1", "7")).value == "1989-01-07"
    assert make().parse(typed("平成元", "1", "7")).errors


def test_required_and_optional_empty():
    assert make(required=True).parse(typed()).errors == ["生年月日を入力してください"]
    parsed = make().parse(typed())
    assert parsed.value is None and parsed.errors == []


@pytest.mark.parametrize("parts, message", [
    (("1985", "", "3"), "生年月日の月を入力してください"),
    (("", "4", "3"), "生年月日の年を入力してください"),
    (("1985", "", ""), "生年月日の月と日を入力してください"),
    (("1985", "13", "3"), "生年月日の月は1から12の数字で入力してください"),
    (("1985", "四", "3"), "生年月日の月は1から12の数字で入力してください"),
    (("1985", "4", "32"), "生年月日の日は1から31の数字で入力してください"),
    (("1985", "4", "0"), "生年月日の日は1から31の数字で入力してください"),
    (("85", "4", "3"), "生年月日の年は4桁の数字（西暦）で入力してください（例：1985）"),
    (("2023", "2", "30"), "生年月日は実在する日付を入力してください（2023年2月は28日までです）"),
    (("2023", "2", "29"), "生年月日は実在する日付を入力してください（2023年2月は28日までです）"),
    (("2023", "4", "31"), "生年月日は実在する日付を入力してください（2023年4月は30日までです）"),
])
def test_invalid_dates(parts, message):
    parsed = make().parse(typed(*parts))
    assert parsed.value is None and parsed.errors == [message]
    assert parsed.raw == {"birth__year": parts[0], "birth__month": parts[1], "birth__day": parts[2]}


def test_leap_day():
    assert make().parse(typed("2024", "2", "29")).value == "2024-02-29"


def test_past_and_future():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    today = dt.date.today()
    past = make(past=True)
    assert past.parse(typed(str(tomorrow.year), str(tomorrow.month), str(tomorrow.day))).errors == [
        "生年月日は今日か、それより前の日付を入力してください"]
    assert past.parse(typed(str(today.year), str(today.month), str(today.day))).errors == []
    future = make(future=True)
    assert future.parse(typed(str(yesterday.year), str(yesterday.month), str(yesterday.day))).errors == [
        "生年月日は今日か、それより後の日付を入力してください"]
    assert future.parse(typed(str(tomorrow.year), str(tomorrow.month), str(tomorrow.day))).errors == []


def test_min_max():
    field = make(min="2000-01-01", max="2000-12-31")
    assert field.parse(typed("1999", "12", "31")).errors == \
        ["生年月日は2000年1月1日（平成12年）以降の日付を入力してください"]
    assert field.parse(typed("2001", "1", "1")).errors == \
        ["生年月日は2000年12月31日（平成12年）以前の日付を入力してください"]
    assert field.parse(typed("2000", "6", "1")).errors == []


@pytest.mark.parametrize("iso, era", [
    ("1989-01-07", "昭和64年"), ("1989-01-08", "平成元年"), ("2019-04-30", "平成31年"), ("2019-05-01", "令和元年"),
    ("1926-12-24", "大正15年"), ("1926-12-25", "昭和元年"), ("1912-07-29", "明治45年"), ("1912-07-30", "大正元年"),
    ("1985-04-03", "昭和60年"), ("2024-01-01", "令和6年"),
])
def test_wareki_era_boundaries(iso, era):
    assert wareki(dt.date.fromisoformat(iso)) == era


def test_wareki_full():
    assert wareki_full(dt.date(2019, 5, 1)) == "令和元年5月1日"


def test_summary_japanese_and_english(in_lang):
    field = make()
    assert field.summary("1985-04-03") == "1985年4月3日（昭和60年）"
    assert field.summary(None) == ""
    with in_lang("en"):
        assert field.summary("1985-04-03") == "3 April 1985"
    assert format_date(dt.date(2019, 5, 1), "ja") == "2019年5月1日（令和元年）"


def test_export_and_raw_from_value():
    field = make()
    assert field.export("1985-04-03") == {"": "1985-04-03", "wareki": "昭和60年4月3日"}
    assert field.raw_from_value("1985-04-03") == {"birth__year": "1985", "birth__month": "4", "birth__day": "3"}
    assert field.raw_from_value(None) == {"birth__year": "", "birth__month": "", "birth__day": ""}


def test_wareki_for_raw():
    field = make()
    assert field.wareki_for_raw({"birth__year": "1985", "birth__month": "4", "birth__day": "3"}) == "昭和60年"
    assert field.wareki_for_raw({"birth__year": "1989", "birth__month": "1", "birth__day": "8"}) == "平成元年"
    assert field.wareki_for_raw({"birth__year": "1989"}) == "昭和64年・平成元年"
    assert field.wareki_for_raw({"birth__year": "19"}) == ""
    assert field.wareki_for_raw({}) == ""


def test_min_given_as_yaml_date_object():
    field = make(min=dt.date(2000, 1, 1))
    assert field.parse(typed("1999", "12", "31")).errors


@pytest.mark.parametrize("year", ["0000", "0001"])
def test_the_wareki_next_to_a_year_at_the_edge_of_the_calendar(year):
    """A page that redraws a typed year 0000 shows no 和暦 (there is none) instead of failing."""
    field = make()
    assert field.wareki_for_raw({"birth__year": year, "birth__month": "1", "birth__day": "1"}) == ""
    assert field.wareki_for_raw({"birth__year": year, "birth__month": "00", "birth__day": "00"}) == ""
    assert field.parse(typed(year, "1", "1")).errors
