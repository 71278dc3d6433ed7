"""The event administration forms: what an admin typed ↔ an event's columns, its sessions, a duplicate's shift.

Values are text (and lists of ticked boxes) exactly as typed, so a refused form comes back as it was sent. Every
problem is a Japanese error whose ``href`` is the field's id in the template (``#f-<name>``), never an exception.
Moments are typed in Tokyo time (``datetime-local``: ``2027-04-01T09:00``) and stored in UTC. The eligibility
rules are stored in the shape :mod:`portal.events.domain.eligibility` reads (see :func:`eligibility_rules`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _, lazy_gettext as _l

from portal.events.domain.eligibility import APPLICANT, AgeRule, GradeRule
from portal.form_input import FieldErrors, normal, position
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
AUDIENCE_LABELS = {
    "anyone": _l("どなたでも"),
    "signed_in": _l("ログインした方（マイナンバーカードで本人確認）"),
    "residents": _l("市内在住の方"),
}
TARGET_LABELS = {
    "children": _l("子ども"),
    "parents_children": _l("親子"),
    "elderly": _l("高齢者"),
    "adults": _l("大人"),
}
SESSION_MODE_LABELS = {
    "single": _l("1回だけの開催"),
    "choice": _l("複数の日程から1つを選ぶ"),
    "series": _l("連続講座（全回をまとめて申し込む）"),
}
ALLOCATION_LABELS = {"first_come": _l("先着順"), "lottery": _l("申込多数の場合は抽選")}
#: school grades as portal.events.domain.eligibility counts them (0 and below: before school starts)
GRADE_LABELS = {
    -2: _l("年少"), -1: _l("年中"), 0: _l("年長"),
    1: _l("小学1年生"), 2: _l("小学2年生"), 3: _l("小学3年生"), 4: _l("小学4年生"), 5: _l("小学5年生"),
    6: _l("小学6年生"), 7: _l("中学1年生"), 8: _l("中学2年生"), 9: _l("中学3年生"),
}

TEXT_FIELDS = (
    "title", "title_kana", "title_en", "slug", "description", "description_en", "category", "department",
    "contact", "venue_kind", "facility_id", "venue_name", "venue_address", "latitude", "longitude", "accessibility",
    "what_to_bring", "audience", "session_mode", "max_party", "opens_at", "closes_at", "allocation",
    "offer_hold_hours", "offer_closes_before_hours", "cancel_until_hours", "pay_within_hours", "procedure_key",
)
BOOL_FIELDS = ("waitlist",)
LIST_FIELDS = ("target_tags",)
ROWS = {
    "type": ("key", "label", "label_en", "price"),
    "age": ("subject", "min", "max"),
    "grade": ("subject", "first", "last"),
}

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
TYPE_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
KANA = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff\s・ー]+$")
MOMENT = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[T\s]+(\d{1,2}):(\d{2})$")
TIME = re.compile(r"^(\d{1,2}):?(\d{2})$")
MAX_TEXT = 10_000
MAX_YEN = 1_000_000
MAX_PARTY = 20
MAX_HOURS = 24 * 90
MAX_CAPACITY = 10_000
MAX_TYPES = 10
MAX_RULES = 10
MAX_SHIFT_WEEKS = 520


@dataclass
class Parsed:
    """The event's column values (None when there were errors) and the errors, in form order."""

    data: dict | None
    errors: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Choices:
    """What the menus offer: this municipality's facilities and its event questions definitions, with the date
    fields of each (a child's birth date, which a grade or age rule may name as its subject)."""

    facilities: Mapping[int, str] = field(default_factory=dict)
    procedures: Mapping[str, str] = field(default_factory=dict)
    date_fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


# --- moments in Tokyo time ---------------------------------------------------------------------------------

def parse_moment(text: str) -> datetime | None:
    """``2027-04-01T09:00`` (what ``datetime-local`` sends; a space instead of the T too) in Tokyo → UTC."""
    match = MOMENT.match(normal(text))
    if not match:
        return None
    year, month, day, hour, minute = (int(part) for part in match.groups())
    if not 2000 <= year <= 2199:
        return None
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=TOKYO)
    except ValueError:
        return None
    return local.astimezone(UTC)


