"""The English catalogue: every Japanese msgid has an English text that keeps its placeholders.

A translation that drops or renames ``%(name)s`` (or loses a ``%%``) makes the ``%`` formatting fail
when the page or email is rendered in English, so it is checked here rather than found by a user.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "portal" / "translations" / "en" / "LC_MESSAGES" / "messages.po"

#: a printf-style conversion as Python's ``%`` operator reads it: ``%(name)s``, ``%d``, ``%%``
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def _messages():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    return [message for message in catalogue if message.id]


MESSAGES = _messages()


def _forms(message) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs to compare: plural forms are compared with the plural msgid."""
    if isinstance(message.id, str):
        return [(message.id, message.string)]
    singular, plural = message.id
    return [(singular if i == 0 else plural, text) for i, text in enumerate(message.string)]


def test_the_catalogue_has_messages():
    assert len(MESSAGES) > 500


def test_every_message_is_translated_and_keeps_its_placeholders():
    problems = []
    for message in MESSAGES:
        if "fuzzy" in message.flags:
            problems.append(f"fuzzy (not used until checked and the flag removed): {message.id!r}")
        for msgid, msgstr in _forms(message):
            if not msgstr.strip():
                problems.append(f"no English text: {msgid!r}")
            elif placeholders(msgstr) != placeholders(msgid):
                problems.append(f"placeholders differ: {msgid!r} -> {msgstr!r}")
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_renamed_placeholder():
    assert placeholders("%(label)sを入力してください") != placeholders("Enter %(name)s")
    assert placeholders("割合（%%）") == placeholders("Percentage (%%)")
    assert placeholders("割合（%%）") != placeholders("Percentage (%)")


def test_every_text_in_the_code_is_in_the_catalogue(tmp_path):
    """A msgid added in code or a template but never merged into the catalogue would show in Japanese
    on English pages without any test noticing: extract afresh and compare."""
    from babel.messages.frontend import CommandLineInterface

    root = CATALOGUE.parents[3]
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(root / "translations" / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
         "--no-location", "-o", str(pot), str(root)]
    )
    with pot.open("rb") as f:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in MESSAGES}
    missing = sorted(extracted - known)
    assert not missing, "run `make messages` and translate:\n" + "\n".join(missing)
