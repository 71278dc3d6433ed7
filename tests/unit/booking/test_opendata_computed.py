"""The open-data values derived from a facility: weekdays, hours, notes, address parts, page and photo URLs."""
from __future__ import annotations

import pytest

from portal.booking.opendata.computed import (
    AddressParts,
    absolute_url,
    availability_notes,
    available_weekdays,
    closing_time,
    facility_page_url,
    opening_time,
    split_address,
)

NINE_TO_NINE = ["09:00", "21:00"]


def hours(days, band=NINE_TO_NINE, **extra) -> dict:
    return {"weekly": {str(d): band for d in days}, **extra}


@pytest.mark.parametrize("days, expected", [
    (range(7), "月火水木金土日"),
    (range(1, 7), "火水木金土日"),          # 月曜休館
    ([0, 2, 3, 4, 5, 6], "月水木金土日"),   # 火曜休館
    ([0, 1, 2, 3, 4], "月火水木金"),        # 平日のみ
    ([6, 5, 0], "月土日"),                  # stored order does not matter
])
def test_available_weekdays_are_the_week_minus_closed_days(days, expected):
    assert available_weekdays(hours(days)) == expected


def test_closed_days_moved_by_a_holiday_still_count_as_closed_weekdays():
    assert available_weekdays(hours(range(1, 7), holiday_moves_closed_day=True)) == "火水木金土日"


def test_start_and_end_are_the_envelope_of_every_days_hours():
    data = {"weekly": {"0": ["09:00", "17:00"], "5": ["08:30", "12:00"], "6": ["10:00", "21:30"]}}
    assert (opening_time(data), closing_time(data)) == ("08:30", "21:30")
    # holiday hours belong to the envelope too
    assert closing_time({"weekly": {"0": ["09:00", "17:00"]}, "holiday": ["09:00", "19:00"]}) == "19:00"


def test_notes_say_only_what_the_hour_columns_cannot():
    assert availability_notes(hours(range(7))) == "年末年始（12月29日〜1月3日）休館。"
    data = {"weekly": {"1": NINE_TO_NINE, "2": NINE_TO_NINE, "3": NINE_TO_NINE, "4": NINE_TO_NINE,
                       "5": ["09:00", "17:00"], "6": ["09:00", "17:00"]},
            "holiday": ["09:00", "17:00"], "holiday_moves_closed_day": True}
    assert availability_notes(data) == (
        "土・日曜日は09:00〜17:00。祝日は09:00〜17:00。月曜日休館（祝日の場合は開館し、翌平日休館）。"
        "年末年始（12月29日〜1月3日）休館。")
    assert availability_notes(hours([0, 1, 2, 3, 4])) == "土・日曜日休館。年末年始（12月29日〜1月3日）休館。"


@pytest.mark.parametrize("address, parts", [
    ("愛知県一宮市本町2丁目5番6号", AddressParts("愛知県", "一宮市", "本町", "2丁目5番6号", "")),
    ("一宮市本町2丁目5番6号", AddressParts("愛知県", "一宮市", "本町", "2丁目5番6号", "")),
    ("本町2丁目5番6号", AddressParts("愛知県", "一宮市", "本町", "2丁目5番6号", "")),
    ("愛知県一宮市本町２丁目５番６号\u3000本町ビル　3階",
     AddressParts("愛知県", "一宮市", "本町", "２丁目５番６号", "本町ビル 3階")),
    ("愛知県一宮市浅野字川東20番地 ", AddressParts("愛知県", "一宮市", "浅野字川東", "20番地", "")),
    ("愛知県一宮市木曽川町黒田字北宿二の切", AddressParts("愛知県", "一宮市", "木曽川町黒田字北宿二の切", "", "")),
])
def test_addresses_split_into_town_and_number_at_the_first_digit(address, parts):
    assert split_address(address, "愛知県", "一宮市") == parts


def test_joined_address_keeps_the_building_and_the_line_drops_it():
    parts = split_address("一宮市本町2丁目5番6号 本町ビル3階", "愛知県", "一宮市")
    assert parts.joined == "愛知県一宮市本町2丁目5番6号 本町ビル3階"
    assert parts.line == "愛知県一宮市本町2丁目5番6号"
    assert split_address("愛知県安城市桜町18番23号", "愛知県", "安城市").joined == "愛知県安城市桜町18番23号"


def test_page_url_is_under_the_public_url():
    assert facility_page_url("https://portal.example.jp/", "anjo", "shimin-kaikan") == \
        "https://portal.example.jp/anjo/facilities/shimin-kaikan"


def test_an_uploaded_photos_path_becomes_a_full_address_and_a_full_one_stays():
    digest = "a" * 64
    assert absolute_url("https://portal.example.jp/", f"/anjo/facility-photos/{digest}.jpg") == \
        f"https://portal.example.jp/anjo/facility-photos/{digest}.jpg"
    assert absolute_url("https://portal.example.jp", "https://cdn.example.jp/kita.jpg") == "https://cdn.example.jp/kita.jpg"
    assert absolute_url("https://portal.example.jp", "//evil.example/x.jpg") == "//evil.example/x.jpg"
    assert absolute_url("https://portal.example.jp", "") == ""
