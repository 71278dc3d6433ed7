"""Open data: published facilities as 公共施設一覧 CSV/JSON in both schema revisions, per municipality."""
from __future__ import annotations

import csv
import io

import pytest

from portal import create_app
from portal.booking.demo import load_demo_facilities
from portal.booking.opendata.mapping import MappingError, load_mapping
from tests.conftest import app_config
from tests.integration.booking_factory import make_facility

PUBLIC_URL = "https://portal.example.jp"
RECOMMENDED = ["都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "名称", "名称_カナ", "名称_通称",
               "POIコード", "住所", "方書", "緯度", "経度", "電話番号", "内線番号", "法人番号", "団体名",
               "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "説明", "バリアフリー情報", "URL",
               "備考"]
CURRENT = ["全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英語", "所在地_連結表記",
           "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)", "緯度", "経度",
           "電話番号", "内線番号", "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項",
           "説明", "バリアフリー情報", "URL", "画像", "備考"]
# 月曜休館 with the 祝日 rule, Saturdays 9–17.
GYM_HOURS = {"weekly": {"1": ["09:00", "21:00"], "2": ["09:00", "21:00"], "3": ["09:00", "21:00"],
                        "4": ["09:00", "21:00"], "5": ["09:00", "17:00"], "6": ["09:00", "21:00"]},
             "holiday_moves_closed_day": True}


@pytest.fixture(scope="module")
def opendata_app(database_url, mail_sink, tmp_path_factory):
    app = create_app(app_config(database_url, tmp_path_factory.mktemp("opendata"), SMTP_PORT=mail_sink.port,
                                PUBLIC_URL=PUBLIC_URL))
    return app


@pytest.fixture
def client(opendata_app, db):
    return opendata_app.test_client()


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def rows_of(client, municipality: str = "ichinomiya", schema: str | None = None) -> list[dict[str, str]]:
    query = f"?schema={schema}" if schema else ""
    response = client.get(f"/{municipality}/opendata/facilities.csv{query}")
    assert response.status_code == 200
    header, *rows = read_csv(response)
    return [dict(zip(header, row)) for row in rows]


GYM = dict(
    category="sports_hall", name="北体育館", name_kana="キタタイイクカン", name_en="North Gymnasium",
    address="愛知県一宮市本町2丁目5番6号 本町ビル2階", latitude=35.3047, longitude=136.8003, phone="0586-28-9000",
    description="アリーナを半面ずつ貸し出します。", accessibility="多目的トイレ、スロープ、車いす用駐車場2台",
    photo_url="https://portal.example.jp/static/img/kita.jpg", opening_hours=GYM_HOURS,
    slot_pattern={"ranges": [["09:00", "12:00"], ["13:00", "17:00"], ["18:00", "21:00"]]})


def gym(db, **overrides):
    return make_facility(db, slug="kita-taiikukan", units=("arena-north", "arena-south"), **{**GYM, **overrides})


def test_the_header_rows_are_exactly_the_standards_columns(client):
    for schema, expected in [(None, RECOMMENDED), ("recommended", RECOMMENDED), ("current", CURRENT)]:
        query = f"?schema={schema}" if schema else ""
        assert read_csv(client.get(f"/ichinomiya/opendata/facilities.csv{query}")) == [expected]


def test_a_facility_row_in_the_recommended_schema(client, db):
    gym(db)
    [row] = rows_of(client)
    assert row == {
        "都道府県コード又は市区町村コード": "232033", "NO": "1", "都道府県名": "愛知県", "市区町村名": "一宮市",
        "名称": "北体育館", "名称_カナ": "キタタイイクカン", "名称_通称": "", "POIコード": "",
        "住所": "愛知県一宮市本町2丁目5番6号", "方書": "本町ビル2階", "緯度": "35.3047", "経度": "136.8003",
        "電話番号": "0586-28-9000", "内線番号": "", "法人番号": "", "団体名": "", "利用可能曜日": "火水木金土日",
        "開始時間": "09:00", "終了時間": "21:00",
        "利用可能日時特記事項": "土曜日は09:00〜17:00。月曜日休館（祝日の場合は開館し、翌平日休館）。"
                                "年末年始（12月29日〜1月3日）休館。",
        "説明": "アリーナを半面ずつ貸し出します。", "バリアフリー情報": "多目的トイレ、スロープ、車いす用駐車場2台",
        "URL": f"{PUBLIC_URL}/ichinomiya/facilities/kita-taiikukan", "備考": "",
    }


