"""The queue: per-status counts, filters, search by reference / name / kana, sorting, pages, CSV export."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from portal.audit.models import AuditEvent
from tests.integration.backoffice import make_submission, sign_in_staff
from tests.integration.helpers import form_version, location_path

URL = "/ichinomiya/backoffice/"


def refs(page: str) -> list[str]:
    return re.findall(r'class="reference" href="/ichinomiya/backoffice/submissions/([0-9A-Z-]+)"', page)


def tile(page: str, key: str) -> int:
    match = re.search(rf'status-tile--{key}".*?status-tile__count">([\d,]+)<', page, re.S)
    return int(match.group(1).replace(",", ""))


def test_counts_per_status_at_the_top(client, db, make_staff):
    admin = make_staff(role="admin")
    for status, n in {"received": 3, "resubmitted": 1, "in_review": 2, "correction_requested": 1,
                      "completed": 4, "rejected": 1, "withdrawn": 2}.items():
        for _ in range(n):
            make_submission(db, status=status)
    make_submission(db, slug="anjo", status="received")  # another municipality: never counted
    sign_in_staff(client, admin)
    page = client.get(URL).get_data(as_text=True)
    assert [tile(page, k) for k in ("unprocessed", "in_review", "correction_requested", "completed", "rejected")] == \
        [4, 2, 1, 4, 1]
    for label in ("未処理", "処理中", "補正待ち", "完了", "却下"):
        assert label in page
    # The default list is the open work: 4 + 2 + 1, oldest first.
    assert len(refs(page)) == 7
    assert len(refs(client.get(URL + "?status=completed").get_data(as_text=True))) == 4
    assert len(refs(client.get(URL + "?status=all").get_data(as_text=True))) == 14


def test_staff_see_only_their_procedures(client, db, make_staff):
    staff = make_staff(procedures=("ichinomiya-dog-death",))
    dog = make_submission(db, key="ichinomiya-dog-death", answers={"owner_name": "犬山 一郎"},
                          applicant_name="犬山 一郎")
    juminhyo = make_submission(db)
    sign_in_staff(client, staff)
    page = client.get(URL).get_data(as_text=True)
    assert refs(page) == [dog.reference]
    assert tile(page, "unprocessed") == 1
    assert client.get(f"{URL}submissions/{juminhyo.reference}").status_code == 404


def test_filters_by_procedure_assignee_date_and_payment(client, db, make_staff):
    admin = make_staff(role="admin")
    colleague = make_staff()
    now = datetime.now(UTC)
    old = make_submission(db, submitted_at=now - timedelta(days=40))
    mine = make_submission(db, assignee_id=admin.id)
    theirs = make_submission(db, assignee_id=colleague.id)
    free = make_submission(db, key="consultation", answers={"topic": "other", "body": "x", "wants_reply": "no"},
                           applicant_name="", contact_email=None, fee_amount=0)
    sign_in_staff(client, admin)
    get = lambda q: set(refs(client.get(URL + q).get_data(as_text=True)))  # noqa: E731
    assert get("?procedure=consultation") == {free.reference}
    assert get("?assignee=me") == {mine.reference}
    assert get(f"?assignee={colleague.id}") == {theirs.reference}
    assert get("?assignee=none") == {old.reference, free.reference}
    day = (now - timedelta(days=40)).astimezone(timezone(timedelta(hours=9))).date().isoformat()
    assert get(f"?from={day}&to={day}") == {old.reference}
    assert old.reference not in get(f"?from={(now - timedelta(days=1)).date().isoformat()}")
    assert get("?needs_payment=1") == {old.reference, mine.reference, theirs.reference}


def test_search_by_reference_jumps_to_the_submission(client, db, make_staff):
    admin = make_staff(role="admin")
    target = make_submission(db)
    sign_in_staff(client, admin)
    typed = target.reference.lower().replace("-", "")
    # as typed back from a phone: lower case, full width, no hyphen
    typed = "".join(chr(ord(c) + 0xFEE0) for c in typed)
    response = client.get(URL, query_string={"q": typed})
    assert location_path(response) == f"{URL}submissions/{target.reference}"
    assert refs(client.get(URL, query_string={"q": target.reference[:4]}).get_data(as_text=True)) == [target.reference]


def test_search_by_name_and_kana(client, db, make_staff):
    admin = make_staff(role="admin")
    hanako = make_submission(db)
    taro = make_submission(db, answer_overrides={"name": "山田 太郎", "name_kana": "ヤマダ\u3000タロウ"},
                           applicant_name="山田 太郎")
    sign_in_staff(client, admin)
    search = lambda q: refs(client.get(URL, query_string={"q": q, "status": "all"}).get_data(as_text=True))  # noqa: E731
    assert search("山田太郎") == [taro.reference]       # spaces don't matter
    assert search("やまだ") == [taro.reference]          # hiragana finds katakana
    assert search("ｲﾁﾉﾐﾔ") == [hanako.reference]        # so does half-width
    assert search("一宮 花子") == [hanako.reference]
    assert search("%") == [] and search("_") == []       # LIKE wildcards are literal
    assert "イチノミヤハナコ" in client.get(URL).get_data(as_text=True)


def test_sorting_and_pages(client, db, make_staff):
    admin = make_staff(role="admin")
    now = datetime.now(UTC)
    made = [make_submission(db, submitted_at=now - timedelta(minutes=i)) for i in range(55)]
    oldest_first = [s.reference for s in reversed(made)]
    sign_in_staff(client, admin)
    first = client.get(URL).get_data(as_text=True)
    assert refs(first) == oldest_first[:50] and "55件中 1〜50件目" in first
    assert 'rel="next"' in first
    second = client.get(URL + "?page=2").get_data(as_text=True)
    assert refs(second) == oldest_first[50:] and "55件中 51〜55件目" in second
    newest = client.get(URL + "?sort=submitted&dir=desc").get_data(as_text=True)
    assert refs(newest)[0] == made[0].reference and 'aria-sort="descending"' in newest
    by_reference = refs(client.get(URL + "?sort=reference").get_data(as_text=True))
    assert by_reference == sorted(s.reference for s in made)[:50]
    assert client.get(URL + "?page=999").status_code == 200  # past the end: the last page


def test_csv_export_has_a_bom_and_one_column_per_field(client, db, make_staff):
    admin = make_staff(role="admin")
    s = make_submission(db, answer_overrides={"purpose_note": "=HYPERLINK(\"http://evil\")"})
    make_submission(db, key="consultation", answers={"topic": "other", "body": "x", "wants_reply": "no"},
                    applicant_name="", contact_email=None, fee_amount=0)
    sign_in_staff(client, admin)
    response = client.get(URL + "export.csv?procedure=juminhyo")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert len(data) == 1
    row = dict(zip(header, data[0]))
    assert row["受付番号"] == s.reference and row["状況"] == "受付済み" \
        and row["版"] == str(form_version("juminhyo.yaml"))
    assert row["請求する方について：氏名"] == "一宮 花子"
    assert row["請求する方について：ふりがな"] == "イチノミヤ\u3000ハナコ"
    assert row["住民票が必要な方：氏名"] == ""
    assert len(set(header)) == len(header)
    assert row["住所（郵便番号）"] == "491-0859" and row["住所（市区町村）"] == "一宮市"
    assert row["請求する方について：生年月日"] == "1990-04-12"
    assert row["請求する方について：生年月日（和暦）"].startswith("平成")
    assert row["通数"] == "3"
    assert row["使いみちの詳細"].startswith("'=")  # no formula injection into Excel
    for label in ("委任状", "送り先の住所（郵便番号）", "確認事項への同意"):
        assert label in header  # every field of the version, answered or not
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "queue.export"))
    assert event.detail["rows"] == 1 and event.detail["filters"]["procedure"] == "juminhyo"


def test_csv_export_without_a_procedure_has_the_common_columns(client, db, make_staff):
    admin = make_staff(role="admin")
    make_submission(db)
    sign_in_staff(client, admin)
    rows = list(csv.reader(io.StringIO(client.get(URL + "export.csv?status=all").get_data().decode("utf-8-sig"))))
    assert rows[0][:4] == ["受付番号", "手続き", "版", "状況"] and len(rows) == 2 and "氏名" not in rows[0]


def test_csv_export_of_a_procedure_not_assigned_is_refused(client, db, make_staff):
    staff = make_staff(procedures=("consultation",))
    sign_in_staff(client, staff)
    assert client.get(URL + "export.csv?procedure=juminhyo").status_code == 404


def test_needs_payment_leaves_out_settled_fees(client, db, make_staff):
    from portal.db import Base

    fee = Base.metadata.tables["submission_fee"]
    admin = make_staff(role="admin")
    due, paid, cash = make_submission(db), make_submission(db), make_submission(db)
    now = datetime.now(UTC)
    for submission, status in ((paid, "paid"), (cash, "cash"), (due, "due")):
        db.execute(fee.insert().values(municipality_id=submission.municipality_id, submission_id=submission.id,
                                       status=status, reason="", updated_at=now, lock_version=1))
    db.commit()
    sign_in_staff(client, admin)
    assert refs(client.get(URL + "?needs_payment=1").get_data(as_text=True)) == [due.reference]
