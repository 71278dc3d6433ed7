"""Parsing what a visitor can edit by hand (query strings, path segments, ids in webhook metadata): each helper
answers a value inside safe bounds or None, never an exception, so a view treats a hostile value as a missing one.

The bounds keep arithmetic on the value (a month view's next month, a week's Monday, a day's bounds in JST)
away from the edges of ``datetime`` and of the database's integer columns.
"""
from __future__ import annotations

import re
from datetime import date

from flask import Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

#: the calendar a resident or a member of staff can mean: anything else is a typo or an attack
MIN_YEAR, MAX_YEAR = 1900, 2199
MIN_DATE, MAX_DATE = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
#: the largest id the database's integer columns hold (PostgreSQL INTEGER is 32-bit and refuses a larger
#: parameter outright; SQLite stops at 64 bits)
MAX_ID = 2**31 - 1

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_INT = re.compile(r"[+-]?[0-9]{1,20}")
#: C0 controls but tab and line breaks (a textarea sends those), and DEL
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_date(text: str | None) -> date | None:
    """``2026-04-01`` → that date; anything else, or a date outside MIN_DATE..MAX_DATE, → None."""
    match = _DATE.fullmatch((text or "").strip())
    if not match:
        return None
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return day if MIN_DATE <= day <= MAX_DATE else None


def parse_month(text: str | None) -> tuple[int, int] | None:
    """``2026-04`` (or ``2026-4``) → (2026, 4); anything else, or a year outside MIN_YEAR..MAX_YEAR, → None."""
    match = _MONTH.fullmatch((text or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12 else None


def parse_int(text: str | int | None, low: int = 0, high: int = MAX_ID) -> int | None:
    """Decimal ASCII digits within low..high → the int; anything else (``²``, ``1e9``, 20 digits) → None."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        match = _INT.fullmatch(str(text or "").strip())
        if not match:
            return None
        value = int(match.group(0))
    return value if low <= value <= high else None


def date_arg(name: str) -> date | None:
    return parse_date(request.args.get(name))


def int_arg(name: str, default: int | None = None, low: int = 0, high: int = MAX_ID) -> int | None:
    found = parse_int(request.args.get(name), low, high)
    return default if found is None else found


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that does not match beyond what a database id holds: such a URL is a 404, not an
    overflow in the database or its driver."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise ValidationError()
        return number


class PlainStringConverter(UnicodeConverter):
    """A path segment without control characters: ``%00`` in a URL is a 404, not a query PostgreSQL refuses."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the parent's pattern is "[^/]" and a length: keep the length, refuse control characters as well
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]", 1)


def _clean(value):
    return _CONTROL.sub("", value) if isinstance(value, str) else value


class CleanParameters(ImmutableMultiDict):
    """Query and form parameters without NUL and other control characters: no browser sends them, and
    PostgreSQL refuses a NUL in any text it is given (a search box would answer 500)."""

    def __init__(self, mapping=None):
        if isinstance(mapping, list):  # what Werkzeug's parsers give: (name, value) pairs
            mapping = [(_clean(name), _clean(value)) for name, value in mapping]
        super().__init__(mapping)


class PortalRequest(Request):
    parameter_storage_class = CleanParameters