def moment_text(value: datetime | None) -> str:
    """A stored moment as ``datetime-local`` shows it, in Tokyo time."""
    return "" if value is None else value.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def parse_time(text: str) -> time | None:
    match = TIME.match(normal(text))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))


def parse_day(text: str) -> date | None:
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", normal(text).replace("/", "-"))
    if not match or not 2000 <= int(match[1]) <= 2199:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def local_day(value: datetime) -> date:
    return value.astimezone(TOKYO).date()


# --- small parsers ------------------------------------------------------------------------------------------

def _int(values: Mapping, name: str, label, errors: FieldErrors, minimum: int = 0, maximum: int = MAX_YEN,
         required: bool = True) -> int | None:
    text = re.sub(r"[,\s円人]", "", normal(values.get(name, "")))
    if not text:
        if required:
            errors.add(name, _("%(label)sを入力してください", label=label))
        return None
    if not re.fullmatch(r"-?\d{1,9}", text) or not minimum <= int(text) <= maximum:
        errors.add(name, _("%(label)sは%(min)s〜%(max)sの整数で入力してください", label=label, min=minimum,
                           max=f"{maximum:,}"))
        return None
    return int(text)


def _text(values: Mapping, name: str, label, errors: FieldErrors, required: bool = False, max_length: int = 200) -> str:
    text = (values.get(name) or "").strip()
    if required and not text:
        errors.add(name, _("%(label)sを入力してください", label=label))
    elif len(text) > max_length:
        errors.add(name, _("%(label)sは%(n)s文字以内で入力してください", label=label, n=f"{max_length:,}"))
    return text


def _choice(values: Mapping, name: str, options: Mapping, message: str, errors: FieldErrors) -> str:
    value = values.get(name) or ""
    if value not in options:
        errors.add(name, message)
    return value


# --- values ---------------------------------------------------------------------------------------------------

def _rows(form, prefix: str) -> list[dict]:
    parts = ROWS[prefix]
    numbers = sorted({int(k.rsplit("_", 1)[1]) for k in form
                      if re.fullmatch(rf"{prefix}_{parts[1]}_\d{{1,2}}", k)})[:MAX_TYPES + 5]
    return [{part: (form.get(f"{prefix}_{part}_{i}") or "").strip() for part in parts} for i in numbers]


def values_from_form(form) -> dict:
    values = {name: (form.get(name) or "").strip() for name in TEXT_FIELDS}
    values.update({name: form.get(name) == "1" for name in BOOL_FIELDS})
    values.update({name: form.getlist(name) for name in LIST_FIELDS})
    for prefix in ROWS:
        values[f"{prefix}_rows"] = _rows(form, prefix)
    return values


def _blank(prefix: str) -> dict:
    return {part: "" for part in ROWS[prefix]}


def _number_text(value) -> str:
    return "" if value is None else str(value)


