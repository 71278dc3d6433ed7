"""The staff header's menu, as each area registers it: the same entries in the same order as the hard-coded
menu had, administration only for admins, the current page marked, in English for English."""
from __future__ import annotations

import re

from tests.integration.backoffice import sign_in_staff

STAFF_MENU = ["申請一覧", "窓口受付", "お支払い", "施設予約", "イベント", "登録団体"]
ADMIN_MENU = STAFF_MENU + ["手続きの公開", "職員", "施設", "イベント管理", "監査ログ"]


def menu(page: str) -> list[tuple[str, str, bool]]:
    nav = page.split('class="site-header__nav"', 1)[1].split("</ul>", 1)[0]
    return [(href, label, bool(current)) for href, current, label in
            re.findall(r'<li><a href="([^"]+)"( aria-current="page")?>([^<]+)</a></li>', nav)]


def test_staff_see_the_working_areas_in_order(client, db, make_staff):
    staff = make_staff(display_name="市民課 一宮")
    sign_in_staff(client, staff)
    entries = menu(client.get("/ichinomiya/backoffice/").get_data(as_text=True))
    assert [label for _href, label, _current in entries] == STAFF_MENU + ["市民課 一宮"]
    assert entries[0] == ("/ichinomiya/backoffice/", "申請一覧", True)
    assert [current for *_rest, current in entries[1:]] == [False] * 6


def test_admins_also_see_administration_in_english_too(client, db, make_staff):
    admin = make_staff(role="admin", display_name="管理者")
    sign_in_staff(client, admin)
    entries = menu(client.get("/ichinomiya/backoffice/admin/audit").get_data(as_text=True))
    assert [label for _href, label, _current in entries] == ADMIN_MENU + ["管理者"]
    assert [href for href, _label, current in entries if current] == ["/ichinomiya/backoffice/admin/audit"]
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = menu(client.get("/ichinomiya/backoffice/").get_data(as_text=True))
    assert [label for _href, label, _current in english][:1] + [english[-2][1]] == ["Applications", "Audit log"]
