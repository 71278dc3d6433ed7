"""Demo events for the demo municipalities; loading them twice changes nothing (keyed by municipality + slug).

Dates are relative to the moment of loading (``portal.clock.now()``, so ``PORTAL_NOW`` moves them too), rounded to
Tokyo days, so a fresh demo always has an event taking applications, one about to open and one closed:

- 一宮市: a 全3回 子育て講座 (lottery, 親子, 保護者・子ども prices), a スマホ教室 for 65歳以上 (first come, two dates,
  the second with 2 seats so the waiting list is quick to try), a free 防災訓練 with companions (opens in a few days);
- 安城市: a paid 料理教室 at 市民会館 (a demo facility, 大人・子ども prices), a free 七夕 event whose window has closed.
"""
from __future__ import annotations

import copy
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.events.models import Event, EventSession
from portal.tenancy.models import Municipality
from portal.timezone import TOKYO

PARENT_CHILD = [{"key": "parent", "label": "保護者", "label_en": "Parent", "price": 500},
                {"key": "child", "label": "子ども", "label_en": "Child", "price": 300}]
FREE_PERSON = [{"key": "adult", "label": "参加者", "label_en": "Participant", "price": 0}]
ADULT_CHILD = [{"key": "adult", "label": "大人", "label_en": "Adult", "price": 1200},
               {"key": "child", "label": "子ども（小学生）", "label_en": "Child (primary school)", "price": 600}]
FREE_FAMILY = [{"key": "adult", "label": "大人", "label_en": "Adult", "price": 0},
               {"key": "child", "label": "子ども", "label_en": "Child", "price": 0}]


def _at(today: date, days: int, hour: int, minute: int = 0) -> datetime:
    """``days`` after ``today`` at hour:minute in Tokyo."""
    return datetime.combine(today + timedelta(days=days), time(hour, minute), TOKYO)


def _sessions(today: date, days: list[int], hours: tuple[int, int], capacities: list[int]) -> list[dict]:
    return [{"starts_at": _at(today, d, hours[0]), "ends_at": _at(today, d, hours[1]), "capacity": c}
            for d, c in zip(days, capacities, strict=True)]


