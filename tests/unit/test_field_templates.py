"""Each field template renders a complete, accessible field block."""
import re

import pytest

from portal.procedures.fields import field_for

SPECS = {
    "text": {"label": "氏名", "hint": "戸籍に記載の氏名", "autocomplete": "name", "required": True},
    "textarea": {"label": "理由", "rows": 4},
    "kana": {"label": "フリガナ", "required": True},
    "email": {"label": "メールアドレス"},
    "phone": {"label": "電話番号"},
    "date": {"label": "生年月日", "autocomplete": "bday", "past": True},
    "number": {"label": "通数", "unit": "通", "min": 1, "max": 10},
    "choice": {"label": "種類", "options": [{"value": "a", "label": "住民票"}, {"value": "b", "label": "記載事項証明書",
                                                                          "hint": "勤務先への提出用"}]},
    "choices": {"label": "項目", "options": [{"value": "a", "label": "本籍"}, {"value": "b", "label": "続柄"}]},
    "address": {"label": "住所", "required": True},
    "file": {"label": "本人確認書類", "accept": ["pdf", "jpeg"]},
    "consent": {"label": "確認", "statement": "内容に誤りはありません", "required": True},
}


def make(type_, id_="x", **extra):
    return field_for({"id": id_, "type": type_, **SPECS[type_], **extra})


def ids(html):
    return re.findall(r'\bid="([^"]+)"', html)


def check_wiring(html: str, field):
    """Every input/select/textarea (except hidden ones) has an id f-<name> and a label for it."""
    controls = re.findall(r"<(input|select|textarea)\b([^>]*)>", html)
    assert controls
    all_ids = ids(html)
    assert len(all_ids) == len(set(all_ids)), "ids must be unique"
    for _tag, attrs in controls:
        if 'type="hidden"' in attrs:
            continue
        name = re.search(r'name="([^"]+)"', attrs).group(1)
        control_id = re.search(r'id="([^"]+)"', attrs).group(1)
        assert control_id.startswith("f-" + name), (control_id, name)
        assert f'for="{control_id}"' in html, control_id
        described = re.search(r'aria-describedby="([^"]+)"', attrs)
        if described:
            for ref in described.group(1).split():
                assert ref in all_ids, ref
    assert f'id="f-{field.input_names()[0]}"' in html
    assert "style=" not in html and "<script" not in html and "onclick" not in html.lower()


@pytest.mark.parametrize("type_", sorted(SPECS))
def test_renders_with_label_wiring(render, type_):
    field = make(type_)
    html = render(field)
    assert html.lstrip().startswith('<div class="field">')
    assert field.label in html
    check_wiring(html, field)


@pytest.mark.parametrize("type_", sorted(SPECS))
def test_renders_errors_linked(render, type_):
    field = make(type_)
    html = render(field, errors=["エラーその1", "エラーその2"])
    assert '<div class="field field--error">' in html
    assert '<p class="field__error" id="f-x-error"><span class="visually-hidden">エラー:</span> エラーその1</p>' in html
    assert 'id="f-x-error-2"' in html
    assert re.search(r'aria-describedby="[^"]*f-x-error f-x-error-2', html)
    check_wiring(html, field)


def test_text_input(render):
    field = make("text")
    html = render(field, raw={"x": 'a"<b>'})
    assert '<label class="field__label" for="f-x">氏名</label>' in html
    assert '<div class="field__hint" id="f-x-hint">戸籍に記載の氏名</div>' in html
    assert 'class="input" type="text" id="f-x" name="x" value="a&#34;&lt;b&gt;" autocomplete="name"' in html
    assert 'aria-describedby="f-x-hint"' in html


def test_optional_marker(render):
    assert "氏名（任意）" in render(make("text", required=False))


def test_prefill_badges_and_locked(render):
    field = make("text")
    html = render(field, raw={"x": "山田太郎"}, prefill={"source": "identity", "locked": True})
    assert '<span class="prefilled-badge">マイナンバーカードから</span>' in html
    assert " readonly" in html
    assert 'id="f-x-locked"' in html and "f-x-hint f-x-locked" in html
    html = render(field, raw={"x": "山田太郎"}, prefill={"source": "previous", "locked": False})
    assert '<span class="prefilled-badge prefilled-badge--previous">前回の申請から</span>' in html
    assert "readonly" not in html


def test_date_inputs_and_wareki(render):
    field = make("date", id_="birth")
    html = render(field, raw={"birth__year": "1985", "birth__month": "4", "birth__day": "3"})
    assert '<fieldset role="group" aria-describedby="f-birth-hint">' in html
    assert '<legend class="field__legend">生年月日' in html
    assert html.count('class="date-inputs__item"') == 3
    assert 'id="f-birth__year" name="birth__year" value="1985"' in html
    assert 'inputmode="numeric"' in html and 'autocomplete="bday-month"' in html
    assert 'class="input input--short"' in html and 'class="input input--medium"' in html
    assert "昭和60年" in html
    assert "昭和" not in render(field)


