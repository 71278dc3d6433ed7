"""text, textarea, kana, email, phone."""
import pytest
from werkzeug.datastructures import MultiDict

from portal.procedures.fields import REGISTRY, field_for
from portal.procedures.fields.kana import normalise_kana
from portal.procedures.fields.phone import format_phone


def form(**values) -> MultiDict:
    return MultiDict([(k, item) for k, v in values.items() for item in (v if isinstance(v, list) else [v])])


def make(type_, **spec):
    return field_for({"id": "f", "type": type_, "label": spec.pop("label", "氏名"), **spec})


def test_all_types_registered():
    assert {"text", "textarea", "kana", "email", "phone", "date", "number", "choice", "choices",
            "address", "file", "consent"} <= set(REGISTRY)


def test_spec_properties_are_json_schema_properties():
    for cls in REGISTRY.values():
        assert isinstance(cls.spec_properties, dict)
        for schema in cls.spec_properties.values():
            assert isinstance(schema, dict)


# --- text -------------------------------------------------------------------------------------
def test_text_strips_and_accepts():
    parsed = make("text").parse(form(f="  山田 太郎 "))
    assert parsed.value == "山田 太郎" and parsed.errors == []
    assert parsed.raw == {"f": "  山田 太郎 "}


def test_text_required_and_optional():
    assert make("text", required=True).parse(form(f=" ")).errors == ["氏名を入力してください"]
    parsed = make("text").parse(form())
    assert parsed.value is None and parsed.errors == []


def test_text_max_length_default_200():
    field = make("text")
    assert field.parse(form(f="あ" * 200)).errors == []
    parsed = field.parse(form(f="あ" * 201))
    assert parsed.errors == ["氏名は200文字以内で入力してください"]
    assert parsed.raw == {"f": "あ" * 201}


def test_text_pattern_and_message():
    field = make("text", label="番号", pattern=r"[A-Z]\d{3}",
                 pattern_message={"ja": "番号はA123のように入力してください", "en": "x"})
    assert field.parse(form(f="A123")).errors == []
    assert field.parse(form(f="a123")).errors == ["番号はA123のように入力してください"]
    assert make("text", label="番号",
                pattern=r"\d+").parse(form(f="x")).errors == ["番号を正しい形式で入力してください"]


def test_textarea_normalises_newlines_and_limits():
    field = make("textarea", label="理由")
    assert field.parse(form(f="一行目\r\n二行目\r\n")).value == "一行目\n二行目"
    assert field.parse(form(f="あ" * 2001)).errors == ["理由は2000文字以内で入力してください"]
    assert make("textarea", max_length=10, label="理由").parse(form(f="あ" * 11)).errors


# --- kana -------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, expected", [
    ("やまだ たろう", "ヤマダ\u3000タロウ"),
    ("ヤマダ\u3000タロウ", "ヤマダ\u3000タロウ"),
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ\u3000タロウ"),
    ("  やまだ \u3000  たろう ", "ヤマダ\u3000タロウ"),
    ("すずき いちろー", "スズキ\u3000イチロー"),
    ("ｽｽﾞｷ ｲﾁﾛｰ", "スズキ\u3000イチロー"),
    ("コ－ヒ－", "コーヒー"),
    ("ゔぃくとりあ", "ヴィクトリア"),
    ("ジョン・スミス", "ジョン・スミス"),
])
def test_kana_normalises_to_full_width_katakana(typed, expected):
    parsed = make("kana", label="フリガナ").parse(form(f=typed))
    assert parsed.errors == []
    assert parsed.value == expected
    assert parsed.raw == {"f": typed}


@pytest.mark.parametrize("typed, bad", [("山田 たろう", "「山」、「田」"), ("yamada", "「y」、「a」、「m」、「d」"),
                                        ("ヤマダ1", "「1」"),
                                        ("ヤマダ-タロウ", "「-」")])
def test_kana_rejects_kanji_latin_digits(typed, bad):
    parsed = make("kana", label="フリガナ").parse(form(f=typed))
    assert parsed.value == normalise_kana(typed)  # the value is shown, but the errors block saving
    assert parsed.errors == [f"フリガナはカタカナかひらがなで入力してください（使えない文字：{bad}）"]
    assert parsed.raw == {"f": typed}


def test_kana_required():
    assert make("kana", label="フリガナ",
                required=True).parse(form(f="\u3000")).errors == ["フリガナを入力してください"]


# --- email ------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, expected", [
    ("Taro.Yamada@Example.JP", "Taro.Yamada@example.jp"),
    ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"),
    (" taro@example.jp ", "taro@example.jp"),
    ("taro..yamada.@docomo.ne.jp", "taro..yamada.@docomo.ne.jp"),
    ("taro+tag@mail.example.co.jp", "taro+tag@mail.example.co.jp"),
])
def test_email_accepts_and_normalises(typed, expected):
    parsed = make("email", label="メールアドレス").parse(form(f=typed))
    assert parsed.errors == [] and parsed.value == expected


@pytest.mark.parametrize("typed", ["taro", "taro@", "@example.jp", "taro@example", "taro@@example.jp",
                                   "ta ro@example.jp", "taro@exa_mple.jp", "taro@-example.jp", "たろう@example.jp"])
def test_email_rejects(typed):
    parsed = make("email", label="メールアドレス").parse(form(f=typed))
    assert parsed.value is None
    assert len(parsed.errors) == 1 and parsed.errors[0].startswith("メールアドレス")
    assert parsed.raw == {"f": typed}