def demo_events(today: date) -> dict[str, list[dict]]:
    """The demo events of each municipality, their dates counted from ``today`` (a Tokyo day)."""
    return {
        "ichinomiya": [
            {
                "slug": "kosodate-koza",
                "title": "親子で楽しむ子育て講座（全3回）",
                "title_kana": "オヤコデタノシムコソダテコウザ",
                "title_en": "Parenting course for parents and toddlers (3 sessions)",
                "description": ("1歳から3歳のお子さんと保護者の方を対象にした全3回の講座です。\n"
                                "第1回 ふれあい遊び、第2回 絵本の読み聞かせ、第3回 子どもの食事とおやつ。\n"
                                "保育士と栄養士がお話しします。3回とも参加できる方が対象です。"),
                "description_en": ("A three-session course for parents with children aged 1 to 3: play, picture books, "
                                   "and meals and snacks. Apply only if you can come to all three."),
                "category": "childcare", "target_tags": ["parents_children"],
                "department": "子育て支援課", "contact": "子育て支援課 0586-28-9131",
                "venue_name": "中央子育て支援センター", "venue_address": "愛知県一宮市本町2丁目5番6号",
                "latitude": 35.3034, "longitude": 136.8031,
                "accessibility": "ベビーカーのまま入れます。授乳室・おむつ交換台あり。",
                "what_to_bring": "飲み物、タオル、動きやすい服装",
                "audience": "residents", "session_mode": "series", "participant_types": PARENT_CHILD,
                "max_party": 3, "allocation": "lottery", "waitlist": True, "procedure_key": "event-kosodate",
                "opens": (-3, 9), "closes": (4, 17),
                "sessions": _sessions(today, [14, 21, 28], (10, 12), [12, 12, 12]),
            },
            {
                "slug": "smartphone-kyoshitsu",
                "title": "はじめてのスマホ教室（65歳以上）",
                "title_kana": "ハジメテノスマホキョウシツ",
                "title_en": "Smartphone class for beginners (aged 65 and over)",
                "description": ("電話のかけ方、写真の撮り方、LINEでのやりとり、マイナンバーカードでのログインまで、"
                                "講師と一緒にゆっくり学びます。\nどちらか1日を選んでください。スマホの貸出もあります。"),
                "description_en": ("Calls, photos, messaging and signing in with your My Number Card, at an easy pace. "
                                   "Choose one of the two dates; smartphones can be borrowed."),
                "category": "ict", "target_tags": ["elderly"],
                "department": "高年福祉課", "contact": "高年福祉課 0586-28-9020",
                "venue_name": "一宮市役所 本庁舎 会議室", "venue_address": "愛知県一宮市本町2丁目5番6号",
                "latitude": 35.3034, "longitude": 136.8031,
                "accessibility": "エレベーターあり。車いすのまま参加できます。",
                "what_to_bring": "お持ちのスマートフォン（ない方は貸出します）",
                "audience": "signed_in", "eligibility": [{"kind": "age", "minimum": 65, "subject": "applicant"}],
                "session_mode": "choice", "participant_types": FREE_PERSON, "max_party": 1,
                "allocation": "first_come", "waitlist": True, "offer_hold_hours": 24,
                "procedure_key": "event-application",
                "opens": (-7, 9), "closes": (9, 17),
                "sessions": _sessions(today, [10, 12], (13, 15), [10, 2]),
            },
            {
                "slug": "bosai-kunren",
                "title": "地域の防災訓練",
                "title_kana": "チイキノボウサイクンレン",
                "title_en": "Neighbourhood disaster drill",
                "description": ("消火器の使い方、起震車での地震体験、非常食の試食を行います。ご家族・ご近所の方と"
                                "一緒にどうぞ（1件の申込で5人まで）。"),
                "description_en": ("Fire extinguishers, an earthquake simulator and emergency food tasting. Come with "
                                   "family and neighbours (up to 5 people per application)."),
                "category": "disaster", "target_tags": ["adults", "parents_children"],
                "department": "危機管理課", "contact": "危機管理課 0586-28-8968",
                "venue_name": "大和町公園", "venue_address": "愛知県一宮市大和町妙興寺",
                "latitude": 35.2958, "longitude": 136.8190,
                "accessibility": "会場は平らな芝生と舗装路です。多目的トイレあり。",
                "what_to_bring": "帽子、飲み物",
                "audience": "anyone", "session_mode": "single", "participant_types": FREE_FAMILY,
                "max_party": 5, "allocation": "first_come", "waitlist": False,
                "procedure_key": "event-application",
                "opens": (5, 9), "closes": (25, 17),
                "sessions": _sessions(today, [30], (9, 12), [200]),
            },
        ],
        "anjo": [
            {
                "slug": "ryori-kyoshitsu",
                "title": "親子料理教室 季節の和食",
                "title_kana": "オヤコリョウリキョウシツ",
                "title_en": "Cooking class: seasonal Japanese dishes",
                "description": "管理栄養士と一緒に季節の和食を作ります。大人だけの参加もできます。",
                "description_en": "Cook seasonal Japanese dishes with a dietitian. Adults may come on their own.",
                "category": "course", "target_tags": ["adults", "parents_children"],
                "department": "健康推進課", "contact": "健康推進課 0566-76-1133",
                "facility": "shimin-kaikan",
                "accessibility": "エレベーターあり。調理台の高さを変えられる席があります（申込時にお知らせください）。",
                "what_to_bring": "エプロン、三角巾、ふきん2枚",
                "audience": "signed_in", "session_mode": "single", "participant_types": ADULT_CHILD,
                "max_party": 4, "allocation": "first_come", "waitlist": True,
                "procedure_key": "event-application",
                "opens": (-5, 9), "closes": (12, 17),
                "sessions": _sessions(today, [16], (10, 13), [16]),
            },
            {
                "slug": "tanabata",
                "title": "七夕飾りづくり",
                "title_kana": "タナバタカザリヅクリ",
                "title_en": "Make Tanabata decorations",
                "description": "笹に飾る七夕飾りを作ります。作った飾りは会場の笹に飾ります。",
                "description_en": "Make decorations for the Tanabata bamboo; they hang at the venue afterwards.",
                "category": "culture", "target_tags": ["children", "parents_children"],
                "department": "文化振興課", "contact": "文化振興課 0566-71-2249",
                "venue_name": "安城七夕まつり会場（市民交流センター）", "venue_address": "愛知県安城市御幸本町12番1号",
                "latitude": 34.9560, "longitude": 137.0830,
                "what_to_bring": "はさみ、のり",
                "audience": "anyone", "session_mode": "single", "participant_types": FREE_FAMILY,
                "max_party": 4, "allocation": "first_come", "waitlist": False,
                "procedure_key": "event-application",
                "opens": (-20, 9), "closes": (-1, 17),
                "sessions": _sessions(today, [3], (13, 15), [40]),
            },
        ],
    }


def load_demo_events(session: Session, now: datetime) -> int:
    """Add the demo events that are missing (of the demo municipalities that exist), published; returns how many."""
    from portal.booking.models import Facility

    today = now.astimezone(TOKYO).date()
    added = 0
    for municipality_slug, events in demo_events(today).items():
        municipality = session.scalar(select(Municipality).where(Municipality.slug == municipality_slug))
        if municipality is None:
            continue
        for template in events:
            if session.scalar(select(Event.id).where(Event.municipality_id == municipality.id,
                                                     Event.slug == template["slug"])) is not None:
                continue
            data = copy.deepcopy(template)   # the JSON columns must not share the module's lists
            sessions = data.pop("sessions")
            opens, closes = data.pop("opens"), data.pop("closes")
            facility_slug = data.pop("facility", None)
            if facility_slug:
                facility = session.scalar(select(Facility).where(Facility.municipality_id == municipality.id,
                                                                 Facility.slug == facility_slug))
                data["facility_id"] = facility.id if facility is not None else None
                if facility is not None:
                    data["venue_name"], data["venue_address"] = facility.name, facility.address
            event = Event(municipality_id=municipality.id, status="published", opens_at=_at(today, *opens),
                          closes_at=_at(today, *closes), **data)
            event.sessions = [EventSession(**s) for s in sessions]
            session.add(event)
            added += 1
    session.flush()
    return added
