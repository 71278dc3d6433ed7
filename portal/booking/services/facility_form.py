"""The facility settings form of the back office: what an admin typed ↔ a facility's columns and JSON.

Values are text (and lists of ticked boxes) exactly as typed, so a refused form comes back as it was sent.
:func:`parse` builds the domain objects from them — their constructors are the validation — and writes
the stored JSON with :mod:`portal.booking.domain.config`'s ``dump_*`` writers; every problem comes back as a
Japanese error whose ``href`` is the field's id in the template (``#f-<name>``), never as a 500.
"""
from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, time

from flask_babel import gettext as _, lazy_gettext as _l

from portal.booking.domain import config
from portal.booking.domain.calendar import DayType
from portal.booking.domain.config import LotteryConfig
from portal.booking.domain.lottery import LotteryPolicy, LotterySchedule, LotteryScope, Moment
from portal.booking.domain.pricing import CancellationPolicy, FeeSchedule, PriceTable
from portal.booking.domain.rules import BookingRules
from portal.booking.domain.slots import OpeningHours, SlotPattern
from portal.booking.presentation.labels import CATEGORY_LABELS
from portal.form_input import FieldErrors, normal, position
from portal.params import parse_int

# Whole names: 「月」 alone is also the msgid of "Month" (and 「日」 of "Day").
WEEKDAYS = (_l("月曜日"), _l("火曜日"), _l("水曜日"), _l("木曜日"), _l("金曜日"), _l("土曜日"), _l("日曜日"))
#: how the per-weekday bands textarea names the days ("土 09:00-12:00"), whatever the page's language
WEEKDAY_CHARS = "月火水木金土日"
PRICE_COLUMNS = {
    "resident_weekday": _l("市内・平日"),
    "resident_holiday": _l("市内・土日祝"),
    "non_resident_weekday": _l("市外・平日"),
    "non_resident_holiday": _l("市外・土日祝"),
}
MOMENT_LABELS = {
    "applications_open": _l("申込の受付開始"),
    "applications_close": _l("申込の締切"),
    "draw": _l("抽選"),
    "confirm_until": _l("当選者の確定（支払）期限"),
    "first_come_opens": _l("空き枠の先着順受付開始"),
}
DAY_TYPE_LABELS = {DayType.WEEKDAY.value: _l("平日"), DayType.HOLIDAY.value: _l("土日祝")}
#: LotteryPolicy fields; the optional ones (None: no cap) may be left blank
POLICY_LABELS = {
    "max_preferences": _l("1件の申込で選べる希望枠の数"),
    "max_applications_per_person": _l("1人あたりの申込件数の上限"),
    "max_applications_per_group": _l("1団体あたりの申込件数の上限"),
    "win_cap_per_person": _l("1人あたりの当選数の上限"),
    "win_cap_per_group": _l("1団体あたりの当選数の上限"),
}
OPTIONAL_POLICY = {"max_applications_per_group", "win_cap_per_group"}

TEXT_FIELDS = (
    "slug", "category", "name", "name_kana", "name_en", "area", "area_en", "postal_code", "address", "latitude",
    "longitude",
    "phone", "capacity", "description", "description_en", "accessibility", "accessibility_en",
    "usage_rules", "usage_rules_en", "booking_procedure", "closed_notice",
    *(f"open_{d}" for d in range(7)), *(f"close_{d}" for d in range(7)), "holiday_open", "holiday_close",
    "slot_kind", "slot_bands", "slot_bands_by_weekday", "slot_bands_holiday", "step_minutes",
    *(f"price_{c}" for c in PRICE_COLUMNS),
    "max_days_ahead", "min_notice_hours", "max_slots_per_person_per_month", "max_slots_per_booking", "hold_minutes",
    "free_until_days_before", "late_fee", "late_fee_percent", "late_fee_yen", "no_cancel_within_days",
    *(f"lot_{m}_{part}" for m in MOMENT_LABELS for part in ("months_before", "day", "time")),
    "lottery_start_times", *(f"lot_{p}" for p in POLICY_LABELS),
)
BOOL_FIELDS = ("published", "closed", "holiday_moves_closed_day", "resident_only", "group_required",
               "lottery_enabled", *(f"lot_{m}_end_of_day" for m in MOMENT_LABELS))
