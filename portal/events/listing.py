"""Finding events: the filters of the list and month calendar, parsed from what a visitor may type into a URL, the
query of a municipality's published events, and what each card says (dates, fee, 対象, window, seat badge).

Every filter value outside its known set is ignored (a hand-edited URL shows the unfiltered list, never an
error); dates go through :mod:`portal.params`, so 0001-01-01 or 9999-12 mean "no date". One query for the events
and one for their sessions (``selectinload``), whatever the number of cards: no query per card.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import String, cast, exists, func, select
from sqlalchemy.orm import Session, selectinload

from portal.events.domain import capacity
from portal.events.models import Event, EventSession
from portal.params import MAX_YEAR, MIN_YEAR, parse_date, parse_int, parse_month
from portal.timezone import TOKYO

CATEGORY_LABELS = {
    "course": _l("講座・教室"),
    "childcare": _l("子育て"),
    "health": _l("健康・福祉"),
    "sports": _l("スポーツ"),
    "culture": _l("文化"),
    "disaster": _l("防災"),
    "ict": _l("ICT"),
    "other": _l("その他"),
}
TARGET_LABELS = {
    "children": _l("子ども"),
    "parents_children": _l("親子"),
    "elderly": _l("高齢者"),
    "adults": _l("大人"),
}
FEE_LABELS = {"free": _l("無料"), "paid": _l("有料")}
#: the ``state`` filter
STATE_LABELS = {
    "available": _l("空きあり"),
    "lottery": _l("抽選"),
    "upcoming": _l("受付前"),
    "closed": _l("締切"),
}
ALLOCATION_LABELS = {"first_come": _l("先着順"), "lottery": _l("抽選")}
#: the application window
WINDOW_LABELS = {"upcoming": _l("受付前"), "open": _l("受付中"), "closed": _l("締切")}
BADGE_LABELS = {
    capacity.AVAILABLE: _l("空きあり"),
    capacity.FEW_LEFT: _l("残りわずか"),
    capacity.FULL_WAITLIST: _l("満席 — キャンセル待ち可"),
    capacity.FULL: _l("満席"),
}
#: how good a badge is, to pick the best session of a choice and the worst of a series
_BADGE_RANK = {capacity.AVAILABLE: 3, capacity.FEW_LEFT: 2, capacity.FULL_WAITLIST: 1, capacity.FULL: 0}

PAGE_SIZE = 20
WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Filters:
    category: str = ""
    target: str = ""
    fee: str = ""
    state: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def args(self, **changes) -> dict[str, str]:
        """The query string of these filters (for links: pages, the calendar, removing one filter)."""
        f = replace(self, **changes)
        found = {"category": f.category, "target": f.target, "fee": f.fee, "state": f.state,
                 "from": f.date_from.isoformat() if f.date_from else "",
                 "to": f.date_to.isoformat() if f.date_to else "",
                 "page": str(f.page) if f.page > 1 else ""}
        return {k: v for k, v in found.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.category or self.target or self.fee or self.state or self.date_from or self.date_to)


def _known(value: str | None, labels: Mapping) -> str:
    return value if value in labels else ""


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The filters of a query string; an unknown or hostile value is the same as no value."""
    date_from, date_to = parse_date(args.get("from")), parse_date(args.get("to"))
    if date_from and date_to and date_to < date_from:
        date_from, date_to = date_to, date_from
    return Filters(category=_known(args.get("category"), CATEGORY_LABELS),
                   target=_known(args.get("target"), TARGET_LABELS),
                   fee=_known(args.get("fee"), FEE_LABELS),
                   state=_known(args.get("state"), STATE_LABELS),
                   date_from=date_from, date_to=date_to,
                   page=parse_int(args.get("page"), 1, 10_000) or 1)


def parse_calendar_month(text: str | None, today: date) -> date:
    """The first day of ``month=YYYY-MM``, this month when missing or out of range."""
    found = parse_month(text)
    return date(*found, 1) if found else today.replace(day=1)


def add_months(first: date, months: int) -> date | None:
    """The first day of the month ``months`` away, None beyond the calendar :mod:`portal.params` accepts."""
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, 1) if MIN_YEAR <= year <= MAX_YEAR else None


def tokyo_start(day: date) -> datetime:
    return datetime.combine(day, time(0), TOKYO)


def window_state(event: Event, now: datetime) -> str:
    if now < event.opens_at:
        return "upcoming"
    if now >= event.closes_at:
        return "closed"
    return "open"


