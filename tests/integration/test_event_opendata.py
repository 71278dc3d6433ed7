"""Open data: a municipality's published events as イベント一覧 CSV (UTF-8 with BOM, CRLF) and JSON."""
from __future__ import annotations

import csv
import io
import json

import pytest

from portal.events import opendata
from portal.events.models import EventSession
from tests.integration.events_factory import PAID, make_event

HEADER = ["都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "イベント名", "イベント名_カナ",
          "イベント名_英字", "開始日", "終了日", "開始時間", "終了時間", "開始日時特記事項", "説明", "料金(基本)",
          "料金(詳細)", "定員", "対象者", "連絡先名称", "連絡先電話番号", "主催者", "場所名称",
          "所在地_全国地方公共団体コード", "住所", "方書", "緯度", "経度", "URL", "参加申込開始日", "参加申込終了日",
          "参加申込終了時間", "参加申込方法", "備考"]


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_mapping_names_only_known_sources():
    opendata.check_columns()
    with pytest.raises(ValueError, match="registrations"):
        opendata.check_columns(({"column": "X", "source": "registrations"},))
    with pytest.raises(ValueError, match="nope"):
        opendata.check_columns(({"column": "X", "computed": "nope"},))


def test_csv_has_the_bom_the_columns_and_one_row_per_published_event(client, db):
    make_event(db, (10, 12), slug="series", title="子育て講座", title_kana="コソダテコウザ",
               title_en="Parenting course",
               session_mode="series", participant_types=PAID, department="子育て支援課",
               contact="子育て支援課 0586-28-9131", venue_name="中央子育て支援センター",
               venue_address="愛知県一宮市本町1-1",
               latitude=35.3, longitude=136.8, target_tags=["parents_children"], allocation="lottery",
               description="親子で遊びます。")
    make_event(db, slug="draft", title="下書き", status="draft")
    make_event(db, slug="anjo", title="安城の講座", municipality="anjo")
    response = client.get("/ichinomiya/opendata/events.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    assert "232033_event.csv" in response.headers["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header == HEADER
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["都道府県コード又は市区町村コード"] == "232033" and row["NO"] == "1"
    assert row["都道府県名"] == "愛知県" and row["市区町村名"] == "一宮市"
    assert (row["イベント名"], row["イベント名_カナ"], row["イベント名_英字"]) == ("子育て講座", "コソダテコウザ",
                                                                         "Parenting course")
    assert (row["開始日"], row["終了日"], row["開始時間"], row["終了時間"]) == ("2026-12-20", "2026-12-27", "10:00",
                                                                     "12:00")
    assert row["開始日時特記事項"].startswith("全2回")
    assert row["料金(基本)"] == "600円〜" and row["料金(詳細)"] == "大人1200円、子ども600円"
    assert row["定員"] == "10" and "親子" in row["対象者"]
    assert row["連絡先電話番号"] == "0586-28-9131" and row["主催者"] == "一宮市子育て支援課"
    assert row["場所名称"] == "中央子育て支援センター" and row["住所"] == "愛知県一宮市本町1-1"
    assert (row["緯度"], row["経度"]) == ("35.300000", "136.800000")
    assert row["URL"].endswith("/ichinomiya/events/series")
    assert "抽選" in row["参加申込方法"] and row["説明"] == "親子で遊びます。"
    assert row["参加申込終了日"] == "2026-12-18"


def test_json_has_the_same_rows_in_column_order(client, db):
    make_event(db, title="スマホ教室")
    csv_rows = read_csv(client.get("/ichinomiya/opendata/events.csv"))
    response = client.get("/ichinomiya/opendata/events.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.get_data(as_text=True))
    assert list(data[0]) == HEADER
    assert [list(r.values()) for r in data] == csv_rows[1:]
    assert data[0]["料金(基本)"] == "無料" and data[0]["料金(詳細)"] == ""


def test_a_free_event_at_a_facility_takes_the_facility_name_and_place(client, db):
    from tests.integration.booking_factory import make_facility

    facility = make_facility(db)
    make_event(db, facility_id=facility.id)
    row = json.loads(client.get("/ichinomiya/opendata/events.json").get_data(as_text=True))[0]
    assert row["場所名称"] == facility.name and row["住所"] == facility.address


def test_an_event_without_sessions_still_exports(client, db):
    event = make_event(db)
    db.query(EventSession).filter_by(event_id=event.id).delete()
    db.commit()
    assert client.get("/ichinomiya/opendata/events.csv").status_code == 200
