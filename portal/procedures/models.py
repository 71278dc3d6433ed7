from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.identity.models import Resident
from portal.tenancy.models import Municipality


class FormDefinition(Base):
    """One published version of a procedure definition; immutable once stored."""

    __tablename__ = "form_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: None for a definition every municipality may offer
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    kind: Mapped[str] = mapped_column(String(30))
    #: deferred: the content is read once per process through ``catalogue.definition_of`` (keyed by checksum),
    #: not decoded again with every row loaded
    content: Mapped[dict] = mapped_column(JSON, deferred=True)
    #: sha256 of the canonical JSON content: a changed file with the same version is refused
    checksum: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped[Municipality | None] = relationship()


class Draft(Base):
    """Answers in progress, saved server-side after every completed step."""

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("form_definition.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    #: sha256 of a random key kept in the browser session, for procedures open without sign-in
    anonymous_key: Mapped[str | None] = mapped_column(String(64), index=True)
    #: set when staff fill the form at the counter on a resident's behalf
    staff_user_id: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    completed_steps: Mapped[list] = mapped_column(JSON, default=list)
    current_step: Mapped[str] = mapped_column(String(80), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    definition: Mapped[FormDefinition] = relationship()
    municipality: Mapped[Municipality] = relationship()
    resident: Mapped[Resident | None] = relationship()


class Submission(Base):
    __tablename__ = "submission"
    __table_args__ = (
        Index("ix_submission_municipality_status", "municipality_id", "status"),
        # the back-office queue: default order, status tiles, procedure and assignee filters, kana order
        Index("ix_submission_queue_submitted", "municipality_id", "submitted_at"),
        Index("ix_submission_queue_status", "municipality_id", "status", "submitted_at"),
        Index("ix_submission_queue_definition", "municipality_id", "definition_id", "status", "submitted_at"),
        Index("ix_submission_queue_assignee", "municipality_id", "assignee_id", "submitted_at"),
        Index("ix_submission_queue_kana", "municipality_id", "applicant_kana"),
        Index("ix_submission_queue_open", "municipality_id", "is_open", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 受付番号 shown to the resident; short, unambiguous characters only
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("form_definition.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    anonymous_key: Mapped[str | None] = mapped_column(String(64))
    #: a unique draft link makes a double click on Submit create one submission, enforced by the database
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id", ondelete="SET NULL"), unique=True)
    status: Mapped[str] = mapped_column(String(30), default="received")
    answers: Mapped[dict] = mapped_column(JSON)
    #: field ids whose values came from the identity provider (evidence for staff)
    identity_fields: Mapped[list] = mapped_column(JSON, default=list)
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    fee_amount: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(20), default="online")
    #: the language the resident applied in (ja | en): every email about the submission is written in it
    lang: Mapped[str] = mapped_column(String(5), default="ja", server_default="ja")
    # --- back office (issue 3) ---
    #: 読み仮名 (katakana, no spaces) for sorting and search, and a normalised name+kana search key;
    #: both kept up to date from the answers (portal/backoffice/indexing.py)
    applicant_kana: Mapped[str] = mapped_column(String(200), default="")
    applicant_search: Mapped[str] = mapped_column(String(400), default="")
    #: status is not final: the default queue view, kept in step with ``status`` (one indexed range, in order)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: counter mode (書かない窓口): who filled it in with the resident, and how identity was verified
    counter_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    identity_verification: Mapped[str | None] = mapped_column(String(30))
    identity_verification_note: Mapped[str] = mapped_column(String(200), default="")
    #: how a counter applicant wants to hear from us (phone | post | counter | email; see backoffice/counter.py);
    #: None online, where the contact is the email address
    contact_method: Mapped[str | None] = mapped_column(String(20))
    #: the fields of an open correction request (補正依頼); empty otherwise
    correction_fields: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: when the retention rule removed its personal data (answers, names, files); the record of what was applied
    #: for, when and for how much stays (portal/retention)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    definition: Mapped[FormDefinition] = relationship()
    municipality: Mapped[Municipality] = relationship()
    resident: Mapped[Resident | None] = relationship()


class UploadedFile(Base):
    """A file a resident attached; the bytes live under UPLOAD_DIR, never under static/."""

    __tablename__ = "uploaded_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id", ondelete="SET NULL"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    field_id: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