def test_email_missing_at_message():
    assert make("email", label="メールアドレス").parse(form(f="taro.example.jp")).errors == [
        "メールアドレスに「@」を含めて、name@example.jp のような形式で入力してください"]


# --- phone ------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, digits", [
    ("090-1234-5678", "09012345678"),
    ("09012345678", "09012345678"),
    ("090 1234 5678", "09012345678"),
    ("(090) 1234-5678", "09012345678"),
    ("０９０－１２３４－５６７８", "09012345678"),
    ("090ー1234ー5678", "09012345678"),
    ("+81 90-1234-5678", "09012345678"),
    ("+81 (0)90 1234 5678", "09012345678"),
    ("+81-586-28-8100", "0586288100"),
    ("0586-28-8100", "0586288100"),
    ("(0586)28-8100", "0586288100"),
    ("03-1234-5678", "0312345678"),
    ("0120-123-456", "0120123456"),
    ("0800-123-4567", "08001234567"),
])
def test_phone_accepts_japanese_numbers(typed, digits):
    parsed = make("phone", label="電話番号").parse(form(f=typed))
    assert parsed.errors == [] and parsed.value == digits


@pytest.mark.parametrize("typed, message", [
    ("090-1234-567", "電話番号は市外局番から、10桁か11桁の数字で入力してください（例：090-1234-5678）"),
    ("0901234567", "電話番号は市外局番から、10桁か11桁の数字で入力してください（例：090-1234-5678）"),
    ("05862881000", "電話番号は市外局番から、10桁か11桁の数字で入力してください（例：090-1234-5678）"),
    ("1234567890", "電話番号は市外局番から、10桁か11桁の数字で入力してください（例：090-1234-5678）"),
    ("090-abcd-5678", "電話番号は数字とハイフンで入力してください（例：090-1234-5678）"),
    ("+1 202 555 0100", "電話番号は日本国内の電話番号を入力してください"),
])
def test_phone_rejects(typed, message):
    parsed = make("phone", label="電話番号").parse(form(f=typed))
    assert parsed.value is None and parsed.errors == [message]
    assert parsed.raw == {"f": typed}


@pytest.mark.parametrize("digits, shown", [
    ("09012345678", "090-1234-5678"), ("08012345678", "080-1234-5678"), ("07012345678", "070-1234-5678"),
    ("05012345678", "050-1234-5678"), ("0120123456", "0120-123-456"), ("08001234567", "0800-123-4567"),
    ("0312345678", "03-1234-5678"), ("0586288100", "0586-28-8100"), ("0527621111", "052-762-1111"),
    ("0566712222", "0566-71-2222"), ("0112223333", "011-222-3333"), ("0570123456", "0570-123-456"),
    ("0466123456", "0466-12-3456"),
])
def test_phone_summary(digits, shown):
    field = make("phone", label="電話番号")
    assert field.summary(digits) == shown == format_phone(digits)
    assert field.export(digits) == {"": shown}
    assert field.raw_from_value(digits) == {"f": shown}
    assert field.parse(form(f=shown)).value == digits


# The same number typed with half-width or full-width digits, any kind of hyphen or dash, spaces or
# none at all is stored as the same digits and shown with the same hyphens.
LANDLINE_TYPINGS = [
    "0586-28-8100", "0586288100", "０５８６－２８－８１００", "０５８６２８８１００", "0586ー28ー8100",
    "０５８６ー２８ー８１００", "0586ｰ28ｰ8100", "0586‐28‐8100", "0586‑28‑8100", "0586–28–8100", "0586—28—8100",
    "0586―28―8100", "0586−28−8100", "０５８６−２８−８１００", "0586⁃28⁃8100", "0586─28─8100", "0586﹣28﹣8100",
    "0586 28 8100", "０５８６　２８　８１００", "(0586)28-8100", "（０５８６）２８－８１００", "+81-586-28-8100",
    "＋８１ ５８６ ２８ ８１００",
]
MOBILE_TYPINGS = ["090-1234-5678", "09012345678", "０９０－１２３４－５６７８", "０９０１２３４５６７８",
                  "090ー1234ー5678",
                  "０９０ー１２３４ー５６７８", "090−1234−5678", "090 1234 5678", "＋８１ ９０ １２３４ ５６７８"]


@pytest.mark.parametrize("typings, digits, shown", [
    (LANDLINE_TYPINGS, "0586288100", "0586-28-8100"),
    (MOBILE_TYPINGS, "09012345678", "090-1234-5678"),
])
def test_phone_is_stored_and_shown_one_way_whatever_the_width_typed(typings, digits, shown):
    field = make("phone", label="電話番号")
    for typed in typings:
        parsed = field.parse(form(f=typed))
        assert (parsed.errors, parsed.value) == ([], digits), typed
        assert field.summary(parsed.value) == shown and field.raw_from_value(parsed.value) == {"f": shown}, typed


def test_phone_the_numbering_plan_does_not_know_is_shown_as_digits():
    # e.g. a value stored by an older, looser check: never grouped by guesswork
    assert format_phone("0204123456") == "0204123456"
    assert format_phone("") == ""


def test_phone_required():
    assert make("phone", label="電話番号", required=True).parse(form(f="")).errors == ["電話番号を入力してください"]
