"""Static files for phones: content-hashed names cached for a year, precompressed (brotli, gzip); HTML compressed.

``flask digest compile`` (Flask-Static-Digest; ``make install`` runs it) writes next to each file in static/ a
copy named by its MD5 (``css/portal-<md5>.css``), ``.gz`` and ``.br`` versions of both and
``cache_manifest.json``. ``url_for('static', filename=…)`` then names the hashed copy — for every template and
for Python code alike — and WhiteNoise serves it with the encoding the browser accepts and a far-future
immutable ``Cache-Control``: a repeat visit asks only for the HTML. A file changed since the last compile (or
no compile at all, e.g. a bare ``pytest``) keeps its plain name, served with a short cache.

HTML responses are compressed by Flask-Compress (brotli or gzip, at their fastest levels). Compressing pages that
carry a CSRF token invites BREACH only where an attacker can make the victim's browser send many cross-site requests
with its cookies: the session cookie is SameSite=Lax (not sent with cross-site subresource requests), and the token
in the page is re-signed with a new timestamp on every request, so its secret part is not constant.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from flask import Flask, has_request_context, request, url_for
from flask_compress import Compress
from whitenoise import WhiteNoise

MANIFEST = "cache_manifest.json"
HASHED = re.compile(r"-([0-9a-f]{32})\.[^/]+$")
NOT_CACHED_SECONDS = 60  # a file without a hashed name may change with the next deployment
# generated copies of the vendored README and LICENCE would only be noise
NOT_DIGESTED = [".md", ""]

compress = Compress()


def fresh_manifest(static_folder: Path) -> dict[str, str]:
    """Plain name → hashed name, for the files whose hashed copy still matches them (a file edited since the
    last ``flask digest compile`` is served under its plain name rather than as its old content)."""
    try:
        manifest = json.loads((static_folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    fresh = {}
    for plain, hashed in manifest.items():
        digest = HASHED.search(hashed)
        source = static_folder / plain
        if digest and (static_folder / hashed).is_file() and source.is_file() \
                and hashlib.md5(source.read_bytes(), usedforsecurity=False).hexdigest() == digest.group(1):
            fresh[plain] = hashed
    return fresh


def is_built(static_folder: Path) -> bool:
    """Whether every file of ``static_folder`` has a fresh hashed copy (``flask digest compile`` is done)."""
    sources = {path.relative_to(static_folder).as_posix() for path in static_folder.rglob("*")
               if path.is_file() and path.name != MANIFEST and not HASHED.search(path.name)
               and path.suffix not in {".gz", ".br", *NOT_DIGESTED}}
    return sources <= fresh_manifest(static_folder).keys()


def _is_hashed(_path: str, url: str) -> bool:
    return HASHED.search(url) is not None


def _nosniff(headers, _path: str, _url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def init_app(app: Flask) -> None:
    static_folder = Path(app.static_folder)
    manifest = fresh_manifest(static_folder)
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def _hashed_static_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])

    urls: dict[tuple[str, str], str] = {}

    def static_url(filename: str) -> str:
        """``url_for('static', filename=…)`` built once per process: every page names the same few files."""
        if not has_request_context():
            return url_for("static", filename=filename)
        key = (request.script_root, filename)
        found = urls.get(key)
        if found is None:
            found = urls[key] = url_for("static", filename=filename)
        return found

    app.jinja_env.globals["static_url"] = static_url

    app.wsgi_app = WhiteNoise(
        app.wsgi_app, root=str(static_folder), prefix=app.static_url_path.strip("/") + "/",
        max_age=NOT_CACHED_SECONDS, immutable_file_test=_is_hashed, add_headers_function=_nosniff,
    )
    app.config.setdefault("FLASK_STATIC_DIGEST_COMPRESSION", ["gzip", "brotli"])
    app.config.setdefault("FLASK_STATIC_DIGEST_BLACKLIST_FILTER", NOT_DIGESTED)
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)
    # Pages are compressed on every request: the lowest levels cost a fifth of the defaults (brotli 4, gzip 6)
    # for about 10% more bytes (a month calendar: 0.03 instead of 0.12 ms, 2.9 instead of 2.5 KB).
    app.config.setdefault("COMPRESS_BR_LEVEL", 1)
    app.config.setdefault("COMPRESS_LEVEL", 1)
    compress.init_app(app)