LIST_FIELDS = ("closed_days", "lottery_months", "lottery_day_types")
EVENING_PARTS = ("time", *PRICE_COLUMNS)

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
PROCEDURE_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
KANA = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff\s]+$")
PHONE = re.compile(r"^[0-9()+\- ]{6,30}$")
TIME = re.compile(r"^(\d{1,2}):?(\d{2})$")   # "9:00", "09:00", also "900" typed on a number pad
BAND = re.compile(r"^(\d{1,2}:\d{2})\s*[-~〜–—ー]\s*(\d{1,2}:\d{2})$")
# a line "土 09:00-12:00, …", "土曜日：…" or "Sat …" / "saturday: …" (after NFKC, "：" is ":")
WEEKDAY_LINE = re.compile(r"^([^\s:\d]+)\s*:?\s*(.*)$")
_WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_WORDS = {
    **{word: d for d, char in enumerate(WEEKDAY_CHARS) for word in (char, f"{char}曜", f"{char}曜日")},
    **{word: d for d, name in enumerate(_WEEKDAYS_EN) for word in (name, name[:3])},
    "tues": 1, "thur": 3, "thurs": 3,
}
LIST_SEPARATORS = re.compile(r"[,、\s]+")
MAX_TEXT = 10_000
MAX_YEN = 10_000_000
# 2027–2028: months of 28, 29, 30 and 31 days, every way a "day past the month's end" can fall.
SCHEDULE_CHECK_MONTHS = [(2027 + i // 12, i % 12 + 1) for i in range(24)]


@dataclass
class Parsed:
    """The facility's column values (None when there were errors) and the errors, in form order."""

    data: dict | None
    errors: list[dict] = field(default_factory=list)


# --- values ----------------------------------------------------------------------------------------------

def values_from_form(form) -> dict:
    values = {name: form.get(name, "").strip() for name in TEXT_FIELDS}
    values.update({name: form.get(name) == "1" for name in BOOL_FIELDS})
    values.update({name: form.getlist(name) for name in LIST_FIELDS})
    rows = sorted({int(k.rsplit("_", 1)[1]) for k in form if re.fullmatch(r"evening_time_\d{1,2}", k)})
    values["evening"] = [{part: form.get(f"evening_{part}_{i}", "").strip() for part in EVENING_PARTS} for i in rows]
    return values


def _yen_text(value) -> str:
    return "" if value is None else str(value)


def _bands_text(ranges) -> str:
    return "\n".join(f"{start}-{end}" for start, end in ranges or [])


def values_from_facility(facility=None) -> dict:
    """The form's values for a stored facility, or the usual 公共施設 defaults for a new one."""
    if facility is None:
        return _new_facility_values()
    values = {name: "" for name in TEXT_FIELDS}
    for name in ("slug", "category", "name", "name_kana", "name_en", "area", "area_en", "postal_code", "address",
                 "phone", "description", "description_en", "accessibility", "accessibility_en",
                 "usage_rules", "usage_rules_en", "booking_procedure", "closed_notice"):
        values[name] = getattr(facility, name) or ""
    for name in ("latitude", "longitude", "capacity"):
        value = getattr(facility, name)
        values[name] = "" if value is None else str(value)
    values.update(published=facility.published, closed=facility.closed)
    values.update(_hours_values(facility.opening_hours or {}))
    values.update(_slot_values(facility.slot_pattern or {}))
    values.update(_price_values(facility.prices or {}))
    rules = {**_defaults(BookingRules), **(facility.rules or {})}
    for name in ("max_days_ahead", "min_notice_hours", "max_slots_per_person_per_month", "max_slots_per_booking",
                 "hold_minutes"):
        values[name] = _yen_text(rules.get(name))
    values.update(resident_only=bool(rules.get("resident_only")), group_required=bool(rules.get("group_required")))
    values.update(_cancellation_values(facility.cancellation or {}))
    values.update(_lottery_values(facility.lottery))
    return values


def _defaults(cls) -> dict:
    """A domain dataclass's defaults: what a stored configuration that leaves a field out means."""
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


def _new_facility_values() -> dict:
    values = {name: "" for name in TEXT_FIELDS}
    values.update(category="", booking_procedure="facility-booking", published=False, closed=False)
    values.update(_hours_values({"weekly": {str(d): ["09:00", "21:00"] for d in range(1, 7)},
                                 "holiday_moves_closed_day": True}))
    values.update(_slot_values({"ranges": [["09:00", "12:00"], ["13:00", "17:00"], ["18:00", "21:00"]]}))
    values.update(_price_values({}))
    values.update(max_days_ahead="60", min_notice_hours="24", max_slots_per_person_per_month="4",
                  max_slots_per_booking="", hold_minutes="30", resident_only=False, group_required=False)
    values.update(_cancellation_values({}))
    values.update(_lottery_values(None))
    return values


def _hours_values(hours: dict) -> dict:
    weekly = hours.get("weekly") or {}
    values = {"closed_days": [str(d) for d in range(7) if str(d) not in weekly]}
    for d in range(7):
        opens, closes = weekly.get(str(d)) or ("", "")
        values[f"open_{d}"], values[f"close_{d}"] = opens, closes
    values["holiday_open"], values["holiday_close"] = hours.get("holiday") or ("", "")
    values["holiday_moves_closed_day"] = bool(hours.get("holiday_moves_closed_day"))
    return values


def _slot_values(pattern: dict) -> dict:
    by_weekday = pattern.get("by_weekday") or {}
    return {
        "slot_kind": "step" if pattern.get("step_minutes") else "bands",
        "step_minutes": str(pattern.get("step_minutes") or "60"),
        "slot_bands": _bands_text(pattern.get("ranges")),
        "slot_bands_by_weekday": "\n".join(
            f"{WEEKDAY_CHARS[int(d)]} " + ", ".join(f"{s}-{e}" for s, e in ranges)
            for d, ranges in sorted(by_weekday.items())),
        "slot_bands_holiday": _bands_text(pattern.get("holiday")),
    }


def _price_values(prices: dict) -> dict:
    default = prices.get("default") or {}
    values = {f"price_{c}": _yen_text(default.get(c)) for c in PRICE_COLUMNS}
    rows = [{"time": t, **{c: _yen_text(table.get(c)) for c in PRICE_COLUMNS}}
            for t, table in sorted((prices.get("by_start_time") or {}).items())]
    values["evening"] = rows + [{part: "" for part in EVENING_PARTS}]   # one blank row to add a band
    return values


def _cancellation_values(data: dict) -> dict:
    percent, yen = data.get("late_fee_percent") or 0, data.get("late_fee_yen") or 0
    return {
        "free_until_days_before": str(data.get("free_until_days_before") or 0),
        "late_fee": "percent" if percent else "yen" if yen else "none",
        "late_fee_percent": str(percent) if percent else "",
        "late_fee_yen": str(yen) if yen else "",
        "no_cancel_within_days": _yen_text(data.get("no_cancel_within_days")),
    }


def _lottery_values(data: dict | None) -> dict:
    schedule = {**config.dump_lottery_schedule(LotterySchedule()), **((data or {}).get("schedule") or {})}
    scope = (data or {}).get("scope") or {}
    policy = {**_defaults(LotteryPolicy), **((data or {}).get("policy") or {})}
    values = {"lottery_enabled": bool(data)}
    for name in MOMENT_LABELS:
        months_before, day, *rest = schedule[name]
        values[f"lot_{name}_months_before"], values[f"lot_{name}_day"] = str(months_before), str(day)
        values[f"lot_{name}_time"] = rest[0] if rest else "00:00"
        values[f"lot_{name}_end_of_day"] = bool(rest[1]) if len(rest) > 1 else False
    values["lottery_months"] = [str(m) for m in scope.get("months") or []]
    values["lottery_day_types"] = list(scope.get("day_types") or [])
    values["lottery_start_times"] = ", ".join(scope.get("start_times") or [])
    values.update({f"lot_{p}": _yen_text(policy.get(p)) for p in POLICY_LABELS})
    return values


# --- small parsers ---------------------------------------------------------------------------------------

def _time(text: str) -> time | None:
    match = TIME.match(normal(text))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))


