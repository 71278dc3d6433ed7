"""Staff passwords: one set by someone else (an admin, the CLI) is changed at the first sign-in; staff change
their own with the current one; the rules; the demo accounts stay usable in development only."""
from __future__ import annotations

from sqlalchemy import select

from portal import create_app
from portal.audit.models import AuditEvent
from portal.staff import auth
from portal.staff.demo import DEMO_PASSWORD
from portal.staff.models import StaffUser
from tests.conftest import app_config
from tests.integration.backoffice import PASSWORD, login, sign_in_staff
from tests.integration.helpers import location_path, post

PAGE = "/ichinomiya/backoffice/account/password"
NEW = "a brand new passphrase"


def change(client, current=PASSWORD, new=NEW, confirm=None, next_url=""):
    return post(client, PAGE, {"current_password": current, "new_password": new,
                               "new_password_confirm": new if confirm is None else confirm, "next": next_url},
                page=PAGE)


def test_a_password_set_by_an_admin_must_be_changed_before_any_work(app, client, db, make_staff):
    staff = make_staff(username="shinjin", must_change_password=True)
    assert location_path(login(client, staff)) == "/ichinomiya/backoffice/"
    for url in ("/ichinomiya/backoffice/", "/ichinomiya/backoffice/counter/", "/ichinomiya/backoffice/account/totp"):
        assert location_path(client.get(url)) == f"{PAGE}?next={url}"
    page = client.get(f"{PAGE}?next=/ichinomiya/backoffice/counter/").get_data(as_text=True)
    assert "業務を始める前に" in page and 'autocomplete="new-password"' in page
    # A second browser signed in with the admin's password is signed out by the change.
    other = app.test_client()
    login(other, staff)
    response = change(client, next_url="/ichinomiya/backoffice/counter/")
    assert location_path(response) == "/ichinomiya/backoffice/counter/"
    db.refresh(staff)
    assert not staff.must_change_password and auth.verify_password(staff, NEW)
    assert client.get("/ichinomiya/backoffice/").status_code == 200
    assert "/backoffice/login" in location_path(other.get("/ichinomiya/backoffice/"))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "staff.password_changed"))
    assert event.detail == {"forced": True} and event.object_id == str(staff.id)
    assert location_path(login(app.test_client(), staff, password=NEW)) == "/ichinomiya/backoffice/"


def test_an_admin_reset_forces_a_change_again(app, client, db, make_staff):
    admin, staff = make_staff(role="admin"), make_staff()
    sign_in_staff(client, admin)
    post(client, f"/ichinomiya/backoffice/admin/staff/{staff.id}/password", {"password": "set by the admin 1"},
         page=f"/ichinomiya/backoffice/admin/staff/{staff.id}")
    db.refresh(staff)
    assert staff.must_change_password
    assert "次回のログイン時に本人が変更します" in \
        client.get(f"/ichinomiya/backoffice/admin/staff/{staff.id}").get_data(as_text=True)
    desk = app.test_client()
    login(desk, staff, password="set by the admin 1")
    assert location_path(desk.get("/ichinomiya/backoffice/")).startswith(PAGE)


def test_staff_change_their_own_password_with_the_current_one(client, db, make_staff):
    staff = make_staff(username="yamada")
    login(client, staff)
    page = client.get("/ichinomiya/backoffice/account/totp").get_data(as_text=True)
    assert 'href="/ichinomiya/backoffice/account/password"' in page
    wrong = change(client, current="not my password")
    assert wrong.status_code == 422 and "現在のパスワードが正しくありません" in wrong.get_data(as_text=True)
    for new, message in (("short", "12文字以上"), ("yamada-is-my-name", "ユーザー名を含めないで"),
                         (DEMO_PASSWORD, "デモ用として公開されている"), (PASSWORD, "今と同じパスワード"),
                         ("x" * 129, "128文字以内")):
        response = change(client, new=new)
        assert response.status_code == 422 and message in response.get_data(as_text=True), new
    mismatch = change(client, confirm=NEW + "!")
    assert mismatch.status_code == 422 and "同じパスワードをもう一度" in mismatch.get_data(as_text=True)
    db.refresh(staff)
    assert auth.verify_password(staff, PASSWORD)
    done = change(client)
    assert location_path(done) == PAGE
    assert "パスワードを変更しました" in client.get(PAGE).get_data(as_text=True)
    db.refresh(staff)
    assert auth.verify_password(staff, NEW) and not staff.must_change_password


def test_accounts_from_the_cli_change_their_password_at_first_sign_in(app, db):
    result = app.test_cli_runner().invoke(args=["staff", "create", "--municipality", "ichinomiya", "--username",
                                                "first",
                                                "--display-name", "管理者", "--password", "a long enough passphrase"])
    assert result.exit_code == 0 and "a new password and TOTP enrolment at first sign-in" in result.output
    assert db.scalar(select(StaffUser).where(StaffUser.username == "first")).must_change_password


def test_demo_staff_sign_in_without_a_forced_change_in_development(app, client, db):
    app.test_cli_runner().invoke(args=["demo", "load"])
    demo = db.scalar(select(StaffUser).where(StaffUser.username == "ichinomiya-staff"))
    assert not demo.must_change_password
    assert location_path(login(client, demo, password=DEMO_PASSWORD)) == "/ichinomiya/backoffice/"
    assert client.get("/ichinomiya/backoffice/").status_code == 200


def test_a_published_password_is_changed_first_in_production(database_url, tmp_path, mail_sink, db, make_staff):
    """A database copied from a demo into production: the published password still signs in, once, to be changed."""
    production = create_app(app_config(database_url, tmp_path, PORTAL_ENV="production"))
    staff = make_staff()
    staff.password_hash = auth.hash_password(DEMO_PASSWORD)
    db.commit()
    client = production.test_client()
    assert location_path(login(client, staff, password=DEMO_PASSWORD)) == "/ichinomiya/backoffice/"
    assert location_path(client.get("/ichinomiya/backoffice/")).startswith(PAGE)
    db.refresh(staff)
    assert staff.must_change_password
