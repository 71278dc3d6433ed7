"""Catalogue search by title, reading or romaji: 住民票, じゅうみんひょう, ｼﾞｭｳﾐﾝﾋｮｳ, juminhyo and juuminhyou all
find 住民票の写しの交付請求.

Both the query and the procedure's texts (titles, ``title_kana``, summaries, keywords) become a *search key*:
Unicode NFKC (full- and half-width alike), lower case, katakana as hiragana, every run of kana as Hepburn
romaji (jaconv), macrons dropped and long vowels folded (ou, oo, uu, … → o, u, …; っち as tch). Folding both
sides alike is what lets "juminhyo" meet "juuminhyou"; readings are written with spaces between words
(``じゅうみんひょう の うつし``) so that a vowel is never folded across two words.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import jaconv

_KANA_RUN = re.compile(r"[\u3041-\u3096\u30fc]+")
_LONG_MARK = re.compile(r"([aeiou])-")
_MACRONS = str.maketrans("āīūēōâîûêôÂÎÛÊÔĀĪŪĒŌ", "aiueoaiueoaiueoaiueo", "'’")
_LONG_VOWELS = re.compile(r"(?<=o)[ou]|(?<=a)a|(?<=i)i|(?<=u)u|(?<=e)e")


def romaji(kana: str) -> str:
    """Hepburn romaji of hiragana or katakana of any width, long vowels spelt out (じゅうみんひょう → juuminhyou,
    テニスコート → tenisukooto)."""
    hiragana = jaconv.kata2hira(unicodedata.normalize("NFKC", kana))
    return _LONG_MARK.sub(r"\1\1", jaconv.kana2alphabet(hiragana))


def search_key(text: str) -> str:
    text = jaconv.kata2hira(unicodedata.normalize("NFKC", text)).lower()
    text = _KANA_RUN.sub(lambda run: romaji(run.group()), text).translate(_MACRONS)
    return _LONG_VOWELS.sub("", text).replace("cch", "tch")


def haystack(texts: Iterable[str]) -> str:
    """The search key of several texts, kept apart so that no term matches across two of them."""
    return "\n".join(search_key(text) for text in texts if text)


def matches(haystack_key: str, query: str) -> bool:
    """Every word of the query occurs in the haystack (an empty query matches everything)."""
    terms = [search_key(term) for term in unicodedata.normalize("NFKC", query).split()]
    return all(term in haystack_key for term in terms if term)
