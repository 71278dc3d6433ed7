"""number, choice, choices, consent."""
import pytest
from werkzeug.datastructures import MultiDict

from portal.procedures.fields import field_for


def form(**values) -> MultiDict:
    return MultiDict([(k, item) for k, v in values.items() for item in (v if isinstance(v, list) else [v])])


# --- number -----------------------------------------------------------------------------------
def number(**spec):
    return field_for({"id": "copies", "type": "number", "label": "通数", **spec})


@pytest.mark.parametrize("typed, value",
                         [("3", 3), ("３", 3), (" 12 ", 12), ("1,000", 1000), ("１，０００", 1000), ("0", 0)])
def test_number_parses(typed, value):
    parsed = number().parse(form(copies=typed))
    assert parsed.errors == [] and parsed.value == value


@pytest.mark.parametrize("typed", ["三", "1.5", "3通", "1,00", "abc"])
def test_number_rejects_non_integers(typed):
    parsed = number().parse(form(copies=typed))
    assert parsed.value is None and parsed.errors == ["通数は数字で入力してください"]
    assert parsed.raw == {"copies": typed}


def test_number_bounds():
    field = number(min=1, max=10)
    assert field.parse(form(copies="1")).errors == []
    assert field.parse(form(copies="10")).errors == []
    assert field.parse(form(copies="0")).errors == ["通数は1から10までの数字で入力してください"]
    assert field.parse(form(copies="11")).errors == ["通数は1から10までの数字で入力してください"]
    assert field.parse(form(copies="x")).errors == ["通数は1から10までの数字で入力してください"]
    assert number(min=1).parse(form(copies="0")).errors == ["通数は1以上の数字で入力してください"]
    assert number(max=5).parse(form(copies="6")).errors == ["通数は5以下の数字で入力してください"]


def test_number_required_optional():
    assert number(required=True).parse(form(copies="")).errors == ["通数を入力してください"]
    assert number().parse(form()).value is None


def test_number_summary_unit(in_lang):
    field = number(unit={"ja": "通", "en": "copies"})
    assert field.summary(3) == "3通"
    assert field.summary(1200) == "1,200通"
    assert field.export(3) == {"": "3"}
    assert field.raw_from_value(3) == {"copies": "3"}
    with in_lang("en"):
        assert field.summary(3) == "3 copies"


# --- choice -----------------------------------------------------------------------------------
OPTIONS = [{"value": "juminhyo", "label": {"ja": "住民票の写し", "en": "Certificate of residence"}},
           {"value": "kiroku", "label": "記載事項証明書"},
           {"value": 3, "label": "その他"}]


def choice(**spec):
    return field_for({"id": "kind", "type": "choice", "label": "証明書の種類", "options": OPTIONS, **spec})


def test_choice_accepts_option_value():
    parsed = choice().parse(form(kind="kiroku"))
    assert parsed.errors == [] and parsed.value == "kiroku"
    assert choice().parse(form(kind="3")).value == "3"


def test_choice_rejects_unknown_value():
    parsed = choice().parse(form(kind="hacked"))
    assert parsed.errors == ["証明書の種類は表示されている選択肢から選んでください"]
    assert parsed.raw == {"kind": "hacked"}


def test_choice_required():
    assert choice(required=True).parse(form()).errors == ["証明書の種類を選んでください"]
    assert choice().parse(form()).errors == []


def test_choice_summary(in_lang):
    assert choice().summary("juminhyo") == "住民票の写し"
    assert choice().export("kiroku") == {"": "記載事項証明書"}
    with in_lang("en"):
        assert choice().summary("juminhyo") == "Certificate of residence"


def test_choice_widget():
    assert choice().widget == "radios"
    assert choice(widget="select").widget == "select"


# --- choices ----------------------------------------------------------------------------------
def choices(**spec):
    return field_for({"id": "items", "type": "choices", "label": "記載する項目", "options": OPTIONS, **spec})


def test_choices_list_in_option_order():
    parsed = choices().parse(form(items=["3", "juminhyo", "3"]))
    assert parsed.errors == [] and parsed.value == ["juminhyo", "3"]
    assert parsed.raw == {"items": ["3", "juminhyo", "3"]}


def test_choices_unknown_rejected():
    parsed = choices().parse(form(items=["juminhyo", "evil"]))
    assert parsed.value is None and parsed.errors == ["記載する項目は表示されている選択肢から選んでください"]


def test_choices_min_max_required():
    field = choices(min_selected=2, max_selected=2)
    assert field.parse(form(items=["juminhyo"])).errors == ["記載する項目は2個以上選んでください"]
    assert field.parse(form(items=["juminhyo", "kiroku", "3"])).errors == ["記載する項目は2個まで選んでください"]
    assert field.parse(form(items=["juminhyo", "kiroku"])).errors == []
    assert choices(required=True).parse(form()).errors == ["記載する項目を選んでください"]
    assert choices().parse(form()).value is None


def test_choices_summary_export(in_lang):
    field = choices()
    assert field.summary(["juminhyo", "kiroku"]) == "住民票の写し、記載事項証明書"
    assert field.export(["kiroku"]) == {"": "記載事項証明書"}
    assert field.raw_from_value(["kiroku"]) == {"items": ["kiroku"]}
    with in_lang("en"):
        assert field.summary(["juminhyo", "kiroku"]) == "Certificate of residence, 記載事項証明書"


# --- consent ----------------------------------------------------------------------------------
def consent(**spec):
    return field_for({"id": "agree", "type": "consent", "label": "申請内容の確認",
                      "statement": "記入した内容に誤りがないことを確認しました", **spec})


def test_consent_ticked():
    parsed = consent(required=True).parse(form(agree="yes"))
    assert parsed.value is True and parsed.errors == []


def test_consent_required_not_ticked():
    parsed = consent(required=True).parse(form())
    assert parsed.value is None
    assert parsed.errors == ["申請内容の確認の内容を確認し、同意する場合はチェックを入れてください"]
    assert consent().parse(form()).errors == []


def test_consent_summary():
    assert consent().summary(True) == "同意しました"
    assert consent().summary(None) == ""
    assert consent().raw_from_value(True) == {"agree": "yes"}
    assert consent().statement == "記入した内容に誤りがないことを確認しました"
