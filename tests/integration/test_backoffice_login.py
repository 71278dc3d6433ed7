"""Staff sign-in: argon2 passwords, lockout, TOTP (required for admins), session rules."""
from __future__ import annotations

import time
from datetime import timedelta

import pyotp
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.staff import auth
from portal.staff.models import StaffUser
from tests.conftest import sign_in_as
from tests.integration.backoffice import PASSWORD, TOTP_SECRET, login, sign_in_staff, totp_code
from tests.integration.helpers import expire_rate_limit_windows, location_path, post


def test_passwords_are_argon2_hashes(db, make_staff):
    staff = make_staff()
    assert staff.password_hash.startswith("$argon2id$") and PASSWORD not in staff.password_hash
    assert auth.verify_password(staff, PASSWORD) and not auth.verify_password(staff, PASSWORD + "x")
    assert auth.password_problem("short") and auth.password_problem("my-name-is-yamada-1", "yamada")
    assert auth.password_problem("a long enough passphrase") is None


def test_staff_signs_in_and_out(client, db, make_staff):
    staff = make_staff(username="yamada")
    page = client.get("/ichinomiya/backoffice/login").get_data(as_text=True)
    assert "職員ログイン" in page and 'autocomplete="current-password"' in page
    response = login(client, staff)
    assert response.status_code == 302 and location_path(response) == "/ichinomiya/backoffice/"
    queue = client.get("/ichinomiya/backoffice/").get_data(as_text=True)
    assert "申請一覧" in queue and staff.display_name in queue
    db.refresh(staff)
    assert staff.last_login_at is not None
    response = post(client, "/ichinomiya/backoffice/logout", page="/ichinomiya/backoffice/")
    assert location_path(response) == "/ichinomiya/backoffice/login"
    assert location_path(client.get("/ichinomiya/backoffice/")).startswith("/ichinomiya/backoffice/login")
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["staff.login", "staff.logout"]


def test_wrong_password_and_unknown_user_get_the_same_answer(client, db, make_staff):
    staff = make_staff()
    wrong = login(client, staff, password="not the password")
    unknown = post(client, "/ichinomiya/backoffice/login", {"username": "nobody", "password": "whatever"},
                   page="/ichinomiya/backoffice/login")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "ユーザー名またはパスワードが正しくありません" in response.get_data(as_text=True)
    assert db.scalars(select(AuditEvent.action)).all() == ["staff.login_failed", "staff.login_failed"]


def test_a_username_belongs_to_one_municipality(client, db, make_staff):
    staff = make_staff(username="shared-name")
    response = login(client, staff, slug="anjo")
    assert response.status_code == 401


def test_five_failures_stop_that_client_for_that_username_for_fifteen_minutes(client, app, db, make_staff):
    """Wrong passwords lock the username *for the client that typed them*, not the account (see
    test_staff_lockout for strangers and unknown usernames)."""
    staff = make_staff()
    for attempt in range(4):
        assert login(client, staff, password=f"wrong-{attempt}").status_code == 401
    response = login(client, staff, password="wrong-5")
    assert response.status_code == 401 and "一時的に止めています" in response.get_data(as_text=True)
    # Even the right password is refused from this client while it waits.
    response = login(client, staff)
    assert response.status_code == 401 and "一時的に止めています" in response.get_data(as_text=True)
    db.refresh(staff)
    assert staff.locked_until is None and not staff.is_locked()
    # Fifteen minutes later (the counter's window has run out) it works again.
    expire_rate_limit_windows(db)
    assert login(client, staff).status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(client, db, make_staff):
    staff = make_staff()
    for attempt in range(4):
        login(client, staff, password=f"wrong-{attempt}")
    assert login(client, staff).status_code == 302
    db.refresh(staff)
    assert staff.failed_attempts == 0 and staff.locked_until is None


