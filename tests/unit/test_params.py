"""Parsing hand-edited values: a value inside safe bounds or None, never an exception."""
from datetime import date

import pytest

from portal.params import MAX_ID, parse_date, parse_int, parse_month
from portal.procedures.filenames import safe_filename


@pytest.mark.parametrize("text, expected", [
    ("2026-04-01", date(2026, 4, 1)), (" 2026-04-01 ", date(2026, 4, 1)), ("1900-01-01", date(1900, 1, 1)),
    ("2199-12-31", date(2199, 12, 31)), ("0001-01-01", None), ("9999-12-31", None), ("0000-00-00", None),
    ("2026-02-30", None), ("2026-13-01", None), ("20260401", None), ("2026-4-1", None), ("", None), (None, None),
    ("garbage", None), ("２０２６-04-01", None), ("2026-04-01T00:00", None), ("99999999999999999999", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2026-04", (2026, 4)), ("2026-4", (2026, 4)), ("9999-12", None), ("1-1", None), ("2026-13", None),
    ("2026-00", None), ("0000-01", None), ("", None), (None, None), ("2026-04-01", None), ("x", None),
])
def test_parse_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("42", 42), (" 7 ", 7), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("99999999999999999999", None),
    ("-1", None), ("²", None), ("١٢", None), ("1e3", None), ("", None), (None, None), (5, 5), (True, None),
])
def test_parse_int(text, expected):
    assert parse_int(text) == expected


def test_parse_int_bounds():
    assert parse_int("-1", low=-5) == -1
    assert parse_int("0", low=1) is None
    assert parse_int("32", high=31) is None


@pytest.mark.parametrize("name, expected", [
    ("tag.png", "tag.png"), ("鑑札の写真.jpg", "鑑札の写真.jpg"), ("a\r\nContent-Type: x.pdf", "aContent-Type: x.pdf"),
    ("nul\x00.png", "nul.png"), ("C:\\Users\\me\\tag.png", "tag.png"), ("../../etc/passwd", "passwd"),
    ("\u202egnp.exe", "gnp.exe"), ("  .hidden. ", "hidden"), ("\r\n\x00", "file"), ("", "file"), (None, "file"),
    ("a\u2028b.png", "a b.png"), ("x" * 300 + ".png", "x" * 255),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_query_and_form_values_lose_control_characters_but_keep_line_breaks():
    from portal.params import CleanParameters

    cleaned = CleanParameters([("q", "AB\x00CD"), ("note", "一行目\r\n\t二行目\x07\x7f"), ("x\x00", "1")])
    assert cleaned == CleanParameters([("q", "ABCD"), ("note", "一行目\r\n\t二行目"), ("x", "1")])
