"""Demo facilities for the demo municipalities; loading them twice changes nothing (keyed by municipality + slug).

Modelled on typical 公共施設 of an Aichi city — fee tables, 月曜休館 with the 祝日 rule, 抽選 for 土日祝 — but the
addresses, phone numbers and coordinates are plausible, not those of real facilities.
"""
from __future__ import annotations

import copy

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.booking.domain import config
from portal.booking.models import Facility, FacilityUnit
from portal.tenancy.models import Municipality

BOOKING_PROCEDURE = "facility-booking"

TENNIS_BANDS = [[f"{h:02d}:00", f"{h + 2:02d}:00"] for h in range(9, 21, 2)]   # 9–11 … 19–21
GYM_BANDS = [["09:00", "12:00"], ["13:00", "17:00"], ["18:00", "21:00"]]         # 午前・午後・夜間
HALL_BANDS = [["09:00", "12:00"], ["13:00", "17:00"], ["18:00", "22:00"]]
EVERY_DAY_9_21 = {str(d): ["09:00", "21:00"] for d in range(7)}
# 月曜休館（祝日の場合は開館し、翌平日休館）: Tuesday–Sunday, Monday missing.
CLOSED_MONDAY_9_21 = {str(d): ["09:00", "21:00"] for d in range(1, 7)}

# 7日前まで無料、以降50%、前日から不可 (on the day before, fewer than 2 days remain).
SPORTS_CANCELLATION = {"free_until_days_before": 7, "late_fee_percent": 50, "no_cancel_within_days": 2}
# Lottery on every 土日祝 slot, on the default calendar (apply 1st–10th two months before, draw on the 12th, …).
WEEKEND_LOTTERY = {"schedule": {}, "scope": {"day_types": ["holiday"]},
                   "policy": {"max_preferences": 3, "max_applications_per_person": 2, "win_cap_per_person": 2}}


def _prices(resident_weekday: int, resident_holiday: int, non_resident_factor: int = 2) -> dict:
    return {"resident_weekday": resident_weekday, "resident_holiday": resident_holiday,
            "non_resident_weekday": resident_weekday * non_resident_factor,
            "non_resident_holiday": resident_holiday * non_resident_factor}


def _courts(count: int) -> list[dict]:
    return [{"slug": f"court-{c}", "name": f"{c.upper()}面", "name_en": f"Court {c.upper()}", "capacity": 4}
            for c in "abcd"[:count]]


TENNIS_ACCESSIBILITY = ("多目的トイレ（管理棟）、車いす用駐車場2台、管理棟入口にスロープ。"
                        "コートへは段差のない通路で行けます。")
TENNIS_ACCESSIBILITY_EN = ("Accessible toilet in the clubhouse, 2 accessible parking spaces, ramp at the clubhouse; "
                           "step-free path to the courts.")

SPORTS_RULES = ("利用できるのは予約した時間だけです。準備と片付けも時間内に済ませてください。\n"
                "運動に適した靴で利用してください（屋内は上履き）。\n"
                "ごみは持ち帰ってください。\n"
                "雨天・降雪でコートが使えないときは、当日8時までに受付へ連絡すると使用料をお返しします。")
SPORTS_RULES_EN = ("Use the facility only during the booked time, setting up and clearing away included.\n"
                   "Wear sports shoes (clean indoor shoes inside).\n"
                   "Take your rubbish home.\n"
                   "If rain or snow makes the courts unusable, call the office by 8:00 on the day for a refund.")
ROOM_RULES = ("利用できるのは予約した時間だけです。机と椅子は元の配置に戻してください。\n"
              "営利目的の利用、物品の販売はできません。\n"
              "火気の使用と飲酒はできません。")
ROOM_RULES_EN = ("Use the room only during the booked time, and put the tables and chairs back as you found them.\n"
                 "No commercial use and no selling.\n"
                 "No open flames and no alcohol.")

