"""A minimal Flask + Flask-Babel app for unit tests (independent of the portal app factory)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask, render_template, request
from flask_babel import Babel
from jinja2 import FileSystemLoader

ROOT = Path(__file__).resolve().parents[2]


def _locale() -> str:
    return request.args.get("lang", "ja") if request else "ja"


@pytest.fixture(scope="session")
def app():
    app = Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="test", BABEL_DEFAULT_LOCALE="ja")
    app.jinja_loader = FileSystemLoader(str(ROOT / "portal" / "procedures" / "templates"))
    Babel(app, locale_selector=_locale)
    return app


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def in_lang(app):
    """``with in_lang("en"): ...`` runs a block in a request of that language (a fresh app context,
    since Flask-Babel caches the locale on ``g``)."""
    @contextmanager
    def _in_lang(lang: str):
        with app.app_context(), app.test_request_context(f"/?lang={lang}"):
            yield
    return _in_lang


@pytest.fixture
def render():
    def _render(field, raw=None, errors=None, prefill=None, **extra) -> str:
        return render_template(field.template, field=field, raw=raw or {}, errors=errors or [],
                               prefill=prefill, **extra)
    return _render