def test_admin_without_a_second_factor_must_enrol_first(client, db, make_staff):
    admin = make_staff(role="admin", totp=False)
    response = login(client, admin)
    assert location_path(response) == "/ichinomiya/backoffice/login/totp-setup"
    # Nothing in the back office is reachable half signed in.
    assert location_path(client.get("/ichinomiya/backoffice/")).startswith("/ichinomiya/backoffice/login")
    page = client.get("/ichinomiya/backoffice/login/totp-setup").get_data(as_text=True)
    with client.session_transaction() as s:
        secret = s["staff_totp_setup"]
    assert secret[:4] in page and "otpauth://totp/" in page
    bad = post(client, "/ichinomiya/backoffice/login/totp-setup", {"code": "000000"},
               page="/ichinomiya/backoffice/login/totp-setup")
    assert bad.status_code == 401
    good = post(client, "/ichinomiya/backoffice/login/totp-setup", {"code": pyotp.TOTP(secret).now()},
                page="/ichinomiya/backoffice/login/totp-setup")
    assert location_path(good) == "/ichinomiya/backoffice/"
    db.refresh(admin)
    assert admin.totp_secret == secret
    assert client.get("/ichinomiya/backoffice/").status_code == 200


def test_account_with_totp_needs_the_code_and_a_code_works_once(client, db, make_staff):
    admin = make_staff(role="admin")
    response = login(client, admin)
    assert location_path(response) == "/ichinomiya/backoffice/login/code"
    assert location_path(client.get("/ichinomiya/backoffice/")).startswith("/ichinomiya/backoffice/login")
    wrong = post(client, "/ichinomiya/backoffice/login/code", {"code": "123456"},
                 page="/ichinomiya/backoffice/login/code")
    assert wrong.status_code == 401 and "確認コードが正しくありません" in wrong.get_data(as_text=True)
    code = totp_code(admin)
    ok = post(client, "/ichinomiya/backoffice/login/code", {"code": code[:3] + " " + code[3:]},
              page="/ichinomiya/backoffice/login/code")
    assert location_path(ok) == "/ichinomiya/backoffice/"
    # The same code cannot be replayed by someone who watched it being typed.
    client2 = client.application.test_client()
    login(client2, admin)
    replay = post(client2, "/ichinomiya/backoffice/login/code", {"code": code},
                  page="/ichinomiya/backoffice/login/code")
    assert replay.status_code == 401


def test_wrong_codes_count_towards_the_lockout(client, db, make_staff):
    admin = make_staff(role="admin")
    login(client, admin)
    for _ in range(5):
        post(client, "/ichinomiya/backoffice/login/code", {"code": "000000"}, page="/ichinomiya/backoffice/login")
    db.refresh(admin)
    assert admin.is_locked()


def test_staff_may_add_and_remove_a_second_factor(client, db, make_staff):
    staff = make_staff()
    sign_in_staff(client, staff)
    page = client.get("/ichinomiya/backoffice/account/totp").get_data(as_text=True)
    assert "2段階認証の設定" in page
    with client.session_transaction() as s:
        secret = s["staff_totp_setup"]
    response = post(client, "/ichinomiya/backoffice/account/totp", {"code": pyotp.TOTP(secret).now()},
                    page="/ichinomiya/backoffice/account/totp")
    assert response.status_code == 302
    db.refresh(staff)
    assert staff.totp_secret == secret
    post(client, "/ichinomiya/backoffice/account/totp", {"action": "disable"},
         page="/ichinomiya/backoffice/account/totp")
    db.refresh(staff)
    assert staff.totp_secret is None


def test_admins_cannot_remove_their_second_factor(client, db, make_staff):
    admin = make_staff(role="admin")
    sign_in_staff(client, admin)
    response = post(client, "/ichinomiya/backoffice/account/totp", {"action": "disable"},
                    page="/ichinomiya/backoffice/")
    assert response.status_code == 403


def test_inactivity_ends_the_session(client, app, db, make_staff):
    staff = make_staff()
    sign_in_staff(client, staff)
    assert client.get("/ichinomiya/backoffice/").status_code == 200
    with client.session_transaction() as s:
        s["staff_seen"] = int(time.time()) - app.config["STAFF_IDLE_SECONDS"] - 1
    response = client.get("/ichinomiya/backoffice/?status=all")
    assert location_path(response) == "/ichinomiya/backoffice/login?next=/ichinomiya/backoffice/?status%3Dall"
    assert "一定時間操作がなかったため" in client.get(location_path(response)).get_data(as_text=True)
    with client.session_transaction() as s:
        assert "staff_id" not in s


