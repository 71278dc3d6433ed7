"""Procedures open without sign-in: what keeps them from being a relay or a dumping ground.

- starts and submissions are limited per client address (``ANON_LIMIT_START``, ``ANON_LIMIT_SUBMIT``);
- confirmation emails per recipient address (``ANON_LIMIT_RECIPIENT``) — and what they say is fixed text
  only (see ``portal.notifications.addressee``), so a stranger's words never go out under the city's name;
- a municipality keeps at most ``ANON_DRAFTS_MAX`` open anonymous drafts, and ``purge_stale_drafts`` deletes
  those untouched for ``ANON_DRAFT_RETENTION_HOURS`` (with their uploaded files).

Each ``*_refusal`` returns the message for the person, or None when they may go on.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.procedures.catalogue import definition_of
from portal.procedures.kinds import KINDS
from portal.procedures.models import Draft, UploadedFile
from portal.procedures.uploads import file_path
from portal.ratelimit import counters, limits_enabled
from portal.tenancy.models import Municipality


def _open_anonymous_drafts():
    return (Draft.resident_id.is_(None), Draft.staff_user_id.is_(None), Draft.submitted_at.is_(None))


def start_refusal(session: Session, municipality: Municipality, client: str) -> str | None:
    if not limits_enabled():
        return None
    open_count = session.scalar(select(func.count()).select_from(Draft).where(
        Draft.municipality_id == municipality.id, *_open_anonymous_drafts()))
    if open_count >= current_app.config["ANON_DRAFTS_MAX"]:
        return _("ただいま、ログインせずに始める申請が大変混み合っているため、受け付けを一時的に止めています。"
                 "時間をおいてお試しいただくか、マイナンバーカードでログインしてお進みください。")
    if not counters().hit(current_app.config["ANON_LIMIT_START"], "anon-start", client):
        return _("この端末（ネットワーク）から、ログインせずに始める申請が短い時間に続いたため、"
                 "受け付けを一時的に止めています。"
                 "しばらく時間をおいてから、もう一度お試しください。")
    return None


def submit_refusal(client: str) -> str | None:
    if limits_enabled() and not counters().hit(current_app.config["ANON_LIMIT_SUBMIT"], "anon-submit", client):
        return _("この端末（ネットワーク）からの送信が短い時間に続いたため、受け付けを一時的に止めています。"
                 "入力した内容は保存されています。しばらく時間をおいてから、もう一度送信してください。")
    return None


def recipient_refusal(address: str | None) -> str | None:
    if not address or not limits_enabled():
        return None
    recipient = hashlib.sha256(address.strip().lower().encode()).hexdigest()
    if not counters().hit(current_app.config["ANON_LIMIT_RECIPIENT"], "anon-recipient", recipient):
        return _("このメールアドレスあての確認メールが短い時間に続いたため、いまは送信できません。"
                 "入力した内容は保存されています。しばらく時間をおいてから送信するか、"
                 "別のメールアドレスに変えてください。")
    return None


def contact_address(draft: Draft) -> str | None:
    """The address the confirmation of this draft would go to (what ``journey.submit`` will record)."""
    field = draft.definition.content.get("contact_email_field")
    return definition_of(draft.definition).prune(draft.answers).get(field) if field else None


def purge_stale_drafts(session: Session, older_than: timedelta, upload_dir: str,
                       now: datetime | None = None) -> tuple[int, list[Path]]:
    """Delete open anonymous drafts not saved for ``older_than`` and the records of files uploaded to them;
    returns how many, and the files to remove once the caller has committed. Nobody can come back to such a
    draft anyway once the browser session that owns it is gone."""
    cutoff = (now or utcnow()) - older_than
    stale = session.scalars(select(Draft).where(*_open_anonymous_drafts(), Draft.updated_at < cutoff)).all()
    if not stale:
        return 0, []
    files = session.scalars(select(UploadedFile).where(
        UploadedFile.draft_id.in_([d.id for d in stale]), UploadedFile.submission_id.is_(None))).all()
    paths = [file_path(upload_dir, upload) for upload in files]
    for draft in stale:
        KINDS[draft.definition.kind].on_discard(session, draft)
    session.execute(delete(UploadedFile).where(UploadedFile.id.in_([f.id for f in files])))
    for draft in stale:
        session.delete(draft)
    session.flush()
    return len(stale), paths


def purge(session: Session, older_than: timedelta, upload_dir: str) -> tuple[int, int]:
    """``purge_stale_drafts``, committed, then their files removed (the hourly task and the CLI); returns how
    many drafts and files. Run twice at once, the second finds nothing left, and a file already gone is fine."""
    purged, paths = purge_stale_drafts(session, older_than, upload_dir)
    session.commit()
    for path in paths:
        path.unlink(missing_ok=True)
    return purged, len(paths)
