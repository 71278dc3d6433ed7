"""Static files: hashed names only for fresh copies, a year's immutable cache for them, brotli or gzip."""
from __future__ import annotations

import gzip
import shutil

import brotli
import pytest
from flask import Flask, render_template_string, url_for
from flask_static_digest.digester import compile as digest_compile

from portal import static_files

CSS = "body { color: #1a1a1c; }\n" * 40


def make_app(folder) -> Flask:
    app = Flask(__name__, static_folder=str(folder))
    app.config["TESTING"] = True
    static_files.init_app(app)

    @app.get("/page")
    def page():
        return render_template_string("<link href=\"{{ url_for('static', filename='css/site.css') }}\">" + "x" * 600)

    return app


@pytest.fixture
def folder(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text(CSS)
    (static / "LICENSE").write_text("MIT")
    return static


def build(folder):
    digest_compile(f"{folder}/", f"{folder}/", static_files.NOT_DIGESTED, True, True)


def test_without_a_build_plain_names_and_a_short_cache(folder):
    assert not static_files.is_built(folder)
    client = make_app(folder).test_client()
    with make_app(folder).test_request_context():
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"
    response = client.get("/static/css/site.css")
    assert response.status_code == 200 and response.get_data(as_text=True) == CSS
    assert response.headers["Cache-Control"] == "max-age=60, public"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_after_a_build_hashed_names_immutable_and_compressed(folder):
    build(folder)
    assert static_files.is_built(folder)
    app = make_app(folder)
    client = app.test_client()
    with app.test_request_context():
        hashed = url_for("static", filename="css/site.css")
    assert hashed.startswith("/static/css/site-") and hashed.endswith(".css") \
        and len(hashed) == len("/static/css/site-.css") + 32
    assert not (folder / "LICENSE.gz").exists()  # the licence is left alone

    br = client.get(hashed, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.data).decode() == CSS
    assert br.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert "Accept-Encoding" in br.headers["Vary"]
    gz = client.get(hashed, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data).decode() == CSS
    plain = client.get(hashed)
    assert "Content-Encoding" not in plain.headers and plain.get_data(as_text=True) == CSS

    page = client.get("/page", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br"
    assert hashed in brotli.decompress(page.data).decode()


def test_a_file_changed_since_the_build_keeps_its_plain_name(folder):
    build(folder)
    (folder / "css" / "site.css").write_text(CSS + "p { margin: 0; }\n")
    assert not static_files.is_built(folder)
    app = make_app(folder)
    with app.test_request_context():
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"


def test_a_new_file_is_not_built_until_compiled(folder):
    build(folder)
    shutil.copy(folder / "css" / "site.css", folder / "css" / "more.css")
    assert not static_files.is_built(folder)
    build(folder)
    assert static_files.is_built(folder)
