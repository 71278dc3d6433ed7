"""Tests for the dev mailbox: SMTP -> store -> web UI, and the MailSink helper."""

from __future__ import annotations

import smtplib
import threading
import time
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate

import pytest

from devtools.mailbox.smtp import start_controller, store_handler
from devtools.mailbox.store import MailStore, extract_body, header_text
from devtools.mailbox.testing import MailSink, MailTimeoutError
from devtools.mailbox.web import create_app

UTF8_SUBJECT = "【受付完了】転入届の申請を受け付けました"
UTF8_BODY = "山田 太郎 様\n\n受付番号: A-2024-000123\n髙橋さん・①番窓口へのご来庁は不要です。\n"
JIS_SUBJECT = "児童手当 認定請求のお知らせ"
JIS_BODY = "申請内容を確認しました。\n書かない・行かない窓口をご利用ください。\n"


def utf8_message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr(("さくら市役所", "noreply@city.example.jp"))
    msg["To"] = formataddr(("山田 太郎", "taro@example.jp"))
    msg["Subject"] = UTF8_SUBJECT
    msg["Date"] = formatdate(localtime=True)
    msg.set_content(UTF8_BODY)  # utf-8, base64 or 8bit as the policy decides
    return msg


def iso2022jp_message() -> bytes:
    """Built the classic Japanese-mailer way: 7bit ISO-2022-JP body and
    B-encoded ISO-2022-JP encoded words in the headers."""
    msg = MIMEText(JIS_BODY, "plain", "iso-2022-jp")
    msg["Subject"] = Header(JIS_SUBJECT, "iso-2022-jp")
    msg["From"] = formataddr((str(Header("さくら市役所", "iso-2022-jp")), "noreply@city.example.jp"))
    msg["To"] = "hanako@example.jp"
    msg["Date"] = formatdate(localtime=True)
    data = msg.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))  # CRLF line endings, as on the wire
    assert b"=?iso-2022-jp?b?" in data.lower()  # really encoded-words
    assert JIS_SUBJECT.encode("utf-8") not in data
    return data


