"""An email's attachments (OutboxEmail.attachments) reach the SMTP server as MIME parts, the bytes unchanged."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.notifications import mail
from portal.notifications.models import OutboxEmail

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def test_an_attachment_is_sent_with_the_text(app, db, mail_sink):
    db.add(OutboxEmail(recipient="hanako@example.jp", subject="参加票", body="本文です。\n",
                       attachments=[mail.attachment("ticket.png", "image/png", PNG)]))
    db.commit()
    with app.app_context():
        assert mail.send_pending(db) == (1, 0)
    [message] = mail_sink.messages()
    assert message.get_body(("plain",)).get_content().strip() == "本文です。"
    [part] = list(message.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("ticket.png", "image/png")
    assert part.get_content() == PNG


def test_an_email_without_attachments_stays_a_single_text_part(app, db, mail_sink):
    db.add(OutboxEmail(recipient="hanako@example.jp", subject="件名", body="本文\n"))
    db.commit()
    with app.app_context():
        mail.send_pending(db)
    [message] = mail_sink.messages()
    assert not message.is_multipart() and list(message.iter_attachments()) == []


def test_queue_keeps_the_attachments_it_is_given(app, db):
    with app.test_request_context("/"):
        email = mail.queue(db, "hanako@example.jp", "submission_withdrawn", "ja", None,
                           attachments=[mail.attachment("a.png", "image/png", b"x")], **_withdrawn_context(db))
        db.commit()
    stored = db.scalar(select(OutboxEmail).where(OutboxEmail.id == email.id))
    assert stored.attachments == [{"filename": "a.png", "content_type": "image/png", "data": "eA=="}]


@pytest.mark.parametrize(("filename", "content_type"), [("../x.png", "image/png"), ("a.png", "png"),
                                                        ('a".png', "image/png")])
def test_a_malformed_attachment_is_refused(filename, content_type):
    with pytest.raises(ValueError):
        mail.attachment(filename, content_type, b"x")


def _withdrawn_context(db):
    from portal.tenancy.models import Municipality

    class _Sub:
        reference = "ABCD-EFGH"
        fee_amount = 0

    return {"municipality": db.scalar(select(Municipality).where(Municipality.slug == "ichinomiya")),
            "submission": _Sub(), "title": "手続き", "status_url": "", "greeting_name": ""}