def _int(values: dict, name: str, label, errors: FieldErrors, minimum: int = 0, maximum: int = MAX_YEN,
         required: bool = True) -> int | None:
    text = re.sub(r"[,\s円]", "", normal(values.get(name, "")))
    if not text:
        if required:
            errors.add(name, _("%(label)sを入力してください", label=label))
        return None
    if not re.fullmatch(r"-?\d+", text) or not minimum <= int(text) <= maximum:
        errors.add(name, _("%(label)sは%(min)s〜%(max)sの整数で入力してください", label=label, min=minimum,
                           max=f"{maximum:,}"))
        return None
    return int(text)


def _text(values: dict, name: str, label, errors: FieldErrors, required: bool = False, max_length: int = 200) -> str:
    text = values.get(name, "")
    if required and not text:
        errors.add(name, _("%(label)sを入力してください", label=label))
    elif len(text) > max_length:
        errors.add(name, _("%(label)sは%(n)s文字以内で入力してください", label=label, n=f"{max_length:,}"))
    return text


def _bands(text: str, name: str, errors: FieldErrors) -> list[tuple[time, time]] | None:
    """Bands typed one per line (or separated by commas): "09:00-12:00"."""
    bands = []
    for number, line in enumerate(normal(text).splitlines(), start=1):
        for part in filter(None, (p.strip() for p in re.split(r"[,、]", line))):
            match = BAND.match(part)
            start, end = (_time(match[1]), _time(match[2])) if match else (None, None)
            if start is None or end is None:
                errors.add(name, _("%(n)s行目「%(text)s」を「09:00-12:00」の形で入力してください", n=number, text=part))
                return None
            if start >= end:
                errors.add(name, _("%(n)s行目「%(text)s」：終わりの時刻は始まりの時刻より後にしてください", n=number,
                                   text=part))
                return None
            bands.append((start, end))
    return bands