def test_number_unit(render):
    html = render(make("number"), raw={"x": "2"})
    assert '<span id="f-x-unit">通</span>' in html
    assert 'inputmode="numeric"' in html and "input--short" in html


def test_choice_radios_and_select(render):
    html = render(make("choice"), raw={"x": "b"})
    assert '<div class="choices">' in html and html.count('<div class="choice">') == 2
    assert '<input type="radio" id="f-x" name="x" value="a">' in html
    assert 'id="f-x-2" name="x" value="b" checked aria-describedby="f-x-2-hint"' in html
    assert '<label for="f-x-2">記載事項証明書</label>' in html
    html = render(make("choice", widget="select"), raw={"x": "b"})
    assert '<select class="select" id="f-x" name="x">' in html
    assert '<option value="b" selected>記載事項証明書</option>' in html
    assert '<label class="field__label" for="f-x">' in html


def test_choices_checked(render):
    html = render(make("choices"), raw={"x": ["b"]})
    assert '<input type="checkbox" id="f-x" name="x" value="a">' in html
    assert 'id="f-x-2" name="x" value="b" checked>' in html


def test_address_parts_and_lookup_button(render):
    field = make("address", id_="addr")
    html = render(field, raw={"addr__prefecture": "愛知県", "addr__postal_code": "491-8501"})
    for name, token in [("postal_code", "postal-code"), ("prefecture", "address-level1"), ("city", "address-level2"),
                        ("line", "address-line1"), ("building", "address-line2")]:
        assert f'id="f-addr__{name}"' in html and f'for="f-addr__{name}"' in html
        assert f'autocomplete="{token}"' in html
    assert ('<button type="submit" class="button button--secondary" name="field_action" value="addr" formnovalidate>'
            '住所を検索</button>') in html
    assert 'data-postal-lookup="/api/postal-codes/"' in html and 'data-postal-part="postal_code"' in html
    assert '<option value="愛知県" selected>愛知県</option>' in html
    assert html.count("<option") == 48
    locked = render(field, raw={"addr__prefecture": "愛知県"}, prefill={"source": "identity", "locked": True})
    assert "field_action" not in locked and "data-postal" not in locked
    assert locked.count("<option") == 1


def test_file_existing_and_hint(render):
    html = render(make("file"), raw={"x__existing": "tok1", "x__existing_name": "免許証.pdf"},
                  max_bytes=10 * 1024 * 1024)
    assert '<input type="hidden" name="x__existing" value="tok1">' in html
    assert "免許証.pdf" in html
    assert "PDF、JPEG形式、10 MBまで" in html
    assert 'type="file" id="f-x" name="x" accept=".pdf,application/pdf,.jpg,.jpeg,image/jpeg"' in html
    assert 'name="x__remove"' in html
    assert 'name="x__remove"' not in render(make("file", required=True), raw={"x__existing": "tok1"})
    assert "x__existing" not in render(make("file"))


def test_consent(render):
    html = render(make("consent"), raw={"x": "yes"})
    assert '<input type="checkbox" id="f-x" name="x" value="yes" checked>' in html
    assert '<label for="f-x">内容に誤りはありません</label>' in html


def test_english_strings_go_through_gettext(render, in_lang):
    # no English catalogue yet: msgids fall back to Japanese, but rendering in English must work
    with in_lang("en"):
        html = render(make("date"))
        assert "年" in html


ROUND_TRIP = [
    ("text", "山田 太郎"), ("textarea", "一行目\n二行目"), ("kana", "ヤマダ\u3000タロウ"), ("email", "taro@example.jp"),
    ("phone", "09012345678"), ("phone", "0586288100"), ("date", "1985-04-03"), ("number", 3), ("choice", "b"),
    ("choices", ["a", "b"]), ("consent", True),
    ("address", {"postal_code": "491-8501", "prefecture": "愛知県", "city": "一宮市", "town": "本町",
                 "line": "2丁目5-6", "building": ""}),
]


@pytest.mark.parametrize("type_, value", ROUND_TRIP)
def test_raw_from_value_round_trips(type_, value):
    """Drafts and prefill are re-displayed with raw_from_value; posting that back gives the value."""
    from werkzeug.datastructures import MultiDict
    field = make(type_)
    parsed = field.parse(MultiDict(field.raw_from_value(value)))
    assert parsed.errors == [] and parsed.value == value


@pytest.mark.parametrize("type_, value", ROUND_TRIP)
def test_render_from_value(render, type_, value):
    field = make(type_)
    html = render(field, raw=field.raw_from_value(value), prefill={"source": "identity", "locked": True})
    check_wiring(html, field)


def test_specs_validate_against_spec_properties():
    jsonschema = pytest.importorskip("jsonschema")
    from portal.procedures.fields import REGISTRY
    for type_, spec in SPECS.items():
        schema = {"type": "object", "properties": REGISTRY[type_].spec_properties}
        jsonschema.validate({k: v for k, v in spec.items() if k in REGISTRY[type_].spec_properties}, schema)
    bad = {"type": "object", "properties": REGISTRY["file"].spec_properties}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"accept": ["exe"]}, bad)