def fee_range(event: Event) -> tuple[int, int]:
    prices = [int(t.get("price") or 0) for t in event.participant_types or []] or [0]
    return min(prices), max(prices)


def is_free(event: Event) -> bool:
    return fee_range(event)[1] == 0


def fee_text(event: Event, yen) -> str:
    """無料, 1,200円, or 600円〜 (the lowest price that is not free, 〜 when other prices differ)."""
    prices = sorted({int(t.get("price") or 0) for t in event.participant_types or []} or {0})
    paying = [p for p in prices if p > 0]
    if not paying:
        return str(_l("無料"))
    return yen(paying[0]) + ("〜" if len(prices) > 1 else "")


def session_badge(event: Event, session: EventSession, now: datetime) -> str:
    waitlist_open = event.waitlist and window_state(event, now) != "closed"
    return capacity.availability(capacity=session.capacity, taken=session.taken, waitlist_open=waitlist_open)


def open_sessions(event: Event) -> list[EventSession]:
    return [s for s in event.sessions if s.status == "open"]


def seat_badge(event: Event, now: datetime) -> str | None:
    """The card's badge: a series needs a seat on every session (the worst decides), a choice any (the best);
    None when no session is left to apply for."""
    coming = [s for s in open_sessions(event) if s.ends_at > now]
    if not coming:
        return None
    badges = [session_badge(event, s, now) for s in coming]
    pick = min if event.session_mode == "series" else max
    return pick(badges, key=_BADGE_RANK.__getitem__)


def remaining_seats(event: Event, session: EventSession) -> int:
    return capacity.remaining(capacity=session.capacity, taken=session.taken)


def event_title(event: Event, lang: str) -> str:
    return event.title_en if lang == "en" and event.title_en else event.title


def event_description(event: Event, lang: str) -> str:
    return event.description_en if lang == "en" and event.description_en else event.description


def local_day_text(day: date, lang: str) -> str:
    """「12月20日（日）」 / "Sun 20 Dec"."""
    if lang == "en":
        return f"{WEEKDAYS_EN[day.weekday()]} {day:%-d %b}"
    return f"{day:%-m月%-d日}（{WEEKDAYS_JA[day.weekday()]}）"


def session_text(session: EventSession, lang: str, *, year: bool = False) -> str:
    """「2026年12月20日（日）10:00〜12:00」 (the year only where asked) / "Sun 20 Dec 2026 10:00–12:00"."""
    start, end = session.starts_at.astimezone(TOKYO), session.ends_at.astimezone(TOKYO)
    day = local_day_text(start.date(), lang)
    if year:
        day = f"{day} {start.year}" if lang == "en" else f"{start.year}年{day}"
    dash = "–" if lang == "en" else "〜"
    if start.date() != end.date():
        return f"{day} {start:%H:%M}{dash}{local_day_text(end.date(), lang)} {end:%H:%M}"
    return f"{day} {start:%H:%M}{dash}{end:%H:%M}"


def dates_text(event: Event, lang: str, this_year: int | None = None) -> str:
    """What the card says for when: the one session, 「全3回 12月6日（日）〜12月20日（日）」 for a series, or the
    alternative dates 「12月6日（日）〜12月8日（火）（2日程から選択）」; with the year when it is not ``this_year``."""
    sessions = open_sessions(event) or list(event.sessions)
    if not sessions:
        return ""
    year = this_year is not None and any(s.starts_at.astimezone(TOKYO).year != this_year for s in sessions)
    if len(sessions) == 1:
        return session_text(sessions[0], lang, year=year)
    first_day, last_day = (s.starts_at.astimezone(TOKYO).date() for s in (sessions[0], sessions[-1]))
    first, last = local_day_text(first_day, lang), local_day_text(last_day, lang)
    if year:
        first = f"{first} {first_day.year}" if lang == "en" else f"{first_day.year}年{first}"
        last = f"{last} {last_day.year}" if lang == "en" else f"{last_day.year}年{last}"
    if event.session_mode == "series":
        return _("全%(n)s回 %(first)s〜%(last)s", n=len(sessions), first=first, last=last)
    return _("%(first)s〜%(last)s（%(n)s日程から選択）", n=len(sessions), first=first, last=last)


def venue_name(event: Event, facilities: Mapping[int, object], lang: str) -> str:
    facility = facilities.get(event.facility_id) if event.facility_id else None
    if facility is not None:
        return facility.display_name(lang)
    return event.venue_name