def _times(text: str, name: str, label, errors: FieldErrors) -> list[time] | None:
    result = []
    for part in filter(None, LIST_SEPARATORS.split(normal(text))):
        moment = _time(part)
        if moment is None:
            errors.add(name, _("%(label)s「%(text)s」を「18:00」の形で入力してください", label=label, text=part))
            return None
        result.append(moment)
    return result


def _domain_message(exc: Exception) -> str:
    """A domain object's refusal in Japanese (parse checks the common cases itself; this is the safety net)."""
    text = str(exc)
    for pattern, message in _DOMAIN_MESSAGES:
        match = re.search(pattern, text)
        if match:
            return message(match)
    return _("設定の組み合わせに誤りがあります（%(detail)s）", detail=text)


_DOMAIN_MESSAGES = [
    (r"overlap at (\S+)", lambda m: _("時間帯が%(at)sで重なっています", at=m[1][:5])),
    (r"must end after it starts", lambda m: _("終わりの時刻は始まりの時刻より後にしてください")),
    (r"holiday_moves_closed_day needs",
     lambda m: _("「月曜休館（祝日の場合は開館し翌平日休館）」には、祝日の開館時間か日曜日の開館時間が必要です")),
    (r"no opening hours at all", lambda m: _("開館する曜日を1つ以上設定してください")),
    (r"needs bands or step_minutes", lambda m: _("予約枠の時間帯を1つ以上入力してください")),
    (r"percentage or a fixed late fee", lambda m: _("キャンセル料は割合か金額のどちらか一方にしてください")),
    (r"no_cancel_within_days must not exceed",
     lambda m: _("キャンセルできなくなる日数は、無料でキャンセルできる期限の日数以下にしてください")),
    (r"lottery moments must be in order",
     lambda m: _("抽選の日程は「受付開始 → 締切 → 抽選 → 確定期限 → 先着順受付開始」の順にしてください")),
    (r"must be at least 1", lambda m: _("上限は1以上にしてください（上限なしは空欄）")),
]


