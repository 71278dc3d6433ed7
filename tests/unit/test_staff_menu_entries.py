"""The back office's menu: entries from every area, in their order, each shown to the role it needs."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Flask

from portal.staff import menu


def test_entries_come_in_order_and_only_to_the_role_they_need():
    app = Flask(__name__)
    menu.add_entry(app, 30, "payments", "お支払い", "payments_staff.index")
    menu.add_entry(app, 90, "audit", "監査ログ", "admin.audit", role="admin")
    menu.add_entry(app, 10, "queue", "申請一覧", "backoffice.queue")
    with app.app_context():
        assert [e.nav for e in menu.entries_for(SimpleNamespace(role="staff"))] == ["queue", "payments"]
        assert [e.nav for e in menu.entries_for(SimpleNamespace(role="admin"))] == ["queue", "payments", "audit"]
        [first, *_rest] = menu.entries_for(SimpleNamespace(role="admin"))
        assert (first.label, first.endpoint) == ("申請一覧", "backoffice.queue")


def test_an_app_without_entries_has_an_empty_menu():
    with Flask(__name__).app_context():
        assert menu.entries_for(SimpleNamespace(role="admin")) == []