@dataclass(frozen=True)
class Card:
    event: Event
    title: str
    dates: str
    venue: str
    targets: list[str]
    category: str
    fee: str
    allocation: str
    window: str
    window_label: str
    badge: str | None
    badge_label: str


def card(event: Event, now: datetime, lang: str, facilities: Mapping[int, object], yen) -> Card:
    window = window_state(event, now)
    badge = seat_badge(event, now)
    if event.allocation == "lottery" and window != "closed":
        badge, badge_label = "lottery", str(_l("申込多数の場合は抽選"))
    elif window == "closed" and badge is not None:
        # seats left after the close are no one's to take: only the waiting list's offers move them
        badge, badge_label = "closed", str(_l("受付終了"))
    else:
        badge_label = str(BADGE_LABELS[badge]) if badge else str(_l("終了"))
    dates = dates_text(event, lang, now.astimezone(TOKYO).year)
    return Card(event=event, title=event_title(event, lang), dates=dates,
                venue=venue_name(event, facilities, lang),
                targets=[str(TARGET_LABELS[t]) for t in event.target_tags or [] if t in TARGET_LABELS],
                category=str(CATEGORY_LABELS.get(event.category, event.category)), fee=fee_text(event, yen),
                allocation=str(ALLOCATION_LABELS.get(event.allocation, event.allocation)),
                window=window, window_label=str(WINDOW_LABELS[window]), badge=badge, badge_label=badge_label)


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    pages: int
    total: int


def _base_query(municipality_id: int):
    return select(Event).where(Event.municipality_id == municipality_id, Event.status == "published")


def _session_between(start: datetime | None, end: datetime | None):
    """EXISTS an open session of the event overlapping [start, end)."""
    condition = [EventSession.event_id == Event.id, EventSession.status == "open"]
    if start is not None:
        condition.append(EventSession.ends_at > start)
    if end is not None:
        condition.append(EventSession.starts_at < end)
    return exists().where(*condition)


def _matches(event: Event, filters: Filters, now: datetime) -> bool:
    """The filters the database does not do: the fee (prices in JSON) and the seat state."""
    if filters.fee and (filters.fee == "free") != is_free(event):
        return False
    if filters.state == "available":
        return (event.allocation == "first_come" and window_state(event, now) == "open"
                and seat_badge(event, now) in (capacity.AVAILABLE, capacity.FEW_LEFT))
    return True


def _needs_python(filters: Filters) -> bool:
    return bool(filters.fee) or filters.state == "available"


def _query(municipality_id: int, filters: Filters, now: datetime, start: datetime | None, end: datetime | None):
    query = _base_query(municipality_id)
    if filters.category:
        query = query.where(Event.category == filters.category)
    if filters.target:
        # a JSON list of known codes, stored as json.dumps writes it: the quoted code is in its text
        query = query.where(cast(Event.target_tags, String).like(f'%"{filters.target}"%'))
    if filters.state == "upcoming":
        query = query.where(Event.opens_at > now)
    elif filters.state == "closed":
        query = query.where(Event.closes_at <= now)
    elif filters.state == "lottery":
        query = query.where(Event.allocation == "lottery", Event.closes_at > now)
    elif filters.state == "available":
        query = query.where(Event.opens_at <= now, Event.closes_at > now, Event.allocation == "first_come")
    low = tokyo_start(filters.date_from) if filters.date_from else None
    high = tokyo_start(filters.date_to) + timedelta(days=1) if filters.date_to else None
    if start is not None:
        low = max(low, start) if low else start
    if end is not None:
        high = min(high, end) if high else end
    if low is None:
        low = now
    return query.where(_session_between(low, high))


def _ordered(query, *, full: bool = True):
    first_start = (select(EventSession.starts_at).where(EventSession.event_id == Event.id,
                                                        EventSession.status == "open")
                   .order_by(EventSession.starts_at).limit(1).scalar_subquery())
    query = query.order_by(first_start, Event.id)
    return query.options(selectinload(Event.sessions)) if full else query


_LIGHT_EVENT = (Event.id, Event.participant_types, Event.allocation, Event.opens_at, Event.closes_at,
                Event.waitlist, Event.session_mode)
_LIGHT_SESSION = (EventSession.event_id, EventSession.starts_at, EventSession.ends_at, EventSession.capacity,
                  EventSession.taken, EventSession.status)


