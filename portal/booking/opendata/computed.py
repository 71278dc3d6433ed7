"""Values an open-data column derives from a facility instead of reading one stored attribute.

The functions take plain values (the stored opening-hours JSON, address strings) so they are tested without
a database; :data:`COMPUTATIONS` names the ones a mapping file may refer to.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

from portal.booking.domain import config
from portal.booking.domain.calendar import YEAR_END_DAYS

if TYPE_CHECKING:
    from portal.booking.models import Facility
    from portal.tenancy.models import Municipality

WEEKDAYS = "月火水木金土日"   # index = date.weekday()
_FIRST_DIGIT = re.compile(r"[0-9０-９]")
_SPACE = re.compile(r"[ \u3000]+")


def _hm(value: time) -> str:
    return value.strftime("%H:%M")


def available_weekdays(opening_hours: dict) -> str:
    """"月火水木金土日" minus the regular closed days ("火水木金土日" for 月曜休館)."""
    weekly = config.opening_hours(opening_hours).weekly
    return "".join(WEEKDAYS[day] for day in range(7) if day in weekly)


def opening_time(opening_hours: dict) -> str:
    """The earliest opening of any day ("09:00"): the standard has one 開始時間 per facility."""
    return _hm(config.opening_hours(opening_hours).envelope[0])


def closing_time(opening_hours: dict) -> str:
    return _hm(config.opening_hours(opening_hours).envelope[1])


def _year_end_text(days: frozenset[tuple[int, int]] = YEAR_END_DAYS) -> str:
    # December before January: the closure runs across New Year.
    ordered = sorted(days, key=lambda md: (md[0] < 12, md))
    (m1, d1), (m2, d2) = ordered[0], ordered[-1]
    return f"年末年始（{m1}月{d1}日〜{m2}月{d2}日）休館"


def availability_notes(opening_hours: dict) -> str:
    """利用可能日時特記事項: what 開始時間/終了時間 and 利用可能曜日 cannot say — days with other hours, 祝日
    hours, the moved closed day, 年末年始."""
    hours = config.opening_hours(opening_hours)
    envelope = hours.envelope
    notes = []
    other_hours: dict[tuple[time, time], list[int]] = {}
    for day, band in hours.weekly.items():
        if band != envelope:
            other_hours.setdefault(band, []).append(day)
    for (opens, closes), days in other_hours.items():
        notes.append(f"{'・'.join(WEEKDAYS[d] for d in days)}曜日は{_hm(opens)}〜{_hm(closes)}")
    if hours.holiday is not None:
        notes.append(f"祝日は{_hm(hours.holiday[0])}〜{_hm(hours.holiday[1])}")
    closed = [WEEKDAYS[d] for d in range(7) if d not in hours.weekly]
    if closed:
        note = f"{'・'.join(closed)}曜日休館"
        if hours.holiday_moves_closed_day:
            note += "（祝日の場合は開館し、翌平日休館）"
        notes.append(note)
    notes.append(_year_end_text())
    return "。".join(notes) + "。"


@dataclass(frozen=True)
class AddressParts:
    prefecture: str
    city: str
    town: str        # 町字
    number: str      # 番地以下
    building: str    # 建物名等（方書）

    @property
    def line(self) -> str:
        """都道府県 to 番地以下, without the building (住所 of the older dataset, which has 方書 apart)."""
        return f"{self.prefecture}{self.city}{self.town}{self.number}"

    @property
    def joined(self) -> str:
        """所在地_連結表記: everything, the building after a space."""
        return f"{self.line} {self.building}" if self.building else self.line


def split_address(address: str, prefecture: str, city: str) -> AddressParts:
    """Best effort: the prefecture and city come from the municipality (whether or not the stored address
    repeats them), the rest splits into 町字 and 番地以下 at its first digit, and a building name after the
    first space. Addresses with 番地 in kanji numerals keep them in 町字."""
    rest = address.strip().removeprefix(prefecture).removeprefix(city)
    main, _, building = _SPACE.sub(" ", rest).partition(" ")
    digit = _FIRST_DIGIT.search(main)
    town, number = (main[:digit.start()], main[digit.start():]) if digit else (main, "")
    return AddressParts(prefecture, city, town, number, building.strip())


def facility_page_url(public_url: str, municipality_slug: str, facility_slug: str) -> str:
    return f"{public_url.rstrip('/')}/{municipality_slug}/facilities/{facility_slug}"


def absolute_url(public_url: str, path_or_url: str) -> str:
    """A site path (an uploaded photo's) as the full address open data needs; a full address as it is."""
    if path_or_url.startswith("/") and not path_or_url.startswith("//"):
        return public_url.rstrip("/") + path_or_url
    return path_or_url


@dataclass(frozen=True)
class RowContext:
    """What a computation may look at: the facility, its municipality, the row's 1-based position."""

    number: int
    facility: Facility
    municipality: Municipality
    public_url: str

    @property
    def address(self) -> AddressParts:
        return split_address(self.facility.address, self.municipality.prefecture, self.municipality.name)


COMPUTATIONS: dict[str, Callable[[RowContext], str]] = {
    "row_number": lambda r: str(r.number),
    "municipality_full_name": lambda r: f"{r.municipality.prefecture}{r.municipality.name}",
    "available_weekdays": lambda r: available_weekdays(r.facility.opening_hours),
    "opening_time": lambda r: opening_time(r.facility.opening_hours),
    "closing_time": lambda r: closing_time(r.facility.opening_hours),
    "availability_notes": lambda r: availability_notes(r.facility.opening_hours),
    "page_url": lambda r: facility_page_url(r.public_url, r.municipality.slug, r.facility.slug),
    "photo_url": lambda r: absolute_url(r.public_url, r.facility.photo_url or ""),
    "address_line": lambda r: r.address.line,
    "address_joined": lambda r: r.address.joined,
    "address_prefecture": lambda r: r.address.prefecture,
    "address_city": lambda r: r.address.city,
    "address_town": lambda r: r.address.town,
    "address_number": lambda r: r.address.number,
    "address_building": lambda r: r.address.building,
}
