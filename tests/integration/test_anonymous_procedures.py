"""Procedures open without sign-in are no relay and no dumping ground: the confirmation to an unverified
address carries no text the sender typed; starts, submissions and emails per address are limited, with a
clear Japanese message that loses nothing; stale anonymous drafts are purged."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from portal.db import utcnow
from portal.notifications.models import OutboxEmail
from portal.procedures.models import Draft, Submission, UploadedFile
from tests.conftest import sign_in_as
from tests.integration.helpers import answer, draft_token, location_path, post, start

PHISHING_NAME = "【重要】お客様のアカウントは停止されました https://evil.example/login"
PHISHING_BODY = "至急こちらで本人確認してください https://evil.example/verify"


def consultation(client, email="victim@example.jp", name=PHISHING_NAME, slug="ichinomiya"):
    """Fill in ご意見・ご相談 without signing in, up to the check page; returns the draft token."""
    token = draft_token(start(client, slug, "consultation"))
    assert answer(client, slug, token, "message",
                  {"topic": "other", "body": PHISHING_BODY, "wants_reply": "yes"}).status_code == 302
    assert answer(client, slug, token, "contact", {"name": name, "email": email}).status_code == 302
    return token


def submit(client, token, slug="ichinomiya"):
    return post(client, f"/{slug}/drafts/{token}/submit", page=f"/{slug}/drafts/{token}/check")


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_confirmation_to_an_unverified_address_carries_nothing_the_sender_typed(client, db, mail_sink):
    response = submit(client, consultation(client))
    assert "/confirmation" in location_path(response)
    submission = db.scalar(select(Submission))
    message = mail_sink.wait_for(lambda m: submission.reference in m["Subject"])
    body = message.get_content()
    assert message["To"] == "victim@example.jp"
    assert message["Subject"] == f"【一宮市】申請を受け付けました（受付番号 {submission.reference}）"
    for typed in ("evil.example", "停止されました", "本人確認", PHISHING_NAME, PHISHING_BODY):
        assert typed not in body and typed not in message["Subject"]
    assert "様" not in body.splitlines()[0]
    assert "市へのご意見・ご相談" in body and submission.reference in body
    assert "このメールアドレスが連絡先として入力されたため" in body and "お心当たりのない場合" in body
    assert "/mypage/" not in body  # nothing to sign in to for an anonymous sender
    # Staff still see everything that was typed.
    assert submission.applicant_name == PHISHING_NAME and submission.answers["body"] == PHISHING_BODY


def test_a_signed_in_resident_is_greeted_with_the_name_on_their_card(client, db, make_resident, mail_sink):
    sign_in_as(client, make_resident())
    submit(client, consultation(client, email="hanako@example.jp", name="誰か 別の人"))
    body = mail_sink.wait_for(lambda m: "申請を受け付けました" in m["Subject"]).get_content()
    assert body.startswith("一宮 花子 様") and "誰か 別の人" not in body and "/mypage/submissions/" in body


def test_one_address_gets_at_most_three_confirmations_an_hour(limited_app, db, mail_sink):
    app = limited_app()
    sender = from_address(app, "198.51.100.20")
    for _ in range(3):
        assert "/confirmation" in location_path(submit(sender, consultation(sender)))
    token = consultation(sender, email="Victim@Example.jp")
    refused = submit(sender, token)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "このメールアドレスあての確認メールが短い時間に続いたため、いまは送信できません" in page
    assert "入力した内容は保存されています" in page and PHISHING_BODY in page  # the check page, answers kept
    assert db.scalar(select(Draft).where(Draft.token == token)).submitted_at is None
    assert len(db.scalars(select(OutboxEmail)).all()) == 3 and len(db.scalars(select(Submission)).all()) == 3
    # Another address goes through; the per-client limit then stops the sixth attempt of the hour.
    assert answer(sender, "ichinomiya", token, "contact", {"name": "x", "email": "other@example.jp"}).status_code == 302
    assert "/confirmation" in location_path(submit(sender, token))
    sixth = submit(sender, consultation(sender, email="third@example.jp"))
    assert sixth.status_code == 429
    assert "この端末（ネットワーク）からの送信が短い時間に続いたため" in sixth.get_data(as_text=True)
    # Someone else, elsewhere, is not affected.
    neighbour = from_address(app, "203.0.113.30")
    assert "/confirmation" in location_path(submit(neighbour, consultation(neighbour, email="me@example.jp")))


def test_anonymous_starts_are_limited_per_client(limited_app, db, make_resident):
    app = limited_app()
    script = from_address(app, "198.51.100.40")
    for _ in range(10):
        start(script, "ichinomiya", "consultation")
    refused = post(script, "/ichinomiya/procedures/consultation/start", page="/ichinomiya/procedures/consultation")
    assert refused.status_code == 429
    assert "ログインせずに始める申請が短い時間に続いたため" in refused.get_data(as_text=True)
    assert len(db.scalars(select(Draft)).all()) == 10
    other = from_address(app, "198.51.100.41")
    assert "/steps/" in start(other, "ichinomiya", "consultation")
    resident = from_address(app, "198.51.100.40")
    sign_in_as(resident, make_resident())
    assert "/steps/" in start(resident, "ichinomiya", "consultation")


def test_a_municipality_keeps_a_bounded_number_of_open_anonymous_drafts(limited_app, db, make_resident):
    app = limited_app(ANON_DRAFTS_MAX=3)
    for n in range(3):
        start(from_address(app, f"192.0.2.{n + 1}"), "ichinomiya", "consultation")
    refused = post(from_address(app, "192.0.2.9"), "/ichinomiya/procedures/consultation/start",
                   page="/ichinomiya/procedures/consultation")
    assert refused.status_code == 429 and "大変混み合っている" in refused.get_data(as_text=True)
    assert "/steps/" in start(from_address(app, "192.0.2.9"), "anjo", "consultation")  # per municipality
    resident = app.test_client()
    sign_in_as(resident, make_resident())
    assert "/steps/" in start(resident, "ichinomiya", "consultation")


def test_stale_anonymous_drafts_and_their_files_are_purged(app, client, db, make_resident):
    stale = draft_token(start(client, "ichinomiya", "consultation"))
    fresh = draft_token(start(app.test_client(), "ichinomiya", "consultation"))
    submitted = consultation(client, email="kept@example.jp")
    submit(client, submitted)
    resident = app.test_client()
    sign_in_as(resident, make_resident())
    own = draft_token(start(resident, "ichinomiya", "consultation"))
    draft = db.scalar(select(Draft).where(Draft.token == stale))
    key = "ab" + "c" * 30
    path = Path(app.config["UPLOAD_DIR"]) / key[:2] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    db.add(UploadedFile(token="t" * 20, municipality_id=draft.municipality_id, draft_id=draft.id, field_id="f",
                        filename="a.png", content_type="image/png", size=11, sha256="0" * 64, storage_key=key))
    long_ago = utcnow() - timedelta(hours=25)
    db.execute(update(Draft).where(Draft.token.in_([stale, submitted, own])).values(updated_at=long_ago))
    db.commit()
    result = app.test_cli_runner().invoke(args=["drafts", "purge-anonymous"])
    assert result.exit_code == 0 and "anonymous drafts purged: 1 (1 files)" in result.output, result.output
    db.expire_all()
    left = set(db.scalars(select(Draft.token)))
    assert left == {fresh, submitted, own}
    assert db.scalar(select(UploadedFile)) is None and not path.exists()
