"""マイページ: the resident's drafts, submissions and 補正 requests."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.mypage import correction, views  # noqa: F401  (their routes are on the blueprint)
    from portal.mypage.blueprint import bp

    app.register_blueprint(bp)
