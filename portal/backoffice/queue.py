"""The back-office queue as a query: filters, search, sort, pages and per-status counts.

Views and ``bench/queue.py`` both call ``search``/``status_counts``, so the benchmark measures the real
queries. Every query starts from the municipality and the procedures the staff member may process, so the
composite indexes ``ix_submission_queue_*`` (municipality first) serve them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, defer

from portal.backoffice.indexing import fold
from portal.clock import TOKYO
from portal.db import Base
from portal.params import parse_date, parse_int
from portal.procedures.models import FormDefinition, Submission
from portal.procedures.reference import normalise as normalise_reference
from portal.procedures.workflow import OPEN
from portal.staff.models import StaffUser

PAGE_SIZE = 50

#: the tiles at the top of the queue: label and the statuses each counts
TILES = (
    ("unprocessed", _l("未処理"), ("received", "resubmitted")),
    ("in_review", _l("処理中"), ("in_review",)),
    ("correction_requested", _l("補正待ち"), ("correction_requested",)),
    ("completed", _l("完了"), ("completed",)),
    ("rejected", _l("却下"), ("rejected",)),
)

#: the status filter's choices: a group or one status
STATUS_FILTERS: dict[str, tuple[object, tuple[str, ...] | None]] = {
    "open": (_l("未完了（すべて）"), OPEN),
    "unprocessed": (_l("未処理（受付済み・再提出済み）"), ("received", "resubmitted")),
    "received": (_l("受付済み"), ("received",)),
    "in_review": (_l("処理中（審査中）"), ("in_review",)),
    "correction_requested": (_l("補正待ち"), ("correction_requested",)),
    "resubmitted": (_l("再提出済み"), ("resubmitted",)),
    "completed": (_l("完了"), ("completed",)),
    "rejected": (_l("却下"), ("rejected",)),
    "withdrawn": (_l("取り下げ"), ("withdrawn",)),
    "all": (_l("すべて"), None),
}

SORTS = {
    "submitted": Submission.submitted_at,
    "updated": Submission.updated_at,
    "reference": Submission.reference,
    "kana": Submission.applicant_kana,
    "status": Submission.status,
}


@dataclass(frozen=True)
class Filters:
    procedure: str = ""
    status: str = "open"
    assignee: str = ""  # "" any, "me", "none" (unassigned) or a staff id
    date_from: date | None = None
    date_to: date | None = None
    needs_payment: bool = False
    q: str = ""
    sort: str = "submitted"
    direction: str = "asc"  # oldest first: a queue is worked in order of arrival
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        page = min(parse_int(args.get("page"), low=1) or 1, 100_000)
        status = args.get("status", "open")
        sort = args.get("sort", "submitted")
        return cls(
            procedure=args.get("procedure", "").strip(),
            status=status if status in STATUS_FILTERS else "open",
            assignee=args.get("assignee", "").strip(),
            date_from=parse_date(args.get("from")),
            date_to=parse_date(args.get("to")),
            needs_payment=args.get("needs_payment") in ("1", "on", "true"),
            q=args.get("q", "").strip()[:100],
            sort=sort if sort in SORTS else "submitted",
            direction="desc" if args.get("dir") == "desc" else "asc",
            page=page,
        )

    def args(self, **changes) -> dict:
        """Query-string arguments for a link to these filters with ``changes`` (defaults left out)."""
        f = replace(self, **changes)
        out = {
            "procedure": f.procedure, "status": f.status if f.status != "open" else "", "assignee": f.assignee,
            "from": f.date_from.isoformat() if f.date_from else "", "to": f.date_to.isoformat() if f.date_to else "",
            "needs_payment": "1" if f.needs_payment else "", "q": f.q,
            "sort": f.sort if f.sort != "submitted" else "", "dir": f.direction if f.direction != "asc" else "",
            "page": f.page if f.page != 1 else "",
        }
        return {k: v for k, v in out.items() if v not in ("", None)}


@dataclass
class Scope:
    """What one staff member may see: the municipality, and (for the staff role) the procedures assigned."""

    municipality_id: int
    staff_id: int
    definition_ids: list[int] | None  # None: every procedure (admins)


def scope_for(session: Session, staff: StaffUser) -> Scope:
    if staff.is_admin:
        return Scope(staff.municipality_id, staff.id, None)
    keys = staff.procedure_keys
    ids = session.scalars(
        select(FormDefinition.id).where(
            FormDefinition.key.in_(keys),
            or_(FormDefinition.municipality_id.is_(None), FormDefinition.municipality_id == staff.municipality_id),
        )
    ).all() if keys else []
    return Scope(staff.municipality_id, staff.id, list(ids))


def in_scope(scope: Scope, submission: Submission) -> bool:
    return submission.municipality_id == scope.municipality_id and (
        scope.definition_ids is None or submission.definition_id in scope.definition_ids
    )


def needs_payment_clause():
    """A fee is due and the submission is still open: no settlement yet, or one still ``due``. Settlements
    (``submission_fee``: paid online, cash at the counter, exempt, refunded) belong to the payments package;
    without it installed every open submission with a fee still needs its payment confirmed."""
    clause = (Submission.fee_amount > 0) & Submission.is_open.is_(True)
    if "submission_fee" in Base.metadata.tables:
        fee = Base.metadata.tables["submission_fee"]
        settled = select(fee.c.submission_id).where(fee.c.submission_id == Submission.id, fee.c.status != "due")
        clause = clause & ~settled.exists()
    return clause


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _reference_prefix(prefix: str):
    """References starting with ``prefix`` as an index range (LIKE is case-insensitive in SQLite and
    collation-bound in PostgreSQL, so it would scan). References are digits, capitals and one hyphen;
    the bound works the same in byte order and in locale collations (digits before letters)."""
    if not prefix:
        return Submission.reference.is_not(None)
    last = prefix[-1]
    if not (last.isdigit() or "A" <= last < "Z"):
        return Submission.reference.like(f"{_escape_like(prefix)}%", escape="\\")
    upper = prefix[:-1] + ("A" if last == "9" else chr(ord(last) + 1))
    return (Submission.reference >= prefix) & (Submission.reference < upper)


def _where(session: Session, scope: Scope, f: Filters, with_status: bool = True) -> list:
    clauses = [Submission.municipality_id == scope.municipality_id]
    ids = scope.definition_ids
    if f.procedure:
        key_ids = session.scalars(select(FormDefinition.id).where(FormDefinition.key == f.procedure)).all()
        ids = [i for i in key_ids if ids is None or i in ids]
    if ids is not None:
        clauses.append(Submission.definition_id.in_(ids) if ids else Submission.id.is_(None))
    if with_status and f.status == "open":
        clauses.append(Submission.is_open.is_(True))  # one index range, already in arrival order
    elif with_status:
        statuses = STATUS_FILTERS[f.status][1]
        if statuses is not None:
            clauses.append(Submission.status.in_(statuses) if len(statuses) > 1 else Submission.status == statuses[0])
    if f.assignee == "me":
        clauses.append(Submission.assignee_id == scope.staff_id)
    elif f.assignee == "none":
        clauses.append(Submission.assignee_id.is_(None))
    elif parse_int(f.assignee) is not None:
        clauses.append(Submission.assignee_id == parse_int(f.assignee))
    if f.date_from:
        clauses.append(Submission.submitted_at >= datetime.combine(f.date_from, time.min, TOKYO))
    if f.date_to:
        clauses.append(Submission.submitted_at < datetime.combine(f.date_to + timedelta(days=1), time.min, TOKYO))
    if f.needs_payment:
        clauses.append(needs_payment_clause())
    if f.q:
        cleaned = normalise_reference(f.q).replace("-", "")
        prefix = cleaned if len(cleaned) <= 4 else f"{cleaned[:4]}-{cleaned[4:]}"
        by_reference = _reference_prefix(prefix)
        by_name = Submission.applicant_search.like(f"%{_escape_like(fold(f.q))}%", escape="\\")
        if cleaned.isascii() and cleaned.isalnum() and any(c.isdigit() for c in cleaned):
            clauses.append(by_reference)  # names have no digits: a reference fragment, an index range
        elif cleaned.isascii() and cleaned.isalnum():
            clauses.append(or_(by_reference, by_name))  # NGUYEN, or a reference without digits
        else:
            clauses.append(by_name)
    return clauses


def query(session: Session, scope: Scope, f: Filters) -> Select:
    column = SORTS[f.sort]
    order = column.desc() if f.direction == "desc" else column.asc()
    tie = Submission.id.desc() if f.direction == "desc" else Submission.id.asc()
    return select(Submission).where(*_where(session, scope, f)).order_by(order, tie)


@dataclass
class Page:
    rows: list[Submission]
    total: int
    page: int
    pages: int
    counts: dict[str, int] = field(default_factory=dict)


def search(session: Session, scope: Scope, f: Filters, page_size: int = PAGE_SIZE, counts: dict | None = None) -> Page:
    """One page of the queue. With the ``status_counts`` of the same filters the total is their sum (no
    second counting query)."""
    if counts is not None:
        statuses = STATUS_FILTERS[f.status][1]
        total = sum(n for status, n in counts.items() if statuses is None or status in statuses)
    else:
        total = session.scalar(select(func.count()).select_from(Submission).where(*_where(session, scope, f)))
    pages = max(1, -(-total // page_size))
    page = min(f.page, pages)
    rows = session.scalars(
        query(session, scope, f)
        .options(defer(Submission.answers), defer(Submission.identity_fields))
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return Page(rows=list(rows), total=total, page=page, pages=pages)


def status_counts(session: Session, scope: Scope, f: Filters) -> dict[str, int]:
    """Submissions per status under every filter but the status one (so the tiles show the whole load)."""
    # Grouped by procedure version too: that is the order of ix_submission_queue_definition, which covers
    # the query (an index-only scan, no sort), with or without a procedure filter.
    rows = session.execute(
        select(Submission.status, func.count())
        .where(*_where(session, scope, f, with_status=False))
        .group_by(Submission.definition_id, Submission.status)
    ).all()
    counts: dict[str, int] = {}
    for status, count in rows:
        counts[status] = counts.get(status, 0) + count
    return counts


def tile_counts(counts: dict[str, int]) -> list[tuple[str, object, int]]:
    return [(key, label, sum(counts.get(s, 0) for s in statuses)) for key, label, statuses in TILES]


def find_by_reference(session: Session, scope: Scope, text: str) -> Submission | None:
    """A typed reference (any width, case, with or without the hyphen) that names one visible submission."""
    reference = normalise_reference(text)
    if len(reference) != 9:
        return None
    submission = session.scalar(
        select(Submission).where(Submission.reference == reference, Submission.municipality_id == scope.municipality_id)
    )
    return submission if submission is not None and in_scope(scope, submission) else None
