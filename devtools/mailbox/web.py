"""The web UI: list, read and delete the messages in a :class:`MailStore`."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, abort, redirect, render_template, request, url_for

from .store import ENVELOPE_FROM, ENVELOPE_TO, MailStore, extract_body, header_text, parse_date

# Headers shown at the top of a message, with Japanese + English labels.
SHOWN_HEADERS = [
    ("From", "差出人 From"),
    ("To", "宛先 To"),
    ("Cc", "Cc"),
    ("Reply-To", "返信先 Reply-To"),
    ("Date", "日時 Date"),
    (ENVELOPE_TO, "配送先 Envelope To"),
]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def format_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def create_app(store: MailStore | str) -> Flask:
    if not isinstance(store, MailStore):
        store = MailStore(store)
    app = Flask(__name__)
    app.config["MAILBOX_STORE"] = store
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["filesize"] = format_size

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/")
    def index():
        deleted = request.args.get("deleted", type=int)
        return render_template(
            "mailbox/index.html", messages=store.summaries(), deleted=deleted
        )

    @app.get("/messages/<message_id>")
    def show(message_id: str):
        try:
            msg = store.get(message_id)
        except KeyError:
            abort(404)
        headers = []
        for name, label in SHOWN_HEADERS:
            if name == "Date":
                value = format_datetime(parse_date(msg)) or header_text(msg, "Date")
            else:
                value = header_text(msg, name)
            if value:
                headers.append((label, value))
        all_headers = [
            (name, header_text(msg, name))
            for name in dict.fromkeys(msg.keys())
            if name not in (ENVELOPE_FROM, ENVELOPE_TO)
        ]
        return render_template(
            "mailbox/message.html",
            message_id=message_id,
            subject=header_text(msg, "Subject"),
            headers=headers,
            all_headers=all_headers,
            body=extract_body(msg),
            envelope_from=header_text(msg, ENVELOPE_FROM),
        )

    @app.get("/messages/<message_id>/raw")
    def raw(message_id: str):
        try:
            data = store.raw(message_id)
        except KeyError:
            abort(404)
        return Response(
            data,
            mimetype="message/rfc822",
            headers={"Content-Disposition": f'attachment; filename="{message_id}.eml"'},
        )

    @app.post("/delete-all")
    def delete_all():
        count = store.delete_all()
        return redirect(url_for("index", deleted=count), code=303)

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("mailbox/not_found.html"), 404

    return app