def send(port: int, msg, to: list[str] | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        if isinstance(msg, bytes):
            client.sendmail("noreply@city.example.jp", to or ["hanako@example.jp"], msg)
        else:
            client.send_message(msg, to_addrs=to)


@pytest.fixture
def smtp_store(tmp_path):
    store = MailStore(tmp_path / "mailbox")
    controller = start_controller(store_handler(store))
    try:
        yield store, controller.port
    finally:
        controller.stop()


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


# -- store ----------------------------------------------------------------

def test_smtp_messages_are_stored_as_eml_files(smtp_store):
    store, port = smtp_store
    send(port, utf8_message())
    send(port, iso2022jp_message())
    wait_until(lambda: len(store) == 2)

    files = sorted(store.directory.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no temp files left

    summaries = store.summaries()
    assert [s.subject for s in summaries] == [JIS_SUBJECT, UTF8_SUBJECT]  # newest first
    assert summaries[0].to == "hanako@example.jp"
    assert "山田 太郎" in summaries[1].to

    jis = store.get(summaries[0].id)
    assert jis.get_content_charset() == "iso-2022-jp"
    assert extract_body(jis).text == JIS_BODY
    assert header_text(jis, "From").startswith("さくら市役所")

    utf8 = store.get(summaries[1].id)
    assert extract_body(utf8).text == UTF8_BODY


def test_envelope_recipients_are_recorded(smtp_store):
    store, port = smtp_store
    send(port, utf8_message(), to=["taro@example.jp", "bcc@example.jp"])
    wait_until(lambda: len(store) == 1)
    msg = store.get(store.ids()[0])
    assert msg["X-Mailbox-Envelope-To"] == "taro@example.jp, bcc@example.jp"
    assert msg["X-Mailbox-Envelope-From"] == "noreply@city.example.jp"


def test_store_rejects_path_like_ids(tmp_path):
    store = MailStore(tmp_path)
    (tmp_path / "secret.txt").write_text("x")
    for bad in ["../secret", ".hidden", "a/b", ""]:
        with pytest.raises(KeyError):
            store.raw(bad)


def test_store_save_and_delete_all(tmp_path):
    store = MailStore(tmp_path)
    first = store.save(b"Subject: one\r\n\r\nbody\r\n")
    second = store.save(b"Subject: two\r\n\r\nbody\r\n")
    assert store.ids() == [second, first]
    assert store.delete_all() == 2
    assert store.ids() == []


def test_raw_iso2022jp_header_and_cp932_extension_characters(tmp_path):
    """Old mailers: unencoded ISO-2022-JP in the Subject, and a body labelled
    ISO-2022-JP that uses NEC extension characters."""
    store = MailStore(tmp_path)
    subject = "お知らせ".encode("iso2022_jp")
    # ① is JIS row 13 (0x2D21), an NEC extension Python's codecs reject.
    body = b"\x1b$B-!\x1b(B" + "番窓口".encode("iso2022_jp")
    store.save(
        b"Subject: " + subject + b"\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n" + body + b"\r\n"
    )
    (summary,) = store.summaries()
    assert summary.subject == "お知らせ"
    assert extract_body(store.get(summary.id)).text == "①番窓口\n"


def test_decode_cp50220_extension_rows():
    from devtools.mailbox.store import decode_cp50220

    text = "申請①Ⅱ㈱髙﨑ｶﾅabc"
    # Build CP50220 bytes by hand from CP932: the inverse mapping.
    out, mode = bytearray(), "ascii"
    for ch in text:
        sj = ch.encode("cp932")
        if len(sj) == 1 and sj[0] >= 0xA1:
            if mode != "kana":
                out += b"\x1b(I"
                mode = "kana"
            out.append(sj[0] - 0x80)
        elif len(sj) == 1:
            if mode != "ascii":
                out += b"\x1b(B"
                mode = "ascii"
            out += sj
        else:
            if mode != "jis":
                out += b"\x1b$B"
                mode = "jis"
            s1, s2 = sj  # Python's cp932 picks NEC rows for ①, 髙 (0xEEE0)...
            s1 -= 0xB0 if s1 >= 0xE0 else 0x70
            j1 = s1 * 2 - (1 if s2 < 0x9F else 0)
            j2 = s2 - (0x1F + (1 if s2 >= 0x80 else 0) if s2 < 0x9F else 0x7E)
            out += bytes((j1, j2))
    out += b"\x1b(B"
    assert decode_cp50220(bytes(out)) == text


# -- web UI ---------------------------------------------------------------

@pytest.fixture
def client(smtp_store):
    store, port = smtp_store
    app = create_app(store)
    app.testing = True
    return app.test_client(), store, port


def test_web_lists_and_shows_decoded_messages(client):
    http, store, port = client
    send(port, utf8_message())
    send(port, iso2022jp_message())
    wait_until(lambda: len(store) == 2)

    page = http.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert page.headers["Content-Type"].startswith("text/html")
    assert "script" not in html.lower()
    assert JIS_SUBJECT in html and UTF8_SUBJECT in html
    assert html.index(JIS_SUBJECT) < html.index(UTF8_SUBJECT)  # newest first
    assert "hanako@example.jp" in html

    jis_id, utf8_id = store.ids()
    html = http.get(f"/messages/{jis_id}").get_data(as_text=True)
    assert JIS_SUBJECT in html
    assert "書かない・行かない窓口をご利用ください。" in html
    assert "さくら市役所" in html

    html = http.get(f"/messages/{utf8_id}").get_data(as_text=True)
    assert "受付番号: A-2024-000123" in html
    assert "髙橋さん・①番窓口" in html
    assert "&lt;taro@example.jp&gt;" in html  # the To header, escaped


def test_web_escapes_plain_text_body(client):
    http, store, _ = client
    msg = utf8_message()
    msg.replace_header("Subject", "<b>件名</b>")
    msg.set_content("<script>alert('x')</script> & 本文")
    store.save(msg.as_bytes())
    html = http.get(f"/messages/{store.ids()[0]}").get_data(as_text=True)
    assert "<script>" not in html and "<b>件名" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 本文" in html
    assert "&lt;b&gt;件名&lt;/b&gt;" in html


def test_web_security_headers_and_static_css(client):
    http, _, _ = client
    page = http.get("/")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    css = http.get("/static/mailbox.css")
    assert css.status_code == 200
    assert b"@import" not in css.data and b"url(" not in css.data


def test_web_raw_download_and_404(client):
    http, store, _ = client
    mid = store.save(utf8_message().as_bytes())
    raw = http.get(f"/messages/{mid}/raw")
    assert raw.status_code == 200
    assert raw.data == store.raw(mid)
    assert http.get("/messages/nope").status_code == 404
    assert http.get("/messages/..%2Fx").status_code == 404


def test_web_delete_all_is_post_only(client):
    http, store, _ = client
    store.save(utf8_message().as_bytes())
    assert http.get("/delete-all").status_code == 405
    assert len(store) == 1
    response = http.post("/delete-all")
    assert response.status_code == 303
    assert len(store) == 0
    html = http.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 件のメールを削除しました" in html


# -- MailSink -------------------------------------------------------------

def test_mailsink_wait_for_messages_clear():
    with MailSink() as sink:
        assert isinstance(sink.port, int) and sink.port > 0
        send(sink.port, utf8_message())
        send(sink.port, iso2022jp_message())

        msg = sink.wait_for(lambda m: "児童手当" in m["Subject"])
        assert msg["Subject"] == JIS_SUBJECT
        assert msg.get_content() == JIS_BODY

        assert [m["Subject"] for m in sink.messages()] == [UTF8_SUBJECT, JIS_SUBJECT]
        first = sink.messages()[0]
        assert isinstance(first, EmailMessage)
        assert first.get_body(("plain",)).get_content() == UTF8_BODY

        sink.clear()
        assert sink.messages() == []


def test_mailsink_wait_for_message_sent_later():
    with MailSink() as sink:
        timer = threading.Timer(0.3, send, args=(sink.port, utf8_message()))
        timer.start()
        try:
            msg = sink.wait_for(timeout=5)
        finally:
            timer.join()
        assert msg["Subject"] == UTF8_SUBJECT


def test_mailsink_wait_for_times_out():
    sink = MailSink().start()
    try:
        send(sink.port, utf8_message())
        started = time.monotonic()
        with pytest.raises(MailTimeoutError, match="受付完了"):
            sink.wait_for(lambda m: False, timeout=0.3)
        assert time.monotonic() - started < 3
        with pytest.raises(TimeoutError):
            sink.wait_for(lambda m: False, timeout=0.1)
    finally:
        sink.stop()
