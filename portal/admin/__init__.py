"""Administration in the back office: procedures' publication, staff accounts, the audit log."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from portal.admin.views import bp
    from portal.staff import menu

    app.register_blueprint(bp)
    menu.add_entry(app, 60, "procedures", _l("手続きの公開"), "admin.procedures", role="admin")
    menu.add_entry(app, 70, "staff", _l("職員"), "admin.staff_list", role="admin")
    menu.add_entry(app, 90, "audit", _l("監査ログ"), "admin.audit", role="admin")