# --- the form ----------------------------------------------------------------------------------------------

def parse(values: dict) -> Parsed:
    errors = FieldErrors()
    data = _basic(values, errors)
    hours = _opening_hours(values, errors)
    pattern = _slot_pattern(values, errors)
    starts = _band_starts(pattern, hours) if hours and pattern else None
    if hours and pattern and pattern.step_minutes is None:
        _check_bands_open(pattern, hours, errors)
    prices = _prices(values, errors, starts)
    rules = _rules(values, errors)
    cancellation = _cancellation(values, errors)
    lottery = _lottery(values, errors, starts) if values.get("lottery_enabled") else None
    if errors:
        return Parsed(None, list(errors))
    data.update(opening_hours=config.dump_opening_hours(hours), slot_pattern=config.dump_slot_pattern(pattern),
                prices=config.dump_prices(prices), rules=config.dump_rules(rules),
                cancellation=config.dump_cancellation(cancellation), lottery=config.dump_lottery(lottery))
    try:
        config.check(data)   # what is stored must read back: the same readers as the booking pages
    except ValueError as exc:
        errors.add("hours", _domain_message(exc))
        return Parsed(None, list(errors))
    return Parsed(data)


def _basic(values: dict, errors: FieldErrors) -> dict:
    slug = normal(values.get("slug", "")).lower()
    if not SLUG.match(slug):
        errors.add("slug", _("URL用の名前は半角英小文字・数字・「-」で60文字以内にしてください（例：chuo-gym）"))
    if values.get("category") not in CATEGORY_LABELS:
        errors.add("category", _("施設の種類を選んでください"))
    data = {"slug": slug, "category": values.get("category", "")}
    data["name"] = _text(values, "name", _("施設名"), errors, required=True)
    data["name_kana"] = _text(values, "name_kana", _("施設名のよみがな"), errors)
    if data["name_kana"] and not KANA.match(data["name_kana"]):
        errors.add("name_kana", _("施設名のよみがなはカタカナかひらがなで入力してください"))
    data["name_en"] = _text(values, "name_en", _("施設名（英語）"), errors)
    data["area"] = _text(values, "area", _("地区"), errors, max_length=100)
    data["area_en"] = _text(values, "area_en", _("地区（英語）"), errors, max_length=100)
    data["postal_code"] = _postal_code(values, errors)
    data["address"] = _text(values, "address", _("所在地"), errors, max_length=300)
    data["latitude"], data["longitude"] = position(values, errors)
    phone = normal(values.get("phone", ""))
    if phone and not PHONE.match(phone):
        errors.add("phone", _("電話番号は数字とハイフンで入力してください（例：0586-28-8100）"))
    data["phone"] = phone
    data["capacity"] = _int(values, "capacity", _("定員"), errors, minimum=1, maximum=100_000, required=False)
    for name, label in (("description", _("施設の紹介")), ("description_en", _("施設の紹介（英語）")),
                        ("accessibility", _("バリアフリー情報")), ("accessibility_en", _("バリアフリー情報（英語）")),
                        ("usage_rules", _("利用規則")), ("usage_rules_en", _("利用規則（英語）"))):
        data[name] = _text(values, name, label, errors, max_length=MAX_TEXT)
    procedure = normal(values.get("booking_procedure", ""))
    if not PROCEDURE_KEY.match(procedure):
        errors.add("booking_procedure",
                   _("予約の手続きのキーを半角英小文字・数字・「-」で入力してください（例：facility-booking）"))
    data["booking_procedure"] = procedure
    data["published"], data["closed"] = bool(values.get("published")), bool(values.get("closed"))
    data["closed_notice"] = _text(values, "closed_notice", _("休止のお知らせ"), errors, max_length=1000)
    if data["closed"] and not data["closed_notice"]:
        errors.add("closed_notice", _("休止中にするときは、住民向けのお知らせ（理由や再開の予定）を入力してください"))
    return data


