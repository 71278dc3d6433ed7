"""マイページ: the resident's drafts and submissions."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.mypage.views import bp

    app.register_blueprint(bp)