def test_a_facility_row_in_the_current_schema(client, db):
    gym(db, closed=True, closed_notice="空調改修工事のため3月末まで休館します。")
    [row] = rows_of(client, schema="current")
    assert list(row) == CURRENT
    assert {k: row[k] for k in ["全国地方公共団体コード", "ID", "地方公共団体名", "名称_英語", "所在地_連結表記",
                                "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下",
                                "建物名等(方書)", "画像", "備考"]} == {
        "全国地方公共団体コード": "232033", "ID": "kita-taiikukan", "地方公共団体名": "愛知県一宮市",
        "名称_英語": "North Gymnasium", "所在地_連結表記": "愛知県一宮市本町2丁目5番6号 本町ビル2階",
        "所在地_都道府県": "愛知県", "所在地_市区町村": "一宮市", "所在地_町字": "本町",
        "所在地_番地以下": "2丁目5番6号",
        "建物名等(方書)": "本町ビル2階", "画像": "https://portal.example.jp/static/img/kita.jpg",
        "備考": "空調改修工事のため3月末まで休館します。",
    }


def test_csv_is_utf8_with_a_bom_and_crlf_line_ends(client, db):
    gym(db, description="1行目\n2行目")
    response = client.get("/ichinomiya/opendata/facilities.csv")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and not body.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    # every record ends in CRLF; a newline inside a quoted value is data
    assert body.endswith(b"\r\n") and body.count(b"\r\n") == 2
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="232033_public_facility.csv"'
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    current = client.get("/ichinomiya/opendata/facilities.csv?schema=current")
    assert current.headers["Content-Disposition"] == 'attachment; filename="232033_public_facility_current.csv"'


def test_only_published_facilities_of_the_municipality(client, db):
    gym(db)
    make_facility(db, slug="closed-for-good", name="旧テニスコート", published=False)
    make_facility(db, municipality="anjo", slug="anjo-tennis", name="安城テニスコート",
                  address="愛知県安城市桜町1番1号")
    assert [r["名称"] for r in rows_of(client)] == ["北体育館"]
    [anjo] = rows_of(client, "anjo")
    assert (anjo["名称"], anjo["都道府県コード又は市区町村コード"], anjo["市区町村名"], anjo["NO"]) == \
        ("安城テニスコート", "232122", "安城市", "1")
    assert anjo["URL"] == f"{PUBLIC_URL}/anjo/facilities/anjo-tennis"


def test_json_gives_the_same_rows_in_column_order(client, db):
    gym(db)
    make_facility(db)
    for schema, columns in [("recommended", RECOMMENDED), ("current", CURRENT)]:
        response = client.get(f"/ichinomiya/opendata/facilities.json?schema={schema}")
        assert response.mimetype == "application/json"
        data = response.get_json()
        assert data == rows_of(client, schema=schema)
        assert [list(row) for row in data] == [columns, columns]
    assert [r["NO"] for r in client.get("/ichinomiya/opendata/facilities.json").get_json()] == ["1", "2"]


def test_unknown_schema_and_municipality(client):
    assert client.get("/ichinomiya/opendata/facilities.csv?schema=v9").status_code == 400
    assert client.get("/nowhere/opendata/facilities.csv").status_code == 404


def test_every_demo_facility_exports(client, db):
    load_demo_facilities(db)
    db.commit()
    rows = rows_of(client, schema="current")
    assert [r["名称"] for r in rows] == ["市民テニスコート", "総合体育館", "中央公民館 会議室"]
    assert all(r["緯度"] and r["経度"] and r["電話番号"] and r["バリアフリー情報"] for r in rows)
    assert rows[1]["利用可能曜日"] == "火水木金土日"
    assert rows[2]["建物名等(方書)"] == "本町ビル3階"


@pytest.mark.parametrize("entry, message", [
    ("{column: 名称, source: nmae}", "bad.yaml: column 2 「名称」: unknown source 'nmae'"),
    ("{column: 名称, source: municipality.mayor}", "bad.yaml: column 2 「名称」: unknown source 'municipality.mayor'"),
    ("{column: 名称, source: rules}", "bad.yaml: column 2 「名称」: unknown source 'rules'"),
    ("{column: 名称, computed: weekday}", "bad.yaml: column 2 「名称」: unknown computed value 'weekday'"),
    ("{column: 名称, source: name, value: x}",
     "bad.yaml: column 2 「名称」: give only one of source, computed, value (got source and value)"),
    ("{column: 名称, sorce: name}", "bad.yaml: column 2 「名称」: unknown key 'sorce'"),
    ("{column: NO, computed: row_number}", "bad.yaml: column 2: the column name must be text, got False (quote it)"),
    ("{column: 名称_カナ}", "bad.yaml: column 「名称_カナ」 appears twice"),
])
def test_a_bad_mapping_file_fails_at_load_naming_file_and_column(tmp_path, entry, message):
    path = tmp_path / "bad.yaml"
    path.write_text(f"title: t\nfile_name: f\ncolumns:\n  - {{column: 名称_カナ, source: name_kana}}\n  - {entry}\n",
                    encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert str(caught.value).startswith(message)