def test_activity_keeps_the_session_alive(client, app, db, make_staff):
    staff = make_staff()
    sign_in_staff(client, staff)
    with client.session_transaction() as s:
        s["staff_seen"] = int(time.time()) - app.config["STAFF_IDLE_SECONDS"] + 60
    assert client.get("/ichinomiya/backoffice/").status_code == 200
    with client.session_transaction() as s:
        assert int(time.time()) - s["staff_seen"] < 5


def test_deactivating_or_resetting_ends_existing_sessions(client, db, make_staff):
    staff = make_staff()
    sign_in_staff(client, staff)
    staff.session_version += 1  # what a password reset or role change does
    db.commit()
    assert location_path(client.get("/ichinomiya/backoffice/")).startswith("/ichinomiya/backoffice/login")


def test_sign_in_starts_a_new_session_and_keeps_the_language(client, db, make_staff, make_resident):
    sign_in_as(client, make_resident())
    with client.session_transaction() as s:
        s["lang"] = "en"
        s["planted"] = "by an attacker"
    staff = make_staff()
    login(client, staff)
    with client.session_transaction() as s:
        assert s.get("lang") == "en" and "planted" not in s and "resident_id" not in s
        assert s["staff_id"] == staff.id


def test_next_only_goes_to_this_municipalitys_back_office(client, db, make_staff):
    staff = make_staff()
    response = post(client, "/ichinomiya/backoffice/login",
                    {"username": staff.username, "password": PASSWORD, "next": "https://evil.example/"},
                    page="/ichinomiya/backoffice/login")
    assert location_path(response) == "/ichinomiya/backoffice/"
    with client.session_transaction() as s:
        s.clear()
    response = post(client, "/ichinomiya/backoffice/login",
                    {"username": staff.username, "password": PASSWORD, "next": "/ichinomiya/backoffice/counter/"},
                    page="/ichinomiya/backoffice/login")
    assert location_path(response) == "/ichinomiya/backoffice/counter/"


def test_login_is_rate_limited(limited_app, make_staff):
    limited = limited_app()
    client = limited.test_client()
    staff = make_staff()
    statuses = [login(client, staff, password="wrong").status_code for _ in range(12)]
    assert statuses[0] == 401 and statuses[-1] == 429


def test_flask_staff_create_makes_the_first_admin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["staff", "create", "--municipality", "anjo", "--username", "First-Admin",
                                 "--display-name", "安城市 管理者", "--password", "a long enough passphrase"])
    assert result.exit_code == 0, result.output
    admin = db.scalar(select(StaffUser).where(StaffUser.username == "first-admin"))
    assert admin.role == "admin" and admin.municipality.slug == "anjo" and admin.totp_secret is None
    again = runner.invoke(args=["staff", "create", "--municipality", "anjo", "--username", "first-admin",
                                "--display-name", "x", "--password", "a long enough passphrase"])
    assert again.exit_code != 0 and "already exists" in again.output
    weak = runner.invoke(args=["staff", "create", "--municipality", "anjo", "--username", "second",
                               "--display-name", "x", "--password", "short"])
    assert weak.exit_code != 0
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "admin.staff_create")).actor_kind == "system"


def test_cli_unlock_and_reset_totp(app, db, make_staff):
    admin = make_staff(role="admin", locked_until=utcnow() + timedelta(minutes=10))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["staff", "unlock", "--municipality", "ichinomiya", admin.username]).exit_code == 0
    assert runner.invoke(args=["staff", "reset-totp", "--municipality", "ichinomiya", admin.username]).exit_code == 0
    db.expire_all()
    assert admin.locked_until is None and admin.totp_secret is None
    assert TOTP_SECRET  # the fixture's secret is the one that was removed


def test_demo_load_creates_demo_staff_once(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "demo staff accounts added: 4" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "demo staff accounts added: 0" in second.output
    admin = db.scalar(select(StaffUser).where(StaffUser.username == "ichinomiya-admin"))
    assert admin.role == "admin" and admin.totp_secret
    staff = db.scalar(select(StaffUser).where(StaffUser.username == "ichinomiya-staff"))
    assert "juminhyo" in staff.procedure_keys


def test_no_demo_staff_in_production(app, db):
    app.config["PORTAL_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "load"])
    finally:
        app.config["PORTAL_ENV"] = "development"
    assert "no demo staff" in result.output
    assert db.scalar(select(StaffUser)) is None
