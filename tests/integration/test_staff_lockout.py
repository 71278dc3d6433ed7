"""Staff sign-in failures: counted per typed username and client, never telling which usernames exist, and
a stranger who knows a username cannot lock its owner out."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.staff.models import StaffUser
from tests.integration.backoffice import PASSWORD, login
from tests.integration.helpers import expire_rate_limit_windows, location_path, post

STRANGER = "203.0.113.9"


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def try_login(client, username: str, password: str = "not the password"):
    return post(client, "/ichinomiya/backoffice/login", {"username": username, "password": password},
                page="/ichinomiya/backoffice/login")


def answer(response) -> tuple[int, str]:
    page = response.get_data(as_text=True)
    message = re.search(r'id="login-error">([^<]*)<', page)
    return response.status_code, message.group(1) if message else ""


def test_a_stranger_cannot_lock_the_owner_out(app, client, db, make_staff):
    staff = make_staff(username="yamada")
    stranger = from_address(app, STRANGER)
    outcomes = [answer(try_login(stranger, "yamada"))[1] for _ in range(10)]
    assert "一時的に止めています" in outcomes[-1]
    db.refresh(staff)
    assert not staff.is_locked() and staff.failed_attempts == 0
    # The owner, on their own machine, signs in at once.
    assert location_path(login(client, staff)) == "/ichinomiya/backoffice/"


def test_unknown_and_existing_usernames_get_the_same_answers_all_the_way(app, db, make_staff):
    make_staff(username="yamada")
    existing = [answer(try_login(from_address(app, "198.51.100.1"), "yamada")) for _ in range(7)]
    unknown = [answer(try_login(from_address(app, "198.51.100.1"), "nobody-here")) for _ in range(7)]
    assert existing == unknown
    assert existing[0] == (401, "ユーザー名またはパスワードが正しくありません。")
    assert existing[4][1].startswith("ログインに続けて失敗したため、"
                                     "このユーザー名でのこの端末からのログインを一時的に止めています")
    assert "アカウント" not in "".join(message for _status, message in existing)


def test_the_right_password_from_the_locked_client_waits_too_then_works(app, db, make_staff):
    staff = make_staff()
    desk = from_address(app, "198.51.100.7")
    for _ in range(5):
        try_login(desk, staff.username)
    assert "一時的に止めています" in answer(try_login(desk, staff.username, PASSWORD))[1]
    expire_rate_limit_windows(db)
    assert try_login(desk, staff.username, PASSWORD).status_code == 302


def test_many_clients_slow_a_username_down_but_never_lock_it(app, client, db, make_staff):
    staff = make_staff(username="yamada")
    for n in range(4):
        for _ in range(5):
            try_login(from_address(app, f"192.0.2.{n + 1}"), "yamada")
    # 20 failures from anywhere: one attempt per 10 seconds for this username, whoever asks.
    assert location_path(login(client, staff)) == "/ichinomiya/backoffice/"
    slowed = try_login(from_address(app, "192.0.2.99"), "yamada")
    assert slowed.status_code == 429 and "10秒ほど待って" in answer(slowed)[1]
    for n in range(4):
        for _ in range(5):
            try_login(from_address(app, f"192.0.2.{n + 1}"), "ghost")
    try_login(from_address(app, "192.0.2.98"), "ghost")
    assert answer(try_login(from_address(app, "192.0.2.99"), "ghost")) == answer(slowed)
    assert db.scalar(select(StaffUser.locked_until).where(StaffUser.id == staff.id)) is None


def test_the_account_lock_from_wrong_codes_shows_only_after_the_right_password(app, client, db, make_staff):
    admin = make_staff(role="admin", username="kacho")
    login(client, admin)
    for _ in range(5):
        post(client, "/ichinomiya/backoffice/login/code", {"code": "000000"}, page="/ichinomiya/backoffice/login")
    db.refresh(admin)
    assert admin.is_locked()
    stranger = from_address(app, STRANGER)
    assert answer(try_login(stranger, "kacho")) == answer(try_login(stranger, "nobody-here"))
    status, message = answer(try_login(from_address(app, "198.51.100.3"), "kacho", PASSWORD))
    assert status == 401 and "確認コードの入力に続けて失敗したため" in message
