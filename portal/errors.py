"""The portal's own error pages (400/403/404/405/413/429/500 and the rest), in the resident's language and the
layout of the area the visitor was in: the back office's for its URLs, the residents' everywhere else.

Werkzeug's raw English pages are never shown. The 500 page must not fail in its turn (a database that went away
is the usual reason for a 500): it reads nothing from the database, and if it fails all the same, a template
that needs nothing at all answers.
"""
from __future__ import annotations

import logging
import re

from flask import Flask, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal import db
from portal.tenancy.scope import municipality_by_slug

log = logging.getLogger(__name__)

#: the blueprints whose pages use the back office's layout
BACK_OFFICE = frozenset({"backoffice", "admin", "booking_admin", "booking_staff", "booking_groups",
                         "payments_staff", "staff"})

SLUG = re.compile(r"[a-z0-9-]{1,40}")
TITLES = {
    400: _l("入力の内容を読み取れませんでした"),
    403: _l("この画面を表示する権限がありません"),
    404: _l("ページが見つかりません"),
    405: _l("この操作はできません"),
    409: _l("ほかの操作と重なりました"),
    413: _l("送信された内容が大きすぎます"),
    429: _l("アクセスが集中しています"),
    500: _l("システムでエラーが起きました"),
}
MESSAGES = {
    400: _l("URLや入力の内容に読み取れない部分がありました。前の画面に戻り、もう一度お試しください。"),
    403: _l("ログインしているアカウントでは、この画面を利用できません。必要な場合は管理者に依頼してください。"),
    404: _l("お探しのページや申請は見つかりませんでした。受付番号やURLを確かめてください。"),
    405: _l("この画面はこの方法では開けません。リンクやボタンから操作してください。"),
    409: _l("同じ内容がほかの画面で先に変更されました。画面を開き直して、もう一度お試しください。"),
    413: _l("添付したファイルが大きすぎます。ファイルを小さくしてから、もう一度送信してください。"),
    429: _l("短い時間に操作が続いたため、一時的に受付を止めています。しばらく待ってから、もう一度お試しください。"),
    500: _l("申し訳ありません。時間をおいて、もう一度お試しください。"
            "入力中の内容は下書きに保存されている場合があります。"),
}
CSRF_TITLE = _l("ページの有効期限が切れました")
CSRF_MESSAGE = _l("安全のため、一定時間がたった画面からは送信できません。前の画面に戻って再読み込みし、"
                  "もう一度お試しください。")


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)


def _csrf_failed(_error: CSRFError):
    return _answer(400, CSRF_TITLE, CSRF_MESSAGE)


def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error  # redirects raised by routing are answers, not errors
    if error.code >= 500:
        return _server_error(error)
    body, code = _answer(error.code)
    # keep what the exception says about itself: Allow for 405, Retry-After for 429
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return body, code, headers


def _server_error(error: Exception):
    # The database is the usual suspect: the 500 page reads nothing from it (a cached municipality row would
    # load its columns there), so it is the residents' layout without the municipality's header.
    g.pop("municipality", None)
    code = error.code if isinstance(error, HTTPException) and error.code else 500
    return _answer(code)


def _answer(code: int, title=None, message=None):
    try:
        return error_page(code, title, message)
    except Exception:  # noqa: BLE001 — whatever broke the page (the database, a template) may break this one too
        log.exception("the %s page failed; answering with the minimal one", code)
        # straight from the environment: no context processor, nothing that could fail again
        return current_app.jinja_env.get_template("error_minimal.html").render(code=code), code


def _municipality_of_url() -> None:
    """A URL under /<municipality>/ that matched no page still gets the municipality's header and contact."""
    slug = request.path.strip("/").split("/", 1)[0]
    if request.url_rule is None and SLUG.fullmatch(slug):
        try:
            g.municipality = municipality_by_slug(db.session(), slug)
        except SQLAlchemyError:
            log.warning("the database did not answer for the error page of /%s/", slug)


def error_page(code: int, title=None, message=None):
    """The page for ``code``; a code without its own text gets the 400 or 500 one."""
    known = code if code in TITLES else (500 if code >= 500 else 400)
    context = {"code": code, "title": title or TITLES[known], "message": message or MESSAGES[known]}
    if code < 500 and g.get("municipality") is None:
        _municipality_of_url()
    if request.blueprint in BACK_OFFICE and g.get("municipality") is not None:
        return render_template("backoffice/error.html", **context), code
    return render_template("error.html", **context), code