def _postal_code(values: dict, errors: FieldErrors) -> str:
    digits = normal(values.get("postal_code", "")).replace("-", "").replace("〒", "")
    if not digits:
        return ""
    if not re.fullmatch(r"\d{7}", digits):
        errors.add("postal_code", _("郵便番号は7桁の数字で入力してください（例：491-0859）"))
        return values.get("postal_code", "")
    return f"{digits[:3]}-{digits[3:]}"


def _opening_hours(values: dict, errors: FieldErrors) -> OpeningHours | None:
    closed = set(values.get("closed_days") or [])
    weekly, ok = {}, True
    for d in range(7):
        if str(d) in closed:
            continue
        opens, closes = _time(values.get(f"open_{d}", "")), _time(values.get(f"close_{d}", ""))
        if opens is None or closes is None:
            errors.add(f"open_{d}", _("%(day)sの開館・閉館時刻を「9:00」の形で入力するか、「休館日」を選んでください",
                                      day=WEEKDAYS[d]))
            ok = False
        elif opens >= closes:
            errors.add(f"open_{d}", _("%(day)sの閉館時刻は開館時刻より後にしてください", day=WEEKDAYS[d]))
            ok = False
        else:
            weekly[d] = (opens, closes)
    holiday = None
    texts = values.get("holiday_open", ""), values.get("holiday_close", "")
    if any(texts):
        opens, closes = _time(texts[0]), _time(texts[1])
        if opens is None or closes is None or opens >= closes:
            errors.add("holiday_open", _("祝日の開館・閉館時刻を「9:00」の形で両方とも入力するか、"
                                         "両方とも空欄にしてください（閉館は開館より後）"))
            ok = False
        else:
            holiday = (opens, closes)
    if not ok:
        return None
    if not weekly and holiday is None:
        errors.add("hours", _("開館する曜日を1つ以上設定してください"))
        return None
    try:
        return OpeningHours(weekly, holiday, bool(values.get("holiday_moves_closed_day")))
    except ValueError as exc:
        errors.add("holiday_moves_closed_day", _domain_message(exc))
        return None


def _slot_pattern(values: dict, errors: FieldErrors) -> SlotPattern | None:
    if values.get("slot_kind") == "step":
        minutes = _int(values, "step_minutes", _("枠の長さ（分）"), errors, minimum=5, maximum=24 * 60)
        return SlotPattern.hourly(minutes) if minutes else None
    if values.get("slot_kind") != "bands":
        errors.add("slot_kind", _("予約枠の決め方を選んでください"))
        return None
    count = len(errors)
    bands = _bands(values.get("slot_bands", ""), "slot_bands", errors)
    by_weekday = _weekday_bands(values.get("slot_bands_by_weekday", ""), errors)
    holiday_text = values.get("slot_bands_holiday", "")
    holiday = _bands(holiday_text, "slot_bands_holiday", errors) if holiday_text.strip() else None
    if len(errors) > count:
        return None
    if not bands and not by_weekday and holiday is None:
        errors.add("slot_bands", _("予約枠の時間帯を1つ以上入力してください"))
        return None
    try:
        return SlotPattern.fixed(*bands, by_weekday=by_weekday, holiday=holiday)
    except ValueError as exc:
        errors.add("slot_bands", _domain_message(exc))
        return None


def _weekday_bands(text: str, errors: FieldErrors) -> dict[int, list]:
    result: dict[int, list] = {}
    for number, line in enumerate(normal(text).splitlines(), start=1):
        if not line.strip():
            continue
        match = WEEKDAY_LINE.match(line.strip())
        day = WEEKDAY_WORDS.get(match[1].lower()) if match else None
        if day is None or day in result:
            errors.add("slot_bands_by_weekday",
                       _("%(n)s行目：「土 09:00-12:00, 13:00-17:00」のように曜日（1行に1つ）と時間帯を入力してください",
                         n=number))
            return {}
        bands = _bands(match[2], "slot_bands_by_weekday", errors)
        if bands is None:
            return {}
        result[day] = bands
    return result


