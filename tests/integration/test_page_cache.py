"""Whole anonymous pages kept in the process: given only to visitors who are not signed in, never with anyone's
data, and dropped as soon as what they show changes."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from portal.procedures.sync import sync_directory
from portal.tenancy.models import Municipality
from tests.conftest import sign_in_as
from tests.integration.helpers import start, switch_language

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = "/ichinomiya/"
JUMINHYO = "/ichinomiya/procedures/juminhyo"
CONSULTATION = "/ichinomiya/procedures/consultation"


def kept(app) -> dict:
    return app.extensions["page_cache"].live()


def test_an_anonymous_page_is_kept_and_given_again_without_a_cookie(app, client):
    first = client.get(CATALOGUE)
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    assert len(kept(app)) == 1
    again = app.test_client().get(CATALOGUE)
    assert again.get_data() == first.get_data() and "Set-Cookie" not in again.headers
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_a_residents_page_is_never_kept_nor_given_a_kept_one(app, client, make_resident):
    resident = make_resident()
    anonymous = app.test_client().get(CATALOGUE).get_data(as_text=True)
    assert "ログアウト" not in anonymous and len(kept(app)) == 1
    sign_in_as(client, resident)
    page = client.get(CATALOGUE).get_data(as_text=True)
    assert "ログアウト" in page and "マイページ" in page
    assert len(kept(app)) == 1
    for entry in kept(app).values():
        assert b"csrf_token" not in entry.body


def test_a_visitors_own_drafts_are_never_shown_to_another(app, client):
    start(client, "ichinomiya", "consultation")
    own = client.get(CONSULTATION).get_data(as_text=True)
    assert "入力途中の下書きがあります" in own
    stranger = app.test_client().get(CONSULTATION).get_data(as_text=True)
    assert "入力途中の下書きがあります" not in stranger
    assert "入力途中の下書きがあります" in client.get(CONSULTATION).get_data(as_text=True)


def test_a_page_with_a_form_token_is_not_kept(app, client):
    assert 'name="csrf_token"' in client.get(CONSULTATION).get_data(as_text=True)
    assert kept(app) == {}


def test_each_language_gets_its_own_page(app, client):
    japanese = app.test_client().get(CATALOGUE).get_data(as_text=True)
    switch_language(client, "en", CATALOGUE)
    english = client.get(CATALOGUE).get_data(as_text=True)
    assert '<html lang="ja">' in japanese and '<html lang="en">' in english
    assert '<html lang="ja">' in app.test_client().get(CATALOGUE).get_data(as_text=True)


def test_a_published_version_shows_at_once(app, client, db, tmp_path):
    assert "必要な枚数" not in client.get(JUMINHYO).get_data(as_text=True)
    content = yaml.safe_load((ROOT / "forms" / "juminhyo.yaml").read_text(encoding="utf-8"))
    content["version"] += 1
    content["title"]["ja"] = "住民票の写し（新版）"
    (tmp_path / "juminhyo.yaml").write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    sync_directory(db, tmp_path)
    db.commit()
    assert "住民票の写し（新版）" in client.get(JUMINHYO).get_data(as_text=True)
    assert "住民票の写し（新版）" in client.get(CATALOGUE).get_data(as_text=True)


def test_a_changed_municipality_shows_at_once(client, db):
    assert "市民課" in client.get(CATALOGUE).get_data(as_text=True)
    municipality = db.scalar(select(Municipality).where(Municipality.slug == "ichinomiya"))
    municipality.contact_phone = "0586-00-0000"
    db.commit()
    assert "0586-00-0000" in client.get(CATALOGUE).get_data(as_text=True)


def test_a_staff_session_is_never_answered_from_the_cache(app, client):
    app.test_client().get(CATALOGUE)
    with client.session_transaction() as browser_session:
        browser_session["staff_id"] = 1
    client.get(CATALOGUE)
    assert len(kept(app)) == 1


def test_another_cookie_or_a_post_bypasses_the_cache(app, client):
    client.get(CATALOGUE)
    client.set_cookie("tracking", "x")
    client.get(CATALOGUE)
    assert len(kept(app)) == 1


def test_a_start_page_needing_sign_in_sends_to_the_sign_in_page_without_a_token(client):
    page = client.get(JUMINHYO).get_data(as_text=True)
    form = page.split('<form method="get" action="/login">')[1].split("</form>")[0]
    assert 'name="next" value="/ichinomiya/procedures/juminhyo/start"' in form and "ログインして申請をはじめる" in form
    assert "csrf_token" not in page
    assert client.get("/login?next=/ichinomiya/procedures/juminhyo/start").status_code == 200