DEMO_FACILITIES: dict[str, list[dict]] = {
    "ichinomiya": [
        {
            "slug": "shimin-tennis",
            "category": "tennis_court",
            "name": "市民テニスコート",
            "name_kana": "シミンテニスコート",
            "name_en": "Municipal Tennis Courts",
            "area": "北部",
            "area_en": "North",
            "postal_code": "491-0051",
            "address": "愛知県一宮市今伊勢町本神戸字立切1番地",
            "latitude": 35.3246,
            "longitude": 136.8071,
            "phone": "0586-45-3120",
            "description": "砂入り人工芝コート4面。全面夜間照明付きで21時まで利用できます。ラケット・"
                           "ボールの貸出はありません。",
            "description_en": "Four artificial-grass courts, floodlit until 21:00. No rackets or balls for hire.",
            "accessibility": TENNIS_ACCESSIBILITY,
            "accessibility_en": TENNIS_ACCESSIBILITY_EN,
            "opening_hours": {"weekly": EVERY_DAY_9_21},
            "slot_pattern": {"ranges": TENNIS_BANDS},
            "prices": {"default": _prices(600, 800)},
            "rules": {"max_days_ahead": 62, "min_notice_hours": 1, "max_slots_per_person_per_month": 8,
                      "resident_only": False, "hold_minutes": 30, "max_slots_per_booking": 2},
            "cancellation": SPORTS_CANCELLATION,
            "usage_rules": SPORTS_RULES,
            "usage_rules_en": SPORTS_RULES_EN,
            "lottery": WEEKEND_LOTTERY,
            "units": _courts(4),
        },
        {
            "slug": "sogo-taiikukan",
            "category": "sports_hall",
            "name": "総合体育館",
            "name_kana": "ソウゴウタイイクカン",
            "name_en": "General Gymnasium",
            "area": "東部",
            "area_en": "East",
            "postal_code": "491-0113",
            "address": "愛知県一宮市浅野字川東20番地",
            "latitude": 35.2957,
            "longitude": 136.8254,
            "phone": "0586-73-3100",
            "description": ("メインアリーナ（バスケットボール2面・バレーボール3面・バドミントン12面）を北半面・"
                            "南半面に分けて貸し出します。更衣室・シャワー室あり。"),
            "description_en": ("The main arena (2 basketball, 3 volleyball or 12 badminton courts) is let by the north "
                               "or south half. Changing rooms and showers."),
            "accessibility": ("多目的トイレ（1階・2階）、エレベーター、正面入口スロープ、車いす用駐車場4台、"
                              "観覧席に車いすスペース6席。"),
            "accessibility_en": ("Accessible toilets on both floors, lift, ramp at the main entrance, 4 accessible "
                                 "parking spaces, 6 wheelchair spaces in the stands."),
            "opening_hours": {"weekly": CLOSED_MONDAY_9_21, "holiday_moves_closed_day": True},
            "slot_pattern": {"ranges": GYM_BANDS},
            # 夜間 (from 18:00) costs more: lighting and air conditioning.
            "prices": {"default": _prices(1800, 2200), "by_start_time": {"18:00": _prices(2400, 2800)}},
            "rules": {"max_days_ahead": 62, "min_notice_hours": 24, "max_slots_per_person_per_month": 6,
                      "hold_minutes": 30, "max_slots_per_booking": 3},
            "cancellation": SPORTS_CANCELLATION,
            "usage_rules": SPORTS_RULES,
            "usage_rules_en": SPORTS_RULES_EN,
            "lottery": WEEKEND_LOTTERY,
            "units": [
                {"slug": "arena-north", "name": "アリーナ北半面", "name_en": "Arena, north half", "capacity": 150},
                {"slug": "arena-south", "name": "アリーナ南半面", "name_en": "Arena, south half", "capacity": 150},
            ],
        },
        {
            "slug": "chuo-kominkan",
            "category": "meeting_room",
            "name": "中央公民館 会議室",
            "name_kana": "チュウオウコウミンカン カイギシツ",
            "name_en": "Central Community Centre, Meeting Rooms",
            "area": "中央",
            "area_en": "Central",
            "postal_code": "491-0859",
            "address": "愛知県一宮市本町2丁目3番1号 本町ビル3階",
            "latitude": 35.3047,
            "longitude": 136.8003,
            "phone": "0586-24-1211",
            "description": "会議・講座・サークル活動に使える会議室2室と和室1室。1時間単位で予約できます。"
                           "プロジェクター貸出あり。",
            "description_en": ("Two meeting rooms and a tatami room for meetings, classes and clubs, bookable by "
                               "the hour. Projector available."),
            "accessibility": "多目的トイレ（3階）、エレベーター、1階入口スロープ。和室は靴を脱いで利用します。"
                             "駐車場は近隣の市営駐車場をご利用ください。",
            "accessibility_en": ("Accessible toilet on the 3rd floor, lift, ramp at the ground-floor entrance. "
                                 "Shoes off in the tatami room. Use the nearby municipal car park."),
            "opening_hours": {"weekly": EVERY_DAY_9_21, "holiday": ["09:00", "17:00"]},
            "slot_pattern": {"step_minutes": 60},
            "prices": {"default": _prices(400, 400)},
            "rules": {"max_days_ahead": 90, "min_notice_hours": 2, "max_slots_per_person_per_month": 20,
                      "group_required": False, "hold_minutes": 30, "max_slots_per_booking": 4},
            # 前日まで無料、当日は取消不可
            "cancellation": {"free_until_days_before": 1, "no_cancel_within_days": 1},
            "usage_rules": ROOM_RULES,
            "usage_rules_en": ROOM_RULES_EN,
            "lottery": None,
            "units": [
                {"slug": "room-1", "name": "第1会議室", "name_en": "Meeting Room 1", "capacity": 30},
                {"slug": "room-2", "name": "第2会議室", "name_en": "Meeting Room 2", "capacity": 18},
                {"slug": "washitsu", "name": "和室", "name_en": "Tatami Room", "capacity": 20},
            ],
        },
    ],
    "anjo": [
        {
            "slug": "sogo-undokoen-tennis",
            "category": "tennis_court",
            "name": "総合運動公園テニスコート",
            "name_kana": "ソウゴウウンドウコウエンテニスコート",
            "name_en": "Sports Park Tennis Courts",
            "area": "北部",
            "area_en": "North",
            "postal_code": "446-0053",
            "address": "愛知県安城市高棚町井池10番地",
            "latitude": 34.9836,
            "longitude": 137.0598,
            "phone": "0566-92-6700",
            "description": "ハードコート4面、夜間照明付き。公園内に無料駐車場があります。",
            "description_en": "Four floodlit hard courts. Free parking in the park.",
            "accessibility": TENNIS_ACCESSIBILITY,
            "accessibility_en": TENNIS_ACCESSIBILITY_EN,
            "opening_hours": {"weekly": EVERY_DAY_9_21},
            "slot_pattern": {"ranges": TENNIS_BANDS},
            "prices": {"default": _prices(500, 700)},
            "rules": {"max_days_ahead": 62, "min_notice_hours": 1, "max_slots_per_person_per_month": 8,
                      "hold_minutes": 30, "max_slots_per_booking": 2},
            "cancellation": SPORTS_CANCELLATION,
            "usage_rules": SPORTS_RULES,
            "usage_rules_en": SPORTS_RULES_EN,
            "lottery": WEEKEND_LOTTERY,
            "units": _courts(4),
        },
        {
            "slug": "shimin-kaikan",
            "category": "hall",
            "name": "市民会館",
            "name_kana": "シミンカイカン",
            "name_en": "Civic Hall",
            "area": "中央",
            "area_en": "Central",
            "postal_code": "446-0041",
            "address": "愛知県安城市桜町19番1号",
            "latitude": 34.9587,
            "longitude": 137.0803,
            "phone": "0566-76-1515",
            "description": "大ホール（1,000席）と小ホール（300席）。演奏会・講演会・発表会に。舞台・音響・"
                           "照明設備の使用料は別途。",
            "description_en": "Main hall (1,000 seats) and small hall (300 seats) for concerts, lectures and recitals. "
                              "Stage, sound and lighting equipment are charged separately.",
            "accessibility": "多目的トイレ（各階）、エレベーター、正面入口スロープ、車いす席（大ホール8席・"
                             "小ホール4席）、ヒアリングループ（大ホール）、車いす用駐車場6台。",
            "accessibility_en": ("Accessible toilets on every floor, lift, ramp at the main entrance, wheelchair "
                                 "spaces (8 main hall, 4 small hall), hearing loop in the main hall, 6 accessible "
                                 "parking spaces."),
            # 火曜休館（祝日の場合は開館し、翌平日休館）
            "opening_hours": {"weekly": {str(d): ["09:00", "22:00"] for d in (0, 2, 3, 4, 5, 6)},
                              "holiday_moves_closed_day": True},
            "slot_pattern": {"ranges": HALL_BANDS},
            # Residents only, so the non-resident columns never apply; the fee table still has all four.
            # Prices are per facility, so both halls share one table (the small hall would be cheaper in reality).
            "prices": {"default": _prices(15000, 18000, 1),
                       "by_start_time": {"13:00": _prices(22000, 26000, 1), "18:00": _prices(26000, 31000, 1)}},
            "rules": {"max_days_ahead": 365, "min_notice_hours": 72, "max_slots_per_person_per_month": 6,
                      "resident_only": True, "group_required": False, "hold_minutes": 60,
                      "max_slots_per_booking": 3},
            # 30日前まで無料、以降50%、7日前から不可
            "cancellation": {"free_until_days_before": 30, "late_fee_percent": 50, "no_cancel_within_days": 7},
            "usage_rules": ROOM_RULES,
            "usage_rules_en": ROOM_RULES_EN,
            "lottery": None,
            "units": [
                {"slug": "dai-hall", "name": "大ホール", "name_en": "Main Hall", "capacity": 1000},
                {"slug": "sho-hall", "name": "小ホール", "name_en": "Small Hall", "capacity": 300},
            ],
        },
    ],
}


def load_demo_facilities(session: Session) -> int:
    """Add the demo facilities that are missing (of the demo municipalities that exist); returns how many."""
    added = 0
    for municipality_slug, facilities in DEMO_FACILITIES.items():
        municipality = session.scalar(select(Municipality).where(Municipality.slug == municipality_slug))
        if municipality is None:
            continue
        for template in facilities:
            if session.scalar(select(Facility.id).where(Facility.municipality_id == municipality.id,
                                                        Facility.slug == template["slug"])) is not None:
                continue
            data = copy.deepcopy(template)   # the JSON columns must not share the module's dicts
            units = data.pop("units")
            config.check(data)
            facility = Facility(municipality_id=municipality.id, booking_procedure=BOOKING_PROCEDURE, **data)
            facility.units = [FacilityUnit(sort_order=i, **unit) for i, unit in enumerate(units)]
            session.add(facility)
            added += 1
    session.flush()
    return added