def _open_ranges(hours: OpeningHours) -> list[tuple[time, time]]:
    return list(hours.weekly.values()) + ([hours.holiday] if hours.holiday else [])


def _band_starts(pattern: SlotPattern, hours: OpeningHours) -> set[time]:
    """Every start time a slot can have: what evening prices and the lottery scope may name."""
    if pattern.step_minutes is not None:
        any_day = date(2001, 1, 9)   # the cut of step_minutes blocks does not depend on the day
        return {start for r in _open_ranges(hours) for start, _end in pattern.ranges_on(any_day, r)}
    bands = [*pattern.ranges, *(b for day in pattern.by_weekday.values() for b in day),
             *(pattern.holiday_ranges or ())]
    return {start for start, _end in bands}


def _check_bands_open(pattern: SlotPattern, hours: OpeningHours, errors: FieldErrors) -> None:
    """A band outside every day's opening hours would silently never be offered."""
    for name, bands in (("slot_bands", pattern.ranges), ("slot_bands_holiday", pattern.holiday_ranges or ()),
                        ("slot_bands_by_weekday", [b for day in pattern.by_weekday.values() for b in day])):
        for start, end in bands:
            if not any(opens <= start and end <= closes for opens, closes in _open_ranges(hours)):
                errors.add(name, _("枠「%(start)s-%(end)s」はどの曜日の開館時間にも収まらないため、予約できません",
                                   start=f"{start:%H:%M}", end=f"{end:%H:%M}"))


def _price_table(values: dict, key: str, title: str, errors: FieldErrors) -> PriceTable | None:
    amounts = {c: _int(values, key.format(column=c), f"{title}（{label}）", errors)
               for c, label in PRICE_COLUMNS.items()}
    return PriceTable(**amounts) if None not in amounts.values() else None


def _prices(values: dict, errors: FieldErrors, starts: set[time] | None) -> FeeSchedule | None:
    default = _price_table(values, "price_{column}", _("使用料"), errors)
    evening: dict[time, PriceTable] = {}
    for i, row in enumerate(values.get("evening") or []):
        if not any(row.values()):
            continue
        flat = {f"evening_{part}_{i}": row.get(part, "") for part in EVENING_PARTS}
        at = _time(row.get("time", ""))
        if at is None:
            errors.add(f"evening_time_{i}", _("時間帯別料金の開始時刻を「18:00」の形で入力してください"))
        elif at in evening:
            errors.add(f"evening_time_{i}", _("時間帯別料金の開始時刻%(at)sが2回入力されています", at=f"{at:%H:%M}"))
        elif starts is not None and at not in starts:
            errors.add(f"evening_time_{i}",
                       _("時間帯別料金の開始時刻%(at)sに始まる予約枠がありません", at=f"{at:%H:%M}"))
        table = _price_table(flat, f"evening_{{column}}_{i}", _("%(at)sからの使用料", at=row.get("time", "")), errors)
        if at is not None and table is not None:
            evening[at] = table
    return FeeSchedule(default, evening) if default else None


def _rules(values: dict, errors: FieldErrors) -> BookingRules | None:
    numbers = {
        "max_days_ahead": _int(values, "max_days_ahead", _("何日先まで予約できるか"), errors, maximum=730),
        "min_notice_hours": _int(values, "min_notice_hours", _("予約の締切（利用開始の何時間前）"), errors,
                                 maximum=24 * 60),
        "max_slots_per_person_per_month": _int(values, "max_slots_per_person_per_month", _("1人1か月の予約枠数の上限"),
                                               errors, minimum=1, maximum=1000),
        "hold_minutes": _int(values, "hold_minutes", _("支払待ちの予約を確保する時間（分）"), errors, minimum=5,
                             maximum=7 * 24 * 60),
    }
    per_booking = _int(values, "max_slots_per_booking", _("1回の予約の枠数の上限"), errors, minimum=1, maximum=1000,
                       required=False)
    if None in numbers.values():
        return None
    return BookingRules(**numbers, max_slots_per_booking=per_booking, resident_only=bool(values.get("resident_only")),
                        group_required=bool(values.get("group_required")))