def values_from_event(event=None) -> dict:
    """The form's values for a stored event, or the usual defaults for a new one (each list of rows ends with a
    blank row to add one)."""
    values = {name: "" for name in TEXT_FIELDS}
    if event is None:
        values.update(audience="signed_in", session_mode="single", max_party="1", allocation="first_come",
                      offer_hold_hours="24", offer_closes_before_hours="12", cancel_until_hours="24",
                      pay_within_hours="72", venue_kind="free", waitlist=True, target_tags=[])
        values["type_rows"] = [{"key": "adult", "label": "一般", "label_en": "General", "price": "0"}]
        values["age_rows"] = [_blank("age")]
        values["grade_rows"] = [_blank("grade")]
        return values
    for name in ("title", "title_kana", "title_en", "slug", "description", "description_en", "category",
                 "department", "contact", "venue_name", "venue_address", "accessibility", "what_to_bring",
                 "audience", "session_mode", "allocation", "procedure_key"):
        values[name] = getattr(event, name) or ""
    for name in ("latitude", "longitude", "max_party", "offer_hold_hours", "offer_closes_before_hours",
                 "cancel_until_hours", "pay_within_hours"):
        values[name] = _number_text(getattr(event, name))
    values["venue_kind"] = "facility" if event.facility_id else "free"
    values["facility_id"] = _number_text(event.facility_id)
    values["opens_at"], values["closes_at"] = moment_text(event.opens_at), moment_text(event.closes_at)
    values["waitlist"] = bool(event.waitlist)
    values["target_tags"] = list(event.target_tags or [])
    values["type_rows"] = [{"key": t.get("key", ""), "label": t.get("label", ""), "label_en": t.get("label_en", ""),
                            "price": str(t.get("price", 0))} for t in event.participant_types or []]
    values["type_rows"].append(_blank("type"))
    ages = [r for r in event.eligibility or [] if r.get("kind") == "age"]
    grades = [r for r in event.eligibility or [] if r.get("kind") == "grade"]
    values["age_rows"] = [{"subject": r.get("subject", APPLICANT), "min": _number_text(r.get("minimum")),
                           "max": _number_text(r.get("maximum"))} for r in ages] + [_blank("age")]
    values["grade_rows"] = [{"subject": r.get("subject", APPLICANT), "first": _number_text(r.get("first")),
                             "last": _number_text(r.get("last"))} for r in grades] + [_blank("grade")]
    return values


# --- the event form -------------------------------------------------------------------------------------------

def parse(values: Mapping, choices: Choices, *, first_start: datetime | None = None) -> Parsed:
    """Check the whole form; ``first_start`` is the event's first session (applications close before it)."""
    errors = FieldErrors()
    data = _basic(values, errors)
    data.update(_venue(values, choices, errors))
    data["audience"] = _choice(values, "audience", AUDIENCE_LABELS, _("申し込める方を選んでください"), errors)
    data["procedure_key"] = _procedure(values, choices, errors)
    data["eligibility"] = _eligibility(values, choices, data["procedure_key"], errors)
    tags = [t for t in values.get("target_tags") or [] if t in TARGET_LABELS]
    data["target_tags"] = [t for t in TARGET_LABELS if t in tags]
    data["session_mode"] = _choice(values, "session_mode", SESSION_MODE_LABELS, _("開催の形を選んでください"),
                                   errors)
    data["participant_types"] = _participant_types(values, errors)
    data["max_party"] = _int(values, "max_party", _("1件の申込で参加できる人数"), errors, minimum=1,
                             maximum=MAX_PARTY)
    data.update(_window(values, errors, first_start))
    data["allocation"] = _choice(values, "allocation", ALLOCATION_LABELS, _("受付の方法を選んでください"), errors)
    data["waitlist"] = bool(values.get("waitlist"))
    data["offer_hold_hours"] = _int(values, "offer_hold_hours", _("繰り上げの席を確保する時間"), errors, minimum=1,
                                    maximum=MAX_HOURS)
    data["offer_closes_before_hours"] = _int(values, "offer_closes_before_hours", _("繰り上げを締め切る時間"),
                                             errors, maximum=MAX_HOURS)
    data["cancel_until_hours"] = _int(values, "cancel_until_hours", _("キャンセルの期限"), errors, maximum=MAX_HOURS)
    data["pay_within_hours"] = _int(values, "pay_within_hours", _("参加費の支払期限"), errors, minimum=1,
                                    maximum=MAX_HOURS)
    if errors:
        return Parsed(None, list(errors))
    return Parsed(data)


