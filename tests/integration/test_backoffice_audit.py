"""The audit log: views, downloads, exports and state changes are logged with time and IP; nobody can change
an entry — not through any route, not through the ORM, not with SQL."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from portal.audit import AuditImmutable
from portal.audit.models import AuditEvent
from tests.integration.backoffice import backoffice_rules, build_url, make_submission, page_lock_version, sign_in_staff
from tests.integration.booking_factory import make_facility
from tests.integration.helpers import csrf_token, post


def test_a_view_is_logged_with_who_when_and_where(client, db, make_staff):
    staff = make_staff(display_name="市民課 山田")
    s = make_submission(db)
    sign_in_staff(client, staff)
    client.get(f"/ichinomiya/backoffice/submissions/{s.reference}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    entry = db.scalar(select(AuditEvent).where(AuditEvent.action == "submission.view"))
    assert (entry.actor_kind, entry.actor_id, entry.object_type, entry.object_id, entry.ip) == (
        "staff", staff.id, "submission", s.reference, "10.1.2.3")
    assert "市民課 山田" in entry.actor_name and entry.created_at is not None
    assert entry.municipality_id == s.municipality_id


def test_transition_export_and_print_are_logged(client, db, make_staff):
    staff = make_staff()
    s = make_submission(db)
    sign_in_staff(client, staff)
    url = f"/ichinomiya/backoffice/submissions/{s.reference}"
    page = client.get(url).get_data(as_text=True)
    post(client, url + "/transition", {"to": "in_review", "lock_version": page_lock_version(page)}, page=url)
    client.get("/ichinomiya/backoffice/export.csv?procedure=juminhyo").get_data()
    client.get(url + "/print")
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "submission.transition" in actions and "queue.export" in actions and "submission.print" in actions


def test_admins_search_and_export_the_log(client, db, make_staff):
    admin = make_staff(role="admin")
    staff = make_staff(display_name="市民課 検索対象")
    s = make_submission(db)
    sign_in_staff(client, staff)
    client.get(f"/ichinomiya/backoffice/submissions/{s.reference}")
    sign_in_staff(client, admin)
    page = client.get("/ichinomiya/backoffice/admin/audit",
                      query_string={"object": s.reference.lower()}).get_data(as_text=True)
    assert "submission.view" in page and "市民課 検索対象" in page
    page = client.get("/ichinomiya/backoffice/admin/audit",
                      query_string={"actor": "検索対象", "action": "submission.view"}).get_data(as_text=True)
    assert "1件" in page
    csv = client.get("/ichinomiya/backoffice/admin/audit.csv?action=submission.view").get_data()
    assert csv.startswith("\ufeff".encode()) and s.reference.encode() in csv
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export")) is not None


def test_staff_cannot_see_the_log(client, db, make_staff):
    sign_in_staff(client, make_staff())
    assert client.get("/ichinomiya/backoffice/admin/audit").status_code == 403
    assert client.get("/ichinomiya/backoffice/admin/audit.csv").status_code == 403


def test_no_route_changes_or_deletes_the_log(app, client, db, make_staff, make_resident):
    """An admin calls every back-office URL with GET and POST: the entries written before stay exactly as
    they were (routes only ever append)."""
    admin = make_staff(role="admin")
    staff = make_staff()
    s = make_submission(db, resident=make_resident())
    sign_in_staff(client, staff)
    client.get(f"/ichinomiya/backoffice/submissions/{s.reference}")
    client.get("/ichinomiya/backoffice/export.csv").get_data()
    snapshot = lambda: [(e.id, e.actor_id, e.actor_name, e.action, e.object_id, e.detail, e.ip, e.created_at)  # noqa: E731
                        for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    before = snapshot()
    assert len(before) == 2
    first_entry = before[0][0]
    sign_in_staff(client, admin)
    csrf = csrf_token(client, "/ichinomiya/backoffice/")
    facility = make_facility(db)
    values = {"municipality": "ichinomiya", "reference": s.reference, "token": "x", "key": "juminhyo",
              "step_id": "requester", "staff_id": staff.id, "id": first_entry, "facility_id": facility.id,
              "unit_id": facility.units[0].id, "closure_id": 1, "group_id": 1,
              "slug": facility.slug, "reservation_id": 1, "month": "2027-03", "event_id": 1, "session_id": 1}
    for rule in backoffice_rules(app):
        if rule.endpoint == "staff.logout":
            continue
        url = build_url(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": csrf, "id": first_entry, "audit_id": first_entry, "action": "delete",
                    "body": "x", "to": "in_review", "lock_version": "1"}
            response = client.open(url, method=method, data=data if method == "POST" else None)
            response.get_data()
            assert response.status_code < 500, (method, url, response.status_code)
            db.expire_all()
            assert snapshot()[: len(before)] == before, (method, url)


def test_the_orm_refuses_to_change_or_delete_an_entry(client, db, make_staff):
    staff = make_staff()
    s = make_submission(db)
    sign_in_staff(client, staff)
    client.get(f"/ichinomiya/backoffice/submissions/{s.reference}")
    entry = db.scalar(select(AuditEvent))
    entry.actor_name = "someone else"
    with pytest.raises(AuditImmutable):
        db.flush()
    db.rollback()
    db.delete(db.scalar(select(AuditEvent)))
    with pytest.raises(AuditImmutable):
        db.flush()
    db.rollback()
    with pytest.raises(AuditImmutable):
        db.execute(update(AuditEvent).values(ip="0.0.0.0"))
    with pytest.raises(AuditImmutable):
        db.execute(delete(AuditEvent))
    db.rollback()
    assert db.scalar(select(AuditEvent)).actor_name != "someone else"


def test_the_database_refuses_update_and_delete(client, db, make_staff):
    staff = make_staff()
    s = make_submission(db)
    sign_in_staff(client, staff)
    client.get(f"/ichinomiya/backoffice/submissions/{s.reference}")
    connection = db.connection()
    with pytest.raises(DatabaseError, match="append-only"):
        with connection.begin_nested():
            connection.execute(text("UPDATE audit_event SET ip = '0.0.0.0'"))
    with pytest.raises(DatabaseError, match="append-only"):
        with connection.begin_nested():
            connection.execute(text("DELETE FROM audit_event"))
    db.rollback()
    assert db.scalar(select(AuditEvent)).ip == "127.0.0.1"
    # Appending still works.
    db.execute(text("INSERT INTO audit_event (actor_kind, actor_name, action, object_type, object_id, detail, ip, "
                    "created_at) VALUES ('system', '', 'test.append', '', '', '{}', '', CURRENT_TIMESTAMP)"))
    db.commit()