def _cancellation(values: dict, errors: FieldErrors) -> CancellationPolicy | None:
    count = len(errors)
    free_until = _int(values, "free_until_days_before", _("無料でキャンセルできる期限（利用日の何日前まで）"), errors,
                      maximum=365)
    kind = values.get("late_fee")
    percent = yen = 0
    if kind == "percent":
        percent = _int(values, "late_fee_percent", _("キャンセル料の割合（%）"), errors, minimum=1, maximum=100)
    elif kind == "yen":
        yen = _int(values, "late_fee_yen", _("キャンセル料の金額"), errors, minimum=1)
    elif kind != "none":
        errors.add("late_fee", _("期限を過ぎたキャンセル料を選んでください"))
    no_cancel = _int(values, "no_cancel_within_days", _("キャンセルできなくなる日数"), errors, maximum=365,
                     required=False)
    if len(errors) > count:
        return None
    if no_cancel is not None and no_cancel > free_until:
        errors.add("no_cancel_within_days",
                   _("キャンセルできなくなる日数は、無料でキャンセルできる期限の日数以下にしてください"))
        return None
    return CancellationPolicy(free_until, late_fee_percent=percent, late_fee_yen=yen, no_cancel_within_days=no_cancel)


def _lottery(values: dict, errors: FieldErrors, starts: set[time] | None) -> LotteryConfig | None:
    count = len(errors)
    moments = {}
    for name, label in MOMENT_LABELS.items():
        months_before = _int(values, f"lot_{name}_months_before", _("%(moment)s：何か月前", moment=label), errors,
                             maximum=12)
        day = _int(values, f"lot_{name}_day", _("%(moment)s：日", moment=label), errors, minimum=1, maximum=31)
        end_of_day = bool(values.get(f"lot_{name}_end_of_day"))
        at = time(0, 0) if end_of_day else _time(values.get(f"lot_{name}_time", ""))
        if at is None:
            errors.add(f"lot_{name}_time",
                       _("%(moment)sの時刻を「10:00」の形で入力するか、「その日の終わりまで」を選んでください",
                         moment=label))
        if months_before is not None and day is not None and at is not None:
            moments[name] = Moment(months_before, day, at, end_of_day)
    schedule = None
    if len(moments) == len(MOMENT_LABELS):
        schedule = LotterySchedule(**moments)
        try:
            for year, month in SCHEDULE_CHECK_MONTHS:
                schedule.calendar_for(year, month)
        except ValueError as exc:
            errors.add("lot_applications_open_months_before", _domain_message(exc))
    months = set()
    for text in values.get("lottery_months") or []:
        month = parse_int(text, low=1, high=12)
        if month is None:
            errors.add("lottery_months", _("抽選の対象月を選び直してください"))
            break
        months.add(month)
    day_types = set(values.get("lottery_day_types") or [])
    if not day_types <= set(DAY_TYPE_LABELS):
        errors.add("lottery_day_types", _("抽選の対象日を選び直してください"))
    start_times = _times(values.get("lottery_start_times", ""), "lottery_start_times", _("抽選の対象時間帯"), errors)
    if start_times and starts is not None:
        for at in sorted(set(start_times) - starts):
            errors.add("lottery_start_times", _("抽選の対象時間帯%(at)sに始まる予約枠がありません", at=f"{at:%H:%M}"))
    policy = {p: _int(values, f"lot_{p}", label, errors, minimum=1, maximum=1000, required=p not in OPTIONAL_POLICY)
              for p, label in POLICY_LABELS.items()}
    if len(errors) > count:
        return None
    scope = LotteryScope(months=frozenset(months) or None,
                         day_types=frozenset(DayType(d) for d in day_types) or None,
                         start_times=frozenset(start_times or ()) or None)
    return LotteryConfig(schedule, scope, LotteryPolicy(**policy))
