"""Administration in the back office: procedures' publication, staff accounts, the audit log."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.admin.views import bp

    app.register_blueprint(bp)
