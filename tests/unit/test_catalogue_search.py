"""Catalogue search keys: kana of any width and either script, Hepburn romaji with or without long vowels."""
from __future__ import annotations

import pytest

from portal.procedures.definition import Definition, DefinitionError, validate
from portal.procedures.search import haystack, matches, romaji, search_key


@pytest.mark.parametrize("kana, expected", [
    ("じゅうみんひょう", "juuminhyou"),
    ("ジュウミンヒョウ", "juuminhyou"),
    ("ｼﾞｭｳﾐﾝﾋｮｳ", "juuminhyou"),
    ("こうふせいきゅう", "koufuseikyuu"),
    ("しょうめいしょ", "shoumeisho"),
    ("ちゅうせん", "chuusen"),
    ("がっこう", "gakkou"),
    ("こんにゃく", "konnyaku"),
    ("ふじ", "fuji"),
    ("テニスコート", "tenisukooto"),
])
def test_hepburn_romaji(kana, expected):
    assert romaji(kana) == expected


@pytest.mark.parametrize("spelling", [
    "じゅうみんひょう", "ジュウミンヒョウ", "ｼﾞｭｳﾐﾝﾋｮｳ", "juminhyo", "juuminhyou", "jūminhyō", "JUMINHYO",
    "ｊｕｍｉｎｈｙｏ", "Juminhyou", "juumin", "住民票",
])
def test_every_spelling_of_juminhyo_finds_it(spelling):
    key = haystack(["住民票の写しの交付請求", "じゅうみんひょう の うつし の こうふ せいきゅう"])
    assert matches(key, spelling)


def test_every_word_must_match_and_words_do_not_run_together():
    key = haystack(["住民票の写しの交付請求", "じゅうみんひょう の うつし の こうふ せいきゅう"])
    assert matches(key, "juminhyo utsushi") and matches(key, "うつし　こうふ")  # a full-width space splits too
    assert not matches(key, "juminhyo inu")
    # の and う of two words are not one long vowel: うつし is still found on its own
    assert matches(key, "utsushi")
    assert matches(key, "") and matches(key, "   ")


def test_search_key_folds_long_vowels_and_width():
    assert search_key("ＴＥＮＩＳＵ　ＫＯＯＴＯ") == search_key("tenisu koto")
    assert search_key("matcha") == search_key("まっちゃ")


def test_a_definition_is_found_by_its_reading_and_english_title():
    definition = Definition({
        "id": "dog", "version": 1, "kind": "generic", "category": "kurashi", "audience": "anyone",
        "title": {"ja": "犬の死亡届", "en": "Notification of a dog's death"}, "title_kana": "いぬ の しぼう とどけ",
        "keywords": ["ペット"],
        "steps": [{"id": "s", "title": "t", "fields": [{"id": "a", "type": "text", "label": "a"}]}],
    })
    for query in ("いぬ", "イヌ", "inu", "shibou todoke", "shibo", "dog", "ぺっと", "petto"):
        assert matches(definition.search_key, query), query
    assert not matches(definition.search_key, "juminhyo")


def test_title_kana_is_optional_and_must_be_kana():
    content = {"id": "dog", "version": 1, "kind": "generic", "category": "kurashi", "audience": "anyone",
               "title": "犬の死亡届",
               "steps": [{"id": "s", "title": "t", "fields": [{"id": "a", "type": "text", "label": "a"}]}]}
    validate(content, "dog.yaml")
    validate({**content, "title_kana": "いぬ の しぼう とどけ"}, "dog.yaml")
    validate({**content, "title_kana": "イヌノシボウトドケ"}, "dog.yaml")
    with pytest.raises(DefinitionError, match="dog.yaml: title_kana"):
        validate({**content, "title_kana": "犬の死亡届"}, "dog.yaml")
