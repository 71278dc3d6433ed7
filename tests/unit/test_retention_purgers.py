"""Retention asks the features: every registered purger is called for each draft deleted and each submission
anonymised, and a name is registered once."""
from __future__ import annotations

import pytest

from portal.retention import purgers


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(purgers, "PURGERS", {})
    return purgers.PURGERS


def test_each_purger_is_asked_about_what_it_registered_for(registry):
    calls = []

    def drafts(session, draft):
        calls.append(("draft", session, draft))

    def submissions(session, submission):
        calls.append(("submission", session, submission))

    purgers.register_purger("only_drafts", draft=drafts)
    purgers.register_purger("both", draft=drafts, submission=submissions)
    purgers.purge_draft("session", "a draft")
    purgers.purge_submission("session", "a submission")
    assert calls == [("draft", "session", "a draft"), ("draft", "session", "a draft"),
                     ("submission", "session", "a submission")]


def test_registering_the_same_purger_again_is_harmless_another_under_its_name_is_refused(registry):
    def one(session, draft):
        pass

    def other(session, draft):
        pass

    purgers.register_purger("rows", draft=one)
    purgers.register_purger("rows", draft=one)  # every app the process creates registers again
    with pytest.raises(ValueError, match="rows"):
        purgers.register_purger("rows", draft=other)
    assert list(registry) == ["rows"]