def _basic(values: Mapping, errors: FieldErrors) -> dict:
    data = {"title": _text(values, "title", _("イベント名"), errors, required=True)}
    data["title_kana"] = _text(values, "title_kana", _("イベント名のよみがな"), errors)
    if data["title_kana"] and not KANA.match(data["title_kana"]):
        errors.add("title_kana", _("イベント名のよみがなはカタカナかひらがなで入力してください"))
    data["title_en"] = _text(values, "title_en", _("イベント名（英語）"), errors)
    slug = normal(values.get("slug", "")).lower()
    if not SLUG.match(slug):
        errors.add("slug", _("URL用の名前は半角英小文字・数字・「-」で60文字以内にしてください（例：smartphone-2027）"))
    data["slug"] = slug
    data["description"] = _text(values, "description", _("内容"), errors, max_length=MAX_TEXT)
    data["description_en"] = _text(values, "description_en", _("内容（英語）"), errors, max_length=MAX_TEXT)
    data["category"] = _choice(values, "category", CATEGORY_LABELS, _("分類を選んでください"), errors)
    data["department"] = _text(values, "department", _("担当課"), errors)
    data["contact"] = _text(values, "contact", _("問い合わせ先"), errors, max_length=300)
    data["accessibility"] = _text(values, "accessibility", _("バリアフリー情報"), errors, max_length=MAX_TEXT)
    data["what_to_bring"] = _text(values, "what_to_bring", _("持ち物"), errors, max_length=MAX_TEXT)
    return data


def _venue(values: Mapping, choices: Choices, errors: FieldErrors) -> dict:
    kind = values.get("venue_kind")
    if kind == "facility":
        text = normal(values.get("facility_id", ""))
        facility_id = int(text) if text.isdigit() and len(text) < 10 else None
        if facility_id not in choices.facilities:
            errors.add("facility_id", _("会場の施設を選んでください"))
        return {"facility_id": facility_id, "venue_name": "", "venue_address": "", "latitude": None,
                "longitude": None}
    if kind != "free":
        errors.add("venue_kind", _("会場を施設から選ぶか、会場名を入力するかを選んでください"))
    data = {"facility_id": None,
            "venue_name": _text(values, "venue_name", _("会場名"), errors, required=kind == "free"),
            "venue_address": _text(values, "venue_address", _("会場の所在地"), errors, max_length=300)}
    data["latitude"], data["longitude"] = position(values, errors)
    return data


def _procedure(values: Mapping, choices: Choices, errors: FieldErrors) -> str:
    key = values.get("procedure_key") or ""
    if key and key not in choices.procedures:
        errors.add("procedure_key", _("申込の質問は、この自治体で公開中のイベント用の手続きから選んでください"))
    return key


def _subject(row: dict, name: str, choices: Choices, procedure_key: str, errors: FieldErrors) -> str | None:
    subject = row.get("subject") or APPLICANT
    if subject == APPLICANT:
        return subject
    if not procedure_key:
        errors.add(name, _("子どもの生年月日などの質問を対象にするときは、先に申込の質問（手続き）を選んでください"))
        return None
    if subject not in (choices.date_fields.get(procedure_key) or {}):
        errors.add(name, _("対象は申込者本人か、選んだ手続きの日付の質問にしてください"))
        return None
    return subject


def _bound(text: str, low: int, high: int) -> int | None | bool:
    """An int within low..high, None for blank, False for anything else."""
    text = normal(text).replace("歳", "")
    if not text:
        return None
    if not re.fullmatch(r"-?\d{1,3}", text) or not low <= int(text) <= high:
        return False
    return int(text)


