"""The submission state machine: every (from, to) pair × every actor — allowed moves succeed, every other
one is refused with a clear message and changes nothing."""
from __future__ import annotations

import itertools

import pytest

from portal.procedures import workflow
from portal.procedures.models import Submission
from portal.procedures.workflow import ACTORS, STATUSES, TRANSITIONS, Actor, IllegalTransition

EXPECTED = {
    ("received", "in_review"): "staff",
    ("received", "withdrawn"): "resident",
    ("in_review", "correction_requested"): "staff",
    ("in_review", "completed"): "staff",
    ("in_review", "rejected"): "staff",
    ("correction_requested", "resubmitted"): "resident",
    ("resubmitted", "in_review"): "staff",
    # a corrected submission is completed or rejected from where it returns, without reviewing it again first
    ("resubmitted", "completed"): "staff",
    ("resubmitted", "rejected"): "staff",
}


class FakeSession:
    def __init__(self):
        self.added = []

    def add(self, obj):
        self.added.append(obj)


def submission(status: str) -> Submission:
    return Submission(id=1, status=status, answers={"name": "x"}, correction_fields=[], lock_version=3)


def kwargs_for(to: str) -> dict:
    """What each move needs besides being allowed."""
    if to == "rejected":
        return {"message": "添付された委任状に署名がありません"}
    if to == "correction_requested":
        return {"message": "ふりがなを確認してください", "fields": ["name_kana"]}
    return {}


def test_the_table_is_the_one_in_the_issue():
    assert TRANSITIONS == EXPECTED
    assert set(workflow.FINAL) == {"completed", "rejected", "withdrawn"}
    for status in workflow.FINAL:
        assert not any(frm == status for frm, _to in TRANSITIONS), f"{status} must be final"


ALL = list(itertools.product(STATUSES, STATUSES, ACTORS))


@pytest.mark.parametrize("frm,to,actor", [c for c in ALL if TRANSITIONS.get(c[:2]) == c[2]])
def test_allowed_transition_succeeds_and_is_recorded(frm, to, actor):
    s, session = submission(frm), FakeSession()
    event = workflow.transition(session, s, to, Actor(actor, 7), **kwargs_for(to))
    assert s.status == to
    assert session.added == [event]
    assert (event.from_status, event.to_status, event.actor_kind, event.actor_id) == (frm, to, actor, 7)
    assert event.message == kwargs_for(to).get("message", "")


@pytest.mark.parametrize("frm,to,actor", [c for c in ALL if TRANSITIONS.get(c[:2]) != c[2]])
def test_every_other_transition_is_refused(frm, to, actor):
    s, session = submission(frm), FakeSession()
    with pytest.raises(IllegalTransition) as refused:
        workflow.transition(session, s, to, Actor(actor, 7), **kwargs_for(to))
    assert s.status == frm and session.added == []
    assert refused.value.message  # a sentence for the person, not a code
    if (frm, to) in TRANSITIONS:
        assert "だけができます" in refused.value.message
    else:
        assert "にはできません" in refused.value.message


def test_unknown_status_is_refused():
    with pytest.raises(IllegalTransition) as refused:
        workflow.transition(FakeSession(), submission("received"), "archived", Actor("staff", 1))
    assert refused.value.code == "unknown"


def test_rejection_needs_a_reason():
    s = submission("in_review")
    with pytest.raises(IllegalTransition) as refused:
        workflow.transition(FakeSession(), s, "rejected", Actor("staff", 1), message="   ")
    assert refused.value.code == "reason_required" and s.status == "in_review"


def test_correction_request_needs_fields_and_a_message():
    s = submission("in_review")
    with pytest.raises(IllegalTransition) as no_fields:
        workflow.transition(FakeSession(), s, "correction_requested", Actor("staff", 1), message="直してください")
    assert no_fields.value.code == "fields_required"
    with pytest.raises(IllegalTransition) as no_message:
        workflow.transition(FakeSession(), s, "correction_requested", Actor("staff", 1), fields=["phone"])
    assert no_message.value.code == "message_required"
    assert s.status == "in_review" and s.correction_fields == []


def test_correction_flags_fields_and_resubmission_clears_them():
    s, session = submission("in_review"), FakeSession()
    event = workflow.transition(session, s, "correction_requested", Actor("staff", 1), message="m",
                                fields=["phone", "phone", "email"])
    assert s.correction_fields == ["phone", "email"] and event.fields == ["phone", "email"]
    workflow.transition(session, s, "resubmitted", Actor("resident", 2))
    assert s.correction_fields == [] and s.status == "resubmitted"


def test_a_stale_version_is_a_conflict_and_changes_nothing():
    s, session = submission("received"), FakeSession()
    with pytest.raises(workflow.Conflict):
        workflow.transition(session, s, "in_review", Actor("staff", 1), expected_version=2)
    assert s.status == "received" and session.added == []
    workflow.transition(session, s, "in_review", Actor("staff", 1), expected_version=3)
    assert s.status == "in_review"


def test_next_statuses_follow_the_table():
    assert workflow.next_statuses("in_review", "staff") == ["correction_requested", "completed", "rejected"]
    assert workflow.next_statuses("received", "resident") == ["withdrawn"]
    assert workflow.next_statuses("completed", "staff") == []
    assert workflow.next_statuses("resubmitted", "staff") == ["in_review", "completed", "rejected"]
    assert workflow.next_statuses("resubmitted", "resident") == []


@pytest.mark.parametrize("status", STATUSES)
def test_withdraw_only_from_received(status):
    s = submission(status)
    assert workflow.can_withdraw(s) == (status == "received")
    if status == "received":
        event = workflow.withdraw(s)
        assert s.status == "withdrawn" and event.actor_kind == "resident"
    else:
        with pytest.raises(ValueError):
            workflow.withdraw(s)