def _light(dbs: Session, query) -> list[SimpleNamespace]:
    """The matching events with only what the filters and the calendar read — plain rows through the Core, no
    ORM objects — in list order: two statements whatever their number."""
    connection = dbs.connection()
    events: dict[int, SimpleNamespace] = {}
    for id_, types, allocation, opens_at, closes_at, waitlist, mode in connection.execute(
            _ordered(query, full=False).with_only_columns(*_LIGHT_EVENT)):
        events[id_] = SimpleNamespace(id=id_, participant_types=types, allocation=allocation, opens_at=opens_at,
                                      closes_at=closes_at, waitlist=waitlist, session_mode=mode, sessions=[])
    if events:
        for event_id, starts_at, ends_at, capacity_, taken, status in connection.execute(
                select(*_LIGHT_SESSION).where(EventSession.event_id.in_(list(events)))
                .order_by(EventSession.starts_at, EventSession.id)):
            events[event_id].sessions.append(SimpleNamespace(starts_at=starts_at, ends_at=ends_at,
                                                             capacity=capacity_, taken=taken, status=status))
    return list(events.values())


def find_events(dbs: Session, municipality_id: int, filters: Filters, now: datetime, *,
                start: datetime | None = None, end: datetime | None = None) -> list:
    """The published events of a municipality that pass the filters, by their first session, as light rows
    (id, prices, window, allocation, sessions). Without a date range, only events with a session still to come
    (or under way); ``start``/``end`` (the calendar's month) narrow further."""
    return [e for e in _light(dbs, _query(municipality_id, filters, now, start, end)) if _matches(e, filters, now)]


def load_events(dbs: Session, ids: list[int]) -> list[Event]:
    """Full events (with sessions) of the given ids, in that order."""
    if not ids:
        return []
    found = {e.id: e for e in dbs.scalars(select(Event).where(Event.id.in_(ids)).options(selectinload(Event.sessions)))}
    return [found[i] for i in ids if i in found]


def find_page(dbs: Session, municipality_id: int, filters: Filters, now: datetime,
              size: int = PAGE_SIZE) -> Page:
    """One page of :func:`find_events` as full events: counted and cut in the database when every filter is SQL
    (the usual case); otherwise decided on light rows and only the page's events loaded whole."""
    if _needs_python(filters):
        found = paginate(find_events(dbs, municipality_id, filters, now), filters.page, size)
        return Page(load_events(dbs, [e.id for e in found.items]), found.number, found.pages, found.total)
    query = _query(municipality_id, filters, now, None, None)
    total = dbs.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // size))
    number = min(max(1, filters.page), pages)
    items = list(dbs.scalars(_ordered(query).limit(size).offset((number - 1) * size)))
    return Page(items, number, pages, total)


def day_counts(events: list, first: date, last: date) -> dict[date, int]:
    """How many of the events hold an open session on each Tokyo day from ``first`` to ``last``."""
    counts: dict[date, int] = {}
    for event in events:
        days = {s.starts_at.astimezone(TOKYO).date() for s in event.sessions if s.status == "open"}
        for day in days:
            if first <= day <= last:
                counts[day] = counts.get(day, 0) + 1
    return counts


def facilities_of(dbs: Session, events: list[Event]) -> dict[int, object]:
    """The booking facilities the events are held at, in one query."""
    ids = {e.facility_id for e in events if e.facility_id}
    if not ids:
        return {}
    from portal.booking.models import Facility

    return {f.id: f for f in dbs.scalars(select(Facility).where(Facility.id.in_(ids)))}


def paginate(items: list, number: int, size: int = PAGE_SIZE) -> Page:
    pages = max(1, -(-len(items) // size))
    number = min(max(1, number), pages)
    return Page(items[(number - 1) * size:number * size], number, pages, len(items))


@dataclass(frozen=True)
class CalendarDay:
    day: date
    count: int


def month_last(first: date) -> date:
    following = add_months(first, 1)
    return following - timedelta(days=1) if following else date(MAX_YEAR, 12, 31)


def month_grid(first: date, counts: Mapping[date, int]) -> list[list[CalendarDay | None]]:
    """Monday-first weeks of the month, each day with the number of events held on it."""
    last = month_last(first)
    days = [CalendarDay(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0))
            for i in range((last - first).days + 1)]
    cells: list = [None] * first.weekday() + days
    cells += [None] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]
