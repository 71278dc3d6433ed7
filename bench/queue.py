"""Benchmark: the back-office queue over 100,000 submissions (issue 3).

Every "queue" figure is a whole page load's database work: the status tiles plus one page of 50 rows.

Builds a realistic municipality load — two municipalities, three procedures, two years of submissions,
mostly completed, a working set of open ones, assignees, fees — by bulk insert into a fresh temporary
SQLite database (and PostgreSQL too when DATABASE_URL points at one: a throw-away database is created on
that server and dropped afterwards). Then times the real queue queries (``portal.backoffice.queue``: the
same code the views run) with typical filters, searches and sorts, and the per-status counts: p50/p95
over repeated runs.

    python -m bench.queue
"""
from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

N_SUBMISSIONS = 100_000
REPEATS = 30
SEED = 20260322
ROOT = Path(__file__).resolve().parent.parent

FAMILY = [("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
          ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
          ("吉田", "ヨシダ"), ("山本", "ヤマモト"), ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"),
          ("林", "ハヤシ"), ("清水", "シミズ"), ("山口", "ヤマグチ"), ("森", "モリ"), ("池田", "イケダ"),
          ("一宮", "イチノミヤ"), ("安城", "アンジョウ"), ("丹羽", "ニワ"), ("服部", "ハットリ")]
GIVEN = [("花子", "ハナコ"), ("太郎", "タロウ"), ("陽斗", "ハルト"), ("美咲", "ミサキ"), ("健太", "ケンタ"),
         ("結衣", "ユイ"), ("大翔", "ヒロト"), ("陽菜", "ヒナ"), ("正雄", "マサオ"), ("和子", "カズコ"),
         ("翔", "ショウ"), ("さくら", "サクラ"), ("蓮", "レン"), ("葵", "アオイ"), ("誠", "マコト")]
STATUSES = [("completed", 70), ("rejected", 3), ("withdrawn", 2), ("received", 10), ("in_review", 8),
            ("correction_requested", 4), ("resubmitted", 3)]


def _reference(i: int) -> str:
    from portal.procedures.reference import ALPHABET

    chars = []
    for _ in range(8):
        i, r = divmod(i, len(ALPHABET))
        chars.append(ALPHABET[r])
    s = "".join(reversed(chars))
    return f"{s[:4]}-{s[4:]}"


def build(url: str) -> dict:
    """Migrate, load the demo municipalities and forms, staff, and the submissions. Returns ids for the queries."""
    import portal.models  # noqa: F401
    from portal import migrate
    from portal.backoffice.indexing import fold
    from portal.db import make_engine
    from portal.procedures.catalogue import latest_version
    from portal.procedures.models import Submission
    from portal.procedures.sync import sync_directory
    from portal.staff.models import StaffProcedure, StaffUser
    from portal.tenancy.demo import load_municipalities
    from portal.tenancy.models import Municipality

    migrate.upgrade(url)
    engine = make_engine(url)
    rng = random.Random(SEED)
    with Session(engine) as session:
        load_municipalities(session)
        sync_directory(session, ROOT / "forms")
        session.commit()
        towns = {m.slug: m for m in session.scalars(select(Municipality))}
        town_ids = {slug: m.id for slug, m in towns.items()}
        staff_ids = {}
        for slug, m in towns.items():
            ids = []
            for n in range(12):
                s = StaffUser(municipality_id=m.id, username=f"bench-{n}", display_name=f"職員{n}",
                              role="admin" if n == 0 else "staff",
                              password_hash="x", active=True, failed_attempts=0, session_version=1)
                s.procedures = [StaffProcedure(definition_key="juminhyo"),
                                StaffProcedure(definition_key="consultation")]
                session.add(s)
                session.flush()
                ids.append(s.id)
            staff_ids[slug] = ids
        definitions = {
            (slug, key): latest_version(session, towns[slug], key, include_unpublished=True)
            for slug in towns for key in ("juminhyo", "consultation", "ichinomiya-dog-death")
        }
        session.commit()

        table = Submission.__table__
        now = datetime.now(UTC)
        statuses, weights = zip(*STATUSES)
        started = time.perf_counter()
        batch = []
        for i in range(N_SUBMISSIONS):
            slug = "ichinomiya" if rng.random() < 0.6 else "anjo"
            roll = rng.random()
            key = "juminhyo" if roll < 0.7 \
                else "consultation" if roll < 0.9 or slug == "anjo" else "ichinomiya-dog-death"
            row = definitions[(slug, key)]
            (family, family_kana), (given, given_kana) = rng.choice(FAMILY), rng.choice(GIVEN)
            name, kana = f"{family} {given}", f"{family_kana}\u3000{given_kana}"
            status = rng.choices(statuses, weights)[0]
            # open work is recent; the archive reaches back two years
            age = rng.uniform(0, 20) if status not in ("completed", "rejected", "withdrawn") else rng.uniform(0, 730)
            submitted = now - timedelta(days=age, seconds=rng.randint(0, 86_399))
            copies = rng.randint(1, 4)
            answers = {"name": name, "name_kana": kana, "phone": f"090{rng.randint(10_000_000, 99_999_999)}",
                       "email": f"user{i}@example.jp", "copies": copies} if key == "juminhyo" \
                else {"owner_name": name, "body": "…"}
            batch.append({
                "reference": _reference(i * 7919 + 104_729),
                "municipality_id": towns[slug].id,
                "definition_id": row.id,
                "status": status,
                "answers": answers,
                "identity_fields": ["name"],
                "applicant_name": name,
                "applicant_kana": fold(kana) if key == "juminhyo" else "",
                "applicant_search": fold(name) + "|" + (fold(kana) if key == "juminhyo" else ""),
                "contact_email": f"user{i}@example.jp",
                "fee_amount": 300 * copies if key == "juminhyo" else 0,
                "channel": "counter" if rng.random() < 0.15 else "online",
                "assignee_id": None if status == "received" or rng.random() < 0.1 else rng.choice(staff_ids[slug]),
                "correction_fields": [],
                "is_open": status not in ("completed", "rejected", "withdrawn"),
                "identity_verification_note": "",
                "submitted_at": submitted,
                "updated_at": submitted + timedelta(days=rng.uniform(0, 3)),
                "lock_version": 1,
            })
            if len(batch) == 5_000:
                session.execute(table.insert(), batch)
                batch = []
        if batch:
            session.execute(table.insert(), batch)
        session.commit()
        build_seconds = time.perf_counter() - started
    # Statistics, and on PostgreSQL the visibility map index-only scans need: what autovacuum keeps up
    # in a running system (a freshly bulk-loaded table has neither).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    with Session(engine) as session:
        admin_id = staff_ids["ichinomiya"][0]
        staff_id = staff_ids["ichinomiya"][1]
        sample_reference = session.scalar(
            select(Submission.reference).where(Submission.municipality_id == town_ids["ichinomiya"])
            .limit(1).offset(4242)
        )
    return {"engine": engine, "municipality_id": town_ids["ichinomiya"], "admin_id": admin_id, "staff_id": staff_id,
            "reference": sample_reference, "build_seconds": build_seconds}


def _time(fn) -> tuple[float, float]:
    fn()  # warm the caches once, as a busy server would be
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure(ctx: dict) -> dict[str, tuple[float, float]]:
    from portal.backoffice import queue
    from portal.staff.models import StaffUser

    engine = ctx["engine"]
    results = {}
    today = datetime.now(timezone(timedelta(hours=9))).date()
    with Session(engine) as session:
        admin = session.get(StaffUser, ctx["admin_id"])
        staff = session.get(StaffUser, ctx["staff_id"])
        admin_scope, staff_scope = queue.scope_for(session, admin), queue.scope_for(session, staff)

        def page(scope, **filters):
            def run():  # what the queue view does: the status tiles, then the page (total from the tiles)
                f = queue.Filters(**filters)
                queue.search(session, scope, f, counts=queue.status_counts(session, scope, f))
            return run

        def counts(scope, **filters):
            return lambda: queue.status_counts(session, scope, queue.Filters(**filters))

        def export_rows(scope, **filters):
            def run():
                for _row in session.scalars(queue.query(session, scope, queue.Filters(**filters))
                                            .execution_options(yield_per=1000)):
                    pass
            return run

        scenarios = {
            "status tiles alone (admin)": counts(admin_scope),
            "default queue: open, oldest first (admin)": page(admin_scope),
            "default queue (staff with 2 procedures)": page(staff_scope),
            "住民票 received, newest first": page(admin_scope, procedure="juminhyo", status="received",
                                                  direction="desc"),
            "search name 山田 (all statuses)": page(admin_scope, q="山田", status="all"),
            "search kana やまだ はなこ": page(admin_scope, q="やまだ はなこ", status="all"),
            "reference, exact (jump to detail)": lambda: queue.find_by_reference(session, admin_scope,
                                                                                 ctx["reference"].lower()),
            "reference prefix, 4 chars": page(admin_scope, q=ctx["reference"][:4], status="all"),
            "mine + last 30 days": page(admin_scope, assignee="me", status="all", date_from=today - timedelta(days=30)),
            "needs payment": page(admin_scope, needs_payment=True),
            "all statuses, page 200": page(admin_scope, status="all", page=200),
            "all statuses, あいうえお order": page(admin_scope, status="all", sort="kana"),
            "CSV rows: 住民票, one month": export_rows(admin_scope, procedure="juminhyo", status="all",
                                                     date_from=today - timedelta(days=30), date_to=today),
        }
        for label, fn in scenarios.items():
            results[label] = _time(fn)
    return results


def _run_on(label: str, url: str) -> dict:
    ctx = build(url)
    out = {f"{label}: build {N_SUBMISSIONS:,} submissions": f"{ctx['build_seconds']:.1f} s (bulk insert)"}
    for name, (p50, p95) in measure(ctx).items():
        out[f"{label}: {name}"] = f"p50 {p50:6.1f} ms   p95 {p95:6.1f} ms"
    ctx["engine"].dispose()
    return out


def run() -> dict:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results.update(_run_on("SQLite", f"sqlite:///{tmp}/bench.sqlite3"))
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        results.update(_run_postgresql(url))
    else:
        results["PostgreSQL"] = "skipped (set DATABASE_URL=postgresql://… to include it)"
    return results


def _run_postgresql(url: str) -> dict:
    """On a throw-away database next to the one named (nothing in it is touched)."""
    from sqlalchemy.engine import make_url

    from portal.db import make_engine

    name = f"portal_bench_{os.getpid()}"
    server = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = make_engine(server.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return _run_on("PostgreSQL", server.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:>60}: {value}")
