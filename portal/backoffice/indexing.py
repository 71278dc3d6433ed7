"""Search keys for the back-office queue, kept on the submission row so a search is one indexed table scan
at most: the applicant's reading (katakana, for あいうえお order) and a folded name+kana string.

Folding makes 「いちのみや　はなこ」, 「イチノミヤハナコ」 and 「ｲﾁﾉﾐﾔ ﾊﾅｺ」 the same, and 「一宮 花子」 match
「一宮花子」.
The keys are computed whenever a submission is inserted or its answers change, whoever does it.
"""
from __future__ import annotations

import unicodedata

import jaconv
from sqlalchemy import event, inspect, select

from portal.procedures.models import FormDefinition, Submission
from portal.procedures.workflow import FINAL


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return jaconv.hira2kata("".join(text.split())).upper()


def kana_field_ids(content: dict) -> list[str]:
    """The definition's kana fields in order; the first one answered is the applicant's reading."""
    return [f["id"] for step in content["steps"] for f in step["fields"] if f["type"] == "kana"]


def search_keys(content: dict, answers: dict, applicant_name: str) -> tuple[str, str]:
    kana = next((str(answers[k]) for k in kana_field_ids(content) if answers.get(k)), "")
    return fold(kana)[:200], (fold(applicant_name) + "|" + fold(kana))[:400]


def _update(connection, target: Submission) -> None:
    content = connection.scalar(select(FormDefinition.content).where(FormDefinition.id == target.definition_id))
    if content is None:
        return
    target.applicant_kana, target.applicant_search = search_keys(content, target.answers or {},
                                                                 target.applicant_name or "")


@event.listens_for(Submission, "before_insert")
def _on_insert(_mapper, connection, target):
    _update(connection, target)
    target.is_open = target.status not in FINAL


@event.listens_for(Submission, "before_update")
def _on_update(_mapper, connection, target):
    state = inspect(target)
    if state.attrs.answers.history.has_changes() or state.attrs.applicant_name.history.has_changes():
        _update(connection, target)
    target.is_open = target.status not in FINAL
