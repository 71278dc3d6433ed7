"""Where an answer's file goes: the bytes under UPLOAD_DIR (never under static/), a row that ties them to the
draft being filled in or, for a 補正, straight to the submission. Every caller stores and finds files here."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from portal.procedures.fields import UploadContext
from portal.procedures.filenames import safe_filename
from portal.procedures.models import Draft, Submission, UploadedFile


@dataclass(frozen=True)
class UploadPlace:
    """The files of one draft or of one submission (exactly one of the two ids is set)."""

    session: Session
    municipality_id: int
    directory: str
    max_bytes: int
    draft_id: int | None = None
    submission_id: int | None = None

    @classmethod
    def of_draft(cls, session: Session, draft: Draft, config: Mapping) -> UploadPlace:
        return cls(session, draft.municipality_id, config["UPLOAD_DIR"], config["UPLOAD_MAX_BYTES"], draft_id=draft.id)

    @classmethod
    def of_submission(cls, session: Session, submission: Submission, config: Mapping) -> UploadPlace:
        return cls(session, submission.municipality_id, config["UPLOAD_DIR"], config["UPLOAD_MAX_BYTES"],
                   submission_id=submission.id)

    def context(self) -> UploadContext:
        return UploadContext(store=self.store, max_bytes=self.max_bytes)

    def store(self, upload: FileStorage, field_id: str) -> dict:
        data = upload.stream.read()
        storage_key = secrets.token_hex(16)
        directory = Path(self.directory) / storage_key[:2]
        directory.mkdir(parents=True, exist_ok=True)
        (directory / storage_key).write_bytes(data)
        kind = filetype.guess(data)
        record = UploadedFile(
            token=secrets.token_urlsafe(24),
            municipality_id=self.municipality_id,
            draft_id=self.draft_id,
            submission_id=self.submission_id,
            field_id=field_id,
            filename=safe_filename(upload.filename),
            content_type=kind.mime if kind else "application/octet-stream",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=storage_key,
        )
        self.session.add(record)
        self.session.flush()
        return answer_of(record)

    def kept(self, field_id: str, token: str | None) -> dict | None:
        """A file chosen earlier stays attached only if it really belongs here and to this field: the token
        comes back from the browser, so it is never trusted on its own."""
        if not token:
            return None
        owner = (UploadedFile.draft_id == self.draft_id if self.draft_id is not None
                 else UploadedFile.submission_id == self.submission_id)
        upload = self.session.scalar(
            select(UploadedFile).where(UploadedFile.token == token, UploadedFile.field_id == field_id, owner)
        )
        return answer_of(upload) if upload is not None else None


def answer_of(upload: UploadedFile) -> dict:
    """The answer a file field stores for an upload."""
    return {"token": upload.token, "filename": upload.filename, "size": upload.size,
            "content_type": upload.content_type}


def file_path(upload_dir: str, upload: UploadedFile) -> Path:
    return Path(upload_dir) / upload.storage_key[:2] / upload.storage_key
