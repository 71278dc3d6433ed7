"""address and the postal-code lookup."""
import pytest
from werkzeug.datastructures import MultiDict

from portal.procedures import postal
from portal.procedures.fields import field_for


def form(**values) -> MultiDict:
    return MultiDict(list(values.items()))


def make(**spec):
    return field_for({"id": "addr", "type": "address", "label": "住所", **spec})


def typed(postal_code="", prefecture="", city="", town="", line="", building="", **extra):
    return form(addr__postal_code=postal_code, addr__prefecture=prefecture, addr__city=city,
                addr__town=town, addr__line=line, addr__building=building, **extra)


# --- postal lookup ----------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["491-8501", "4918501", "〒491-8501", "４９１－８５０１", " 491 8501 "])
def test_lookup_known_code(code):
    assert postal.lookup(code) == {"prefecture": "愛知県", "city": "一宮市", "town": "本町"}


@pytest.mark.parametrize("code", ["000-0000", "12", "", None, "491-85012", "abcdefg"])
def test_lookup_unknown_or_malformed(code):
    assert postal.lookup(code) is None


def test_lookup_whole_municipality_has_no_town():
    assert postal.lookup("100-0000") == {"prefecture": "東京都", "city": "千代田区", "town": ""}


def test_lookup_in_another_thread():
    import threading
    result = {}
    thread = threading.Thread(target=lambda: result.update(found=postal.lookup("4918501")))
    thread.start()
    thread.join()
    assert result["found"]["city"] == "一宮市"


# --- parse ------------------------------------------------------------------------------------
def test_input_names():
    assert make().input_names() == ["addr__postal_code", "addr__prefecture", "addr__city", "addr__town",
                                    "addr__line", "addr__building"]


def test_parse_valid_address_normalises():
    parsed = make(required=True).parse(typed("４９１８５０１", "愛知県", "一宮市", "本町", "２丁目５－６",
                                             "ﾒｿﾞﾝ一宮　１０１"))
    assert parsed.errors == []
    assert parsed.value == {"postal_code": "491-8501", "prefecture": "愛知県", "city": "一宮市", "town": "本町",
                            "line": "2丁目5-6", "building": "メゾン一宮 101"}
    assert parsed.raw["addr__line"] == "２丁目５－６"


def test_parse_required_empty_and_optional_empty():
    assert make(required=True).parse(typed()).errors == ["住所を入力してください"]
    parsed = make().parse(typed())
    assert parsed.value is None and parsed.errors == []


def test_parse_missing_parts():
    parsed = make().parse(typed(postal_code="491-8501"))
    assert parsed.value is None
    assert parsed.errors == \
        ["住所の都道府県を選んでください", "住所の市区町村を入力してください", "住所の番地を入力してください"]
    assert parsed.raw["addr__postal_code"] == "491-8501"


def test_parse_bad_postal_code_and_prefecture():
    parsed = make().parse(typed("491-850", "愛知", "一宮市", "", "1"))
    assert parsed.errors == ["住所の郵便番号は7桁の数字で入力してください（例：491-8501）",
                             "住所の都道府県は一覧から選んでください"]
    assert make().parse(typed("", "愛知県", "一宮市", "", "1")).errors == ["住所の郵便番号を入力してください"]


def test_town_and_building_optional():
    parsed = make().parse(typed("491-8501", "愛知県", "一宮市", "", "本町2丁目5-6"))
    assert parsed.errors == [] and parsed.value["town"] == "" and parsed.value["building"] == ""


# --- the 「住所を検索」 action ------------------------------------------------------------------
def test_action_fills_from_postal_code_and_keeps_other_parts():
    raw, messages = make().perform_action(typed("４９１８５０１", line="2丁目5-6", building="ビル",
                                                field_action="addr"))
    assert messages == []
    assert raw == {"addr__postal_code": "491-8501", "addr__prefecture": "愛知県", "addr__city": "一宮市",
                   "addr__town": "本町", "addr__line": "2丁目5-6", "addr__building": "ビル"}


def test_action_unknown_code():
    raw, messages = make().perform_action(typed("000-0000", city="どこか"))
    assert messages == \
        ["郵便番号「000-0000」の住所が見つかりませんでした。郵便番号を確かめるか、住所を入力してください"]
    assert raw["addr__city"] == "どこか" and raw["addr__postal_code"] == "000-0000"


def test_action_malformed_and_empty_code():
    raw, messages = make().perform_action(typed("12-34"))
    assert messages == ["住所の郵便番号は7桁の数字で入力してください（例：491-8501）"]
    assert raw["addr__postal_code"] == "12-34"
    assert make().perform_action(typed())[1] == ["住所の郵便番号を入力してください"]


def test_action_keeps_town_when_code_covers_whole_city():
    raw, _ = make().perform_action(typed("100-0000", "東京都", "千代田区", "丸の内"))
    assert raw["addr__town"] == "丸の内"
    raw, _ = make().perform_action(typed("100-0000", "愛知県", "一宮市", "本町"))
    assert raw["addr__town"] == ""


def test_has_action():
    assert make().has_action
    assert not field_for({"id": "x", "type": "text", "label": "x"}).has_action
    with pytest.raises(NotImplementedError):
        field_for({"id": "x", "type": "text", "label": "x"}).perform_action(form())


# --- output -----------------------------------------------------------------------------------
VALUE = {"postal_code": "491-8501", "prefecture": "愛知県", "city": "一宮市", "town": "本町",
         "line": "2丁目5-6", "building": "一宮ビル101"}


def test_summary_and_export():
    field = make()
    assert field.summary(VALUE) == "〒491-8501 愛知県一宮市本町2丁目5-6 一宮ビル101"
    assert field.summary({**VALUE, "building": ""}) == "〒491-8501 愛知県一宮市本町2丁目5-6"
    assert field.summary(None) == ""
    assert field.export(VALUE) == VALUE
    assert field.export(None) == {k: "" for k in VALUE}
    assert field.raw_from_value(VALUE)["addr__line"] == "2丁目5-6"
    assert field.parse(MultiDict(field.raw_from_value(VALUE))).value == VALUE