def _eligibility(values: Mapping, choices: Choices, procedure_key: str, errors: FieldErrors) -> list[dict]:
    rules: list[dict] = []
    for i, row in enumerate(values.get("age_rows") or []):
        if not (row.get("min") or row.get("max")):
            continue
        low, high = _bound(row.get("min", ""), 0, 120), _bound(row.get("max", ""), 0, 120)
        if low is False or high is False:
            errors.add(f"age_min_{i}", _("年齢は0〜120の整数で入力してください"))
            continue
        subject = _subject(row, f"age_subject_{i}", choices, procedure_key, errors)
        try:
            AgeRule(low, high, subject or APPLICANT)
        except ValueError:
            errors.add(f"age_min_{i}", _("年齢の下限は上限以下にしてください"))
            continue
        if subject:
            rules.append({"kind": "age", **({"minimum": low} if low is not None else {}),
                          **({"maximum": high} if high is not None else {}), "subject": subject})
    for i, row in enumerate(values.get("grade_rows") or []):
        if not (row.get("first") or row.get("last")):
            continue
        first, last = _bound(row.get("first", ""), -2, 9), _bound(row.get("last", ""), -2, 9)
        if first is False or last is False:
            errors.add(f"grade_first_{i}", _("学年は一覧から選んでください"))
            continue
        subject = _subject(row, f"grade_subject_{i}", choices, procedure_key, errors)
        try:
            GradeRule(first, last, subject or APPLICANT)
        except ValueError:
            errors.add(f"grade_first_{i}", _("学年の「から」は「まで」と同じか、それより下にしてください"))
            continue
        if subject:
            rules.append({"kind": "grade", **({"first": first} if first is not None else {}),
                          **({"last": last} if last is not None else {}), "subject": subject})
    if len(rules) > MAX_RULES:
        errors.add("age_min_0", _("参加の条件は%(n)s件までにしてください", n=MAX_RULES))
    return rules


def eligibility_rules(stored: list[dict]) -> list[AgeRule | GradeRule]:
    """The stored rules as the domain's objects (what the application checks)."""
    rules: list[AgeRule | GradeRule] = []
    for rule in stored or []:
        if rule.get("kind") == "grade":
            rules.append(GradeRule(rule.get("first"), rule.get("last"), rule.get("subject", APPLICANT)))
        else:
            rules.append(AgeRule(rule.get("minimum"), rule.get("maximum"), rule.get("subject", APPLICANT)))
    return rules


def _new_key(row: dict, taken: set[str]) -> str:
    candidate = re.sub(r"[^a-z0-9]+", "-", normal(row.get("label_en", "")).lower()).strip("-")[:30].strip("-")
    if not TYPE_KEY.match(candidate or "") or candidate in taken:
        number = len(taken) + 1
        while f"type-{number}" in taken:
            number += 1
        candidate = f"type-{number}"
    return candidate


def _participant_types(values: Mapping, errors: FieldErrors) -> list[dict]:
    types: list[dict] = []
    taken: set[str] = set()
    rows = values.get("type_rows") or []
    for i, row in enumerate(rows):
        if not (row.get("label") or row.get("label_en") or row.get("price")):
            continue
        label = row.get("label", "")
        if not label or len(label) > 50:
            errors.add(f"type_label_{i}", _("参加者の区分の名前を50文字以内で入力してください（例：大人、子ども）"))
        if len(row.get("label_en", "")) > 50:
            errors.add(f"type_label_en_{i}", _("参加者の区分の名前（英語）は50文字以内で入力してください"))
        price = _int(row, "price", _("参加費"), FieldErrors(), maximum=MAX_YEN, required=False)
        price_text = normal(row.get("price", ""))
        if price_text and price is None:
            errors.add(f"type_price_{i}", _("参加費は0〜%(max)s円の整数で入力してください（無料は0）",
                                            max=f"{MAX_YEN:,}"))
        key = row.get("key", "")
        if not TYPE_KEY.match(key) or key in taken:
            key = _new_key(row, taken)
        taken.add(key)
        types.append({"key": key, "label": label, "label_en": row.get("label_en", ""), "price": price or 0})
    if not types:
        errors.add("type_label_0", _("参加者の区分を1つ以上入力してください（無料なら「一般」0円など）"))
    elif len(types) > MAX_TYPES:
        errors.add("type_label_0", _("参加者の区分は%(n)s個までにしてください", n=MAX_TYPES))
    return types


