"""イベント一覧 (自治体標準オープンデータセット) of a municipality's published events, as CSV (UTF-8 with BOM, CRLF)
and JSON with the same values.

Which columns, in which order, and where each value comes from is data (:data:`COLUMNS`), as for the booking's
公共施設一覧: ``source`` an Event attribute, ``municipality`` a Municipality attribute, ``computed`` one of
:data:`COMPUTATIONS`, ``value`` a constant (``{}`` an always empty column). A new revision of the standard is a
new list, not new code. One row per event: a series or several dates give 開始日 (first) to 終了日 (last), and
開始日時特記事項 names every date.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal import excel_csv
from portal.events.models import Event, EventSession
from portal.tenancy.models import Municipality
from portal.timezone import TOKYO

FILE_NAME = "event"
TITLE = "イベント一覧"

COLUMNS: tuple[dict, ...] = (
    {"column": "都道府県コード又は市区町村コード", "municipality": "code"},
    {"column": "NO", "computed": "row_number"},
    {"column": "都道府県名", "municipality": "prefecture"},
    {"column": "市区町村名", "municipality": "name"},
    {"column": "イベント名", "source": "title"},
    {"column": "イベント名_カナ", "source": "title_kana"},
    {"column": "イベント名_英字", "source": "title_en"},
    {"column": "開始日", "computed": "start_date"},
    {"column": "終了日", "computed": "end_date"},
    {"column": "開始時間", "computed": "start_time"},
    {"column": "終了時間", "computed": "end_time"},
    {"column": "開始日時特記事項", "computed": "session_notes"},
    {"column": "説明", "source": "description"},
    {"column": "料金(基本)", "computed": "fee_basic"},
    {"column": "料金(詳細)", "computed": "fee_detail"},
    {"column": "定員", "computed": "capacity"},
    {"column": "対象者", "computed": "audience"},
    {"column": "連絡先名称", "source": "department"},
    {"column": "連絡先電話番号", "computed": "contact_phone"},
    {"column": "主催者", "computed": "organiser"},
    {"column": "場所名称", "computed": "venue_name"},
    {"column": "所在地_全国地方公共団体コード", "municipality": "code"},
    {"column": "住所", "computed": "venue_address"},
    {"column": "方書"},
    {"column": "緯度", "computed": "latitude"},
    {"column": "経度", "computed": "longitude"},
    {"column": "URL", "computed": "page_url"},
    {"column": "参加申込開始日", "computed": "opens_date"},
    {"column": "参加申込終了日", "computed": "closes_date"},
    {"column": "参加申込終了時間", "computed": "closes_time"},
    {"column": "参加申込方法", "computed": "how_to_apply"},
    {"column": "備考", "computed": "notes"},
)

#: Event attributes a dataset may publish (never the registrations, eligibility rules or internal settings)
EVENT_SOURCES = frozenset({"slug", "title", "title_kana", "title_en", "description", "description_en", "category",
                           "department", "contact", "accessibility", "what_to_bring"})
MUNICIPALITY_SOURCES = frozenset({"code", "name", "name_en", "prefecture"})

CATEGORY_JA = {"course": "講座・教室", "childcare": "子育て", "health": "健康・福祉", "sports": "スポーツ",
               "culture": "文化", "disaster": "防災", "ict": "ICT", "other": "その他"}
TARGET_JA = {"children": "子ども", "parents_children": "親子", "elderly": "高齢者", "adults": "大人"}
AUDIENCE_JA = {"anyone": "どなたでも", "signed_in": "マイナンバーカードでログインした方",
               "residents": "市内在住の方"}
_PHONE = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}")


@dataclass(frozen=True)
class RowContext:
    number: int
    event: Event
    municipality: Municipality
    public_url: str
    facility: object | None = None

    @property
    def sessions(self) -> list[EventSession]:
        return [s for s in self.event.sessions if s.status == "open"] or list(self.event.sessions)


def _local(value):
    return value.astimezone(TOKYO)


def _first(r: RowContext, attribute: str, fmt: str) -> str:
    sessions = r.sessions
    if not sessions:
        return ""
    return _local(getattr(sessions[0], attribute)).strftime(fmt)


def _session_notes(r: RowContext) -> str:
    sessions = r.sessions
    if len(sessions) < 2:
        return ""
    days = "、".join(f"{_local(s.starts_at):%Y-%m-%d %H:%M}〜{_local(s.ends_at):%H:%M}" for s in sessions)
    if r.event.session_mode == "series":
        return f"全{len(sessions)}回（{days}）"
    return f"次のいずれか1回（{days}）"


def _prices(r: RowContext) -> list[tuple[str, int]]:
    return [(t.get("label", ""), int(t.get("price") or 0)) for t in r.event.participant_types or []]


def _fee_basic(r: RowContext) -> str:
    paying = sorted(p for _label, p in _prices(r) if p > 0)
    if not paying:
        return "無料"
    return f"{paying[0]}円" + ("〜" if len({p for _l, p in _prices(r)}) > 1 else "")


def _fee_detail(r: RowContext) -> str:
    prices = _prices(r)
    if len(prices) < 2 and all(p == 0 for _label, p in prices):
        return ""
    return "、".join(f"{label}{price}円" if price else f"{label}無料" for label, price in prices)


def _capacity(r: RowContext) -> str:
    sessions = r.sessions
    if not sessions:
        return ""
    if r.event.session_mode == "choice" and len(sessions) > 1:
        return str(sum(s.capacity for s in sessions))
    return str(min(s.capacity for s in sessions))


def _audience(r: RowContext) -> str:
    parts = [TARGET_JA[t] for t in r.event.target_tags or [] if t in TARGET_JA]
    for rule in r.event.eligibility or []:
        if not isinstance(rule, dict):
            continue
        if rule.get("kind") == "age" and rule.get("minimum") is not None and rule.get("maximum") is None:
            parts.append(f"{rule['minimum']}歳以上")
        elif rule.get("kind") == "age" and rule.get("maximum") is not None:
            parts.append(f"{rule.get('minimum') or 0}〜{rule['maximum']}歳")
        elif rule.get("kind") == "grade" and (rule.get("first"), rule.get("last")) == (1, 6):
            parts.append("小学生")
    parts.append(AUDIENCE_JA.get(r.event.audience, ""))
    return "・".join(p for p in parts if p)


def _venue_name(r: RowContext) -> str:
    return r.facility.name if r.facility is not None else r.event.venue_name


def _venue_address(r: RowContext) -> str:
    return r.facility.address if r.facility is not None else r.event.venue_address


def _coordinate(r: RowContext, name: str) -> str:
    value = getattr(r.facility, name, None) if r.facility is not None else None
    if value is None:
        value = getattr(r.event, name)
    return "" if value is None else f"{value:.6f}"


def _page_url(r: RowContext) -> str:
    return f"{r.public_url.rstrip('/')}/{r.municipality.slug}/events/{r.event.slug}"


def _how_to_apply(r: RowContext) -> str:
    way = "申込多数の場合は抽選" if r.event.allocation == "lottery" else "先着順"
    return f"オンライン申込（{way}）：{_page_url(r)}"


def _notes(r: RowContext) -> str:
    notes = [f"分類：{CATEGORY_JA.get(r.event.category, r.event.category)}"]
    if r.event.what_to_bring:
        notes.append(f"持ち物：{r.event.what_to_bring}")
    if r.event.accessibility:
        notes.append(f"バリアフリー：{r.event.accessibility}")
    return "。".join(notes)


COMPUTATIONS: dict[str, Callable[[RowContext], str]] = {
    "row_number": lambda r: str(r.number),
    "start_date": lambda r: _first(r, "starts_at", "%Y-%m-%d"),
    "end_date": lambda r: _local(r.sessions[-1].ends_at).strftime("%Y-%m-%d") if r.sessions else "",
    "start_time": lambda r: _first(r, "starts_at", "%H:%M"),
    "end_time": lambda r: _first(r, "ends_at", "%H:%M"),
    "session_notes": _session_notes,
    "fee_basic": _fee_basic,
    "fee_detail": _fee_detail,
    "capacity": _capacity,
    "audience": _audience,
    "contact_phone": lambda r: (m.group(0) if (m := _PHONE.search(r.event.contact or "")) else ""),
    "organiser": lambda r: f"{r.municipality.name}{r.event.department}",
    "venue_name": _venue_name,
    "venue_address": _venue_address,
    "latitude": lambda r: _coordinate(r, "latitude"),
    "longitude": lambda r: _coordinate(r, "longitude"),
    "page_url": _page_url,
    "opens_date": lambda r: _local(r.event.opens_at).strftime("%Y-%m-%d"),
    "closes_date": lambda r: _local(r.event.closes_at).strftime("%Y-%m-%d"),
    "closes_time": lambda r: _local(r.event.closes_at).strftime("%H:%M"),
    "how_to_apply": _how_to_apply,
    "notes": _notes,
}


def check_columns(columns=COLUMNS) -> None:
    """Every column names one known source (ValueError naming the column otherwise); run by the tests."""
    for entry in columns:
        kinds = [k for k in ("source", "municipality", "computed", "value") if k in entry]
        if len(kinds) > 1:
            raise ValueError(f"「{entry['column']}」: give only one of {kinds}")
        if "source" in entry and entry["source"] not in EVENT_SOURCES:
            raise ValueError(f"「{entry['column']}」: unknown event attribute {entry['source']!r}")
        if "municipality" in entry and entry["municipality"] not in MUNICIPALITY_SOURCES:
            raise ValueError(f"「{entry['column']}」: unknown municipality attribute {entry['municipality']!r}")
        if "computed" in entry and entry["computed"] not in COMPUTATIONS:
            raise ValueError(f"「{entry['column']}」: unknown computed value {entry['computed']!r}")


def header(columns=COLUMNS) -> list[str]:
    return [c["column"] for c in columns]


def _value(entry: dict, r: RowContext) -> str:
    if "computed" in entry:
        return COMPUTATIONS[entry["computed"]](r)
    if "source" in entry:
        value = getattr(r.event, entry["source"])
    elif "municipality" in entry:
        value = getattr(r.municipality, entry["municipality"])
    else:
        value = entry.get("value", "")
    return "" if value is None else str(value)


def published_events(dbs: Session, municipality: Municipality) -> list[Event]:
    # By id: an event keeps its NO from one export to the next.
    return list(dbs.scalars(select(Event).where(Event.municipality_id == municipality.id,
                                                Event.status == "published")
                            .order_by(Event.id).options(selectinload(Event.sessions))))


def event_rows(dbs: Session, municipality: Municipality, public_url: str, columns=COLUMNS) -> list[dict[str, str]]:
    """One dict per published event, keys in column order, every value a string ("" when unknown)."""
    from portal.events.listing import facilities_of

    events = published_events(dbs, municipality)
    facilities = facilities_of(dbs, events)
    return [{c["column"]: _value(c, RowContext(n, e, municipality, public_url, facilities.get(e.facility_id)))
             for c in columns} for n, e in enumerate(events, 1)]


def to_csv(rows: list[dict[str, str]], columns=COLUMNS) -> Iterator[str]:
    names = header(columns)
    return excel_csv.chunks(names, ([row[name] for name in names] for row in rows))


def to_json(rows: list[dict[str, str]]) -> str:
    # Not flask.jsonify: it sorts keys, and the column order is part of the dataset.
    return json.dumps(rows, ensure_ascii=False, indent=1)
