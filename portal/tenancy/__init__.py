"""Municipalities: the portal's front page, each municipality's /<municipality>/ prefix and catalogue."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.tenancy.views import bp, municipal

    app.register_blueprint(bp)
    app.register_blueprint(municipal)