def _window(values: Mapping, errors: FieldErrors, first_start: datetime | None) -> dict:
    opens, closes = parse_moment(values.get("opens_at", "")), parse_moment(values.get("closes_at", ""))
    for name, moment, label in (("opens_at", opens, _("受付開始")), ("closes_at", closes, _("締切"))):
        if moment is None:
            errors.add(name, _("%(label)sの日時を「2027-04-01 09:00」の形で入力してください", label=label))
    if opens and closes and closes <= opens:
        errors.add("closes_at", _("締切は受付開始より後にしてください"))
    elif closes and first_start is not None and closes > first_start:
        errors.add("closes_at", _("締切は最初の回の開始（%(start)s）より前にしてください",
                                  start=first_start.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")))
    return {"opens_at": opens, "closes_at": closes}


# --- sessions -------------------------------------------------------------------------------------------------

SESSION_FIELDS = ("day", "start", "end", "capacity")


@dataclass(frozen=True)
class SessionTimes:
    starts_at: datetime
    ends_at: datetime
    capacity: int


def session_values(session=None) -> dict:
    if session is None:
        return {name: "" for name in SESSION_FIELDS}
    start, end = session.starts_at.astimezone(TOKYO), session.ends_at.astimezone(TOKYO)
    return {"day": start.strftime("%Y-%m-%d"), "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"),
            "capacity": str(session.capacity)}


def parse_session(values: Mapping, prefix: str, *, closes_at: datetime | None) -> tuple[SessionTimes | None, list]:
    """A session's day, start and end (Tokyo, the same day) and capacity; errors point at ``#<prefix>-<name>``."""
    errors: list[dict] = []

    def add(name: str, message: str) -> None:
        errors.append({"href": f"#{prefix}-{name}", "message": message})

    day = parse_day(values.get("day", ""))
    if day is None:
        add("day", _("開催日を「2027-04-01」の形で入力してください"))
    start, end = parse_time(values.get("start", "")), parse_time(values.get("end", ""))
    if start is None:
        add("start", _("開始時刻を「10:00」の形で入力してください"))
    if end is None:
        add("end", _("終了時刻を「12:00」の形で入力してください"))
    elif start is not None and end <= start:
        add("end", _("終了時刻は開始時刻より後にしてください"))
    capacity_errors = FieldErrors()
    capacity = _int(values, "capacity", _("定員"), capacity_errors, minimum=1, maximum=MAX_CAPACITY)
    for error in capacity_errors:
        add("capacity", error["message"])
    if errors:
        return None, errors
    starts_at = datetime.combine(day, start, TOKYO).astimezone(UTC)
    ends_at = datetime.combine(day, end, TOKYO).astimezone(UTC)
    if closes_at is not None and starts_at < closes_at:
        add("day", _("回の開始は申込の締切（%(closes)s）より後にしてください",
                     closes=closes_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")))
        return None, errors
    return SessionTimes(starts_at, ends_at, capacity), []


# --- duplicating ----------------------------------------------------------------------------------------------

def duplicate_values(event, suggested_slug: str) -> dict:
    return {"title": event.title, "slug": suggested_slug, "shift": "weeks", "weeks": "52", "first_day": ""}


def parse_shift(values: Mapping, first_start: datetime | None) -> tuple[timedelta | None, list]:
    """How far a copy moves: a number of weeks, or to a new first date (in whole days, times kept)."""
    errors = FieldErrors()
    if values.get("shift") == "weeks":
        weeks = _int(values, "weeks", _("ずらす週数"), errors, minimum=1, maximum=MAX_SHIFT_WEEKS)
        return (timedelta(weeks=weeks) if weeks else None), list(errors)
    if values.get("shift") == "first_day":
        if first_start is None:
            errors.add("first_day", _("回が登録されていないため、週数でずらしてください"))
            return None, list(errors)
        day = parse_day(values.get("first_day", ""))
        if day is None:
            errors.add("first_day", _("新しい最初の開催日を「2027-04-01」の形で入力してください"))
            return None, list(errors)
        delta = timedelta(days=(day - local_day(first_start)).days)
        if delta <= timedelta(0):
            errors.add("first_day", _("新しい最初の開催日は、今の最初の回（%(day)s）より後にしてください",
                                      day=local_day(first_start).isoformat()))
            return None, list(errors)
        return delta, []
    errors.add("shift", _("日程のずらし方を選んでください"))
    return None, list(errors)
