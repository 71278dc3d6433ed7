"""A procedure kind registered from outside the engine shows its own parts through the generic pages — fee
label, summary partials, start URL, where it is withdrawn — with nothing in the generic packages naming it."""
from __future__ import annotations

import pytest
import yaml
from flask import Blueprint
from sqlalchemy import select

from portal import create_app
from portal.notifications.models import OutboxEmail
from portal.procedures.kinds import KINDS
from portal.procedures.kinds.base import ProcedureKind
from portal.procedures.models import Submission
from portal.procedures.sync import sync_directory
from tests.conftest import app_config, sign_in_as
from tests.integration.helpers import answer, draft_token, location_path, post, start

PARTIALS = {
    "check": '<p id="seam-check">{{ kind_context.note }}</p>',
    "confirmation": '<p id="seam-confirmation">{{ kind_context.note }}</p>',
    "mypage_submission": '<p id="seam-mypage">{{ kind_context.note }}</p>',
    "email_details": "seam: {{ kind_context.note }}\n\n",
}


class SeamKind(ProcedureKind):
    """Sign-up for a town walk: its fee is a 参加費, and its pages show what the kind knows."""

    name = "seam-test"
    fee_label = "参加費"
    withdrawable = False
    partials = {place: f"seam/_{place}.{'txt' if place.startswith('email') else 'html'}" for place in PARTIALS}

    def page_context(self, session, draft=None, submission=None) -> dict:
        return {"note": "submitted walk" if submission is not None else f"draft walk {draft.token[:6]}"}

    def resident_home(self):
        return "/ichinomiya/seam-walks", "My walks"


class ElsewhereKind(ProcedureKind):
    """Started from its own pages, like a facility booking from its slots."""

    name = "seam-elsewhere-test"

    def start_url(self, row) -> str | None:
        return f"/ichinomiya/seam-start/{row.key}"


def _definition(key: str, kind: str) -> dict:
    return {
        "id": key, "version": 1, "municipality": "ichinomiya", "kind": kind, "category": "kurashi",
        "title": {"ja": "まち歩き"}, "audience": "residents", "fee": {"rule": "fixed", "amount": 500},
        "steps": [{"id": "about", "title": {"ja": "参加者"},
                   "fields": [{"id": "email", "type": "email", "label": {"ja": "メールアドレス"}, "required": True}]}],
        "contact_email_field": "email",
    }


@pytest.fixture
def seam_app(database_url, mail_sink, tmp_path, db):
    """An app that knows the two test kinds, their partials and a procedure of each."""
    KINDS.register(SeamKind)
    KINDS.register(ElsewhereKind)
    try:
        partials = tmp_path / "templates" / "seam"
        partials.mkdir(parents=True)
        for place, source in PARTIALS.items():
            (partials / SeamKind.partials[place].removeprefix("seam/")).write_text(source, encoding="utf-8")
        forms = tmp_path / "forms"
        forms.mkdir()
        for key, kind in (("seam-walk", "seam-test"), ("seam-elsewhere", "seam-elsewhere-test")):
            text = yaml.safe_dump(_definition(key, kind), allow_unicode=True)
            (forms / f"{key}.yaml").write_text(text, encoding="utf-8")
        sync_directory(db, forms)
        db.commit()
        app = create_app(app_config(database_url, tmp_path, SMTP_PORT=mail_sink.port))
        app.register_blueprint(Blueprint("seam_test", __name__, template_folder=str(tmp_path / "templates")))
        yield app
    finally:
        KINDS.unregister("seam-test")
        KINDS.unregister("seam-elsewhere-test")


def test_a_kinds_start_url_replaces_the_start_page(seam_app, make_resident):
    client = seam_app.test_client()
    sign_in_as(client, make_resident())
    assert location_path(client.get("/ichinomiya/procedures/seam-elsewhere")) == "/ichinomiya/seam-start/seam-elsewhere"
    response = post(client, "/ichinomiya/procedures/seam-elsewhere/start", page="/ichinomiya/procedures/seam-walk")
    assert response.status_code == 303 and location_path(response) == "/ichinomiya/seam-start/seam-elsewhere"


def test_a_kinds_fee_label_and_partials_show_on_the_generic_pages(seam_app, db, make_resident):
    client = seam_app.test_client()
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "seam-walk"))
    answer(client, "ichinomiya", token, "about", {"email": "walker@example.jp"})

    check = client.get(f"/ichinomiya/drafts/{token}/check").get_data(as_text=True)
    assert f'<p id="seam-check">draft walk {token[:6]}</p>' in check
    assert '<h2 class="summary-card__title" id="sum-fee">参加費</h2>' in check

    confirmation = client.get(location_path(post(client, f"/ichinomiya/drafts/{token}/submit",
                                                 page=f"/ichinomiya/drafts/{token}/check"))).get_data(as_text=True)
    assert '<p id="seam-confirmation">submitted walk</p>' in confirmation
    submission = db.scalar(select(Submission))
    email = db.scalar(select(OutboxEmail).where(OutboxEmail.recipient == "walker@example.jp"))
    assert "seam: submitted walk\n参加費: 500円" in email.body

    url = f"/ichinomiya/mypage/submissions/{submission.reference}"
    page = client.get(url).get_data(as_text=True)
    assert '<p id="seam-mypage">submitted walk</p>' in page and "申請を取り下げる" not in page
    assert location_path(client.get(url + "/withdraw")) == "/ichinomiya/seam-walks"


def test_generic_procedures_show_no_kind_parts(client, make_resident):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "ichinomiya-dog-death"))
    page = client.get(f"/ichinomiya/drafts/{token}/steps/owner").get_data(as_text=True)
    assert 'class="back-link" href="/ichinomiya/procedures/ichinomiya-dog-death"' in page
