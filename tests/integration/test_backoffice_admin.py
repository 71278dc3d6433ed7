"""Admin basics: publish/unpublish procedures (residents stop seeing them), versions, staff management."""
from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.staff.models import StaffUser
from tests.integration.backoffice import PASSWORD, login, sign_in_staff
from tests.integration.helpers import form_version, location_path, post

ADMIN = "/ichinomiya/backoffice/admin"


def test_unpublishing_hides_a_procedure_from_residents_only_here(app, client, db, make_staff):
    admin = make_staff(role="admin")
    sign_in_staff(client, admin)
    page = client.get(f"{ADMIN}/procedures").get_data(as_text=True)
    assert "住民票の写しの交付請求" in page and "犬の死亡届" in page and "公開中" in page
    post(client, f"{ADMIN}/procedures/juminhyo/publication", {"published": "0"}, page=f"{ADMIN}/procedures")
    resident = app.test_client()
    assert "住民票の写しの交付請求" not in resident.get("/ichinomiya/").get_data(as_text=True)
    assert resident.get("/ichinomiya/procedures/juminhyo").status_code == 404
    assert "住民票の写しの交付請求" in resident.get("/anjo/").get_data(as_text=True)  # 安城市 still offers it
    assert "停止中" in client.get(f"{ADMIN}/procedures").get_data(as_text=True)
    post(client, f"{ADMIN}/procedures/juminhyo/publication", {"published": "1"}, page=f"{ADMIN}/procedures")
    assert "住民票の写しの交付請求" in resident.get("/ichinomiya/").get_data(as_text=True)
    changes = db.scalars(select(AuditEvent).where(AuditEvent.action == "admin.procedure_publication")).all()
    assert [c.detail["published"] for c in changes] == [False, True]


def test_another_municipalitys_procedure_cannot_be_published_here(client, db, make_staff):
    sign_in_staff(client, make_staff(slug="anjo", role="admin"))
    response = post(client, "/anjo/backoffice/admin/procedures/ichinomiya-dog-death/publication", {"published": "0"},
                    page="/anjo/backoffice/admin/procedures")
    assert response.status_code == 404
    assert client.get("/anjo/backoffice/admin/procedures/ichinomiya-dog-death").status_code == 404


def test_versions_of_a_definition(client, db, make_staff):
    sign_in_staff(client, make_staff(role="admin"))
    page = client.get(f"{ADMIN}/procedures/juminhyo").get_data(as_text=True)
    assert f"第{form_version('juminhyo.yaml')}版" in page and "juminhyo.yaml" in page and "版の一覧" in page


def test_admin_creates_staff_who_can_then_sign_in(app, client, db, make_staff):
    sign_in_staff(client, make_staff(role="admin"))
    form = {"username": "shimin-yamada", "display_name": "市民課 山田", "role": "staff",
            "procedures": ["juminhyo", "consultation"], "password": "a long enough passphrase"}
    response = post(client, f"{ADMIN}/staff/new", form, page=f"{ADMIN}/staff/new")
    assert response.status_code == 302
    created = db.scalar(select(StaffUser).where(StaffUser.username == "shimin-yamada"))
    assert created.procedure_keys == {"juminhyo", "consultation"} and created.password_hash.startswith("$argon2")
    assert "市民課 山田" in client.get(f"{ADMIN}/staff").get_data(as_text=True)
    newcomer = app.test_client()
    response = post(newcomer, "/ichinomiya/backoffice/login",
                    {"username": "shimin-yamada", "password": "a long enough passphrase"},
                    page="/ichinomiya/backoffice/login")
    assert location_path(response) == "/ichinomiya/backoffice/"
    # The password an admin chose is replaced by the newcomer's own before any work.
    assert created.must_change_password
    assert location_path(newcomer.get("/ichinomiya/backoffice/")) == \
        "/ichinomiya/backoffice/account/password?next=/ichinomiya/backoffice/"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "admin.staff_create")).detail["username"] == \
        "shimin-yamada"


def test_staff_form_validation(client, db, make_staff):
    existing = make_staff(username="taken")
    sign_in_staff(client, make_staff(role="admin"))
    bad = {"username": "Bad Name!", "display_name": "", "role": "boss", "procedures": ["nonexistent"],
           "password": "short"}
    response = post(client, f"{ADMIN}/staff/new", bad, page=f"{ADMIN}/staff/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "error-summary" in page
    for message in ("ユーザー名は半角英小文字", "表示名を100文字以内", "権限を選んでください",
                    "担当する手続きを一覧から", "12文字以上"):
        assert message in page
    taken = post(client, f"{ADMIN}/staff/new", {"username": existing.username, "display_name": "x", "role": "staff",
                                                 "password": "a long enough passphrase"}, page=f"{ADMIN}/staff/new")
    assert "すでに使われています" in taken.get_data(as_text=True)


def test_assignments_roles_and_deactivation(app, client, db, make_staff):
    admin = make_staff(role="admin")
    staff = make_staff(procedures=("juminhyo",))
    staff_client = app.test_client()
    sign_in_staff(staff_client, staff)
    assert staff_client.get("/ichinomiya/backoffice/").status_code == 200
    sign_in_staff(client, admin)
    url = f"{ADMIN}/staff/{staff.id}"
    post(client, url, {"display_name": "新しい名前", "role": "staff", "active": "1", "procedures": ["consultation"]},
         page=url)
    db.refresh(staff)
    assert staff.display_name == "新しい名前" and staff.procedure_keys == {"consultation"}
    assert staff_client.get("/ichinomiya/backoffice/").status_code == 200  # an assignment change keeps the session
    post(client, url, {"display_name": "新しい名前", "role": "staff", "procedures": ["consultation"]},
         page=url)  # unticked active
    db.refresh(staff)
    assert not staff.active
    assert location_path(staff_client.get("/ichinomiya/backoffice/")).startswith("/ichinomiya/backoffice/login")
    assert login(app.test_client(), staff).status_code == 401


def test_an_admin_cannot_demote_or_deactivate_themselves(client, db, make_staff):
    admin = make_staff(role="admin")
    sign_in_staff(client, admin)
    url = f"{ADMIN}/staff/{admin.id}"
    response = post(client, url, {"display_name": "x", "role": "staff", "active": "1"}, page=url)
    assert response.status_code == 422 and "自分自身" in response.get_data(as_text=True)
    db.refresh(admin)
    assert admin.role == "admin"


def test_password_reset_totp_reset_and_unlock(app, client, db, make_staff):
    from datetime import timedelta

    from portal.db import utcnow

    admin = make_staff(role="admin")
    other = make_staff(role="admin", locked_until=utcnow() + timedelta(minutes=10))
    sign_in_staff(client, admin)
    url = f"{ADMIN}/staff/{other.id}"
    assert "ロック中" in client.get(url).get_data(as_text=True)
    post(client, url + "/unlock", page=url)
    post(client, url + "/totp-reset", page=url)
    weak = post(client, url + "/password", {"password": "short"}, page=url)
    assert weak.status_code == 422
    post(client, url + "/password", {"password": "another long passphrase"}, page=url)
    db.refresh(other)
    assert other.locked_until is None and other.totp_secret is None and other.session_version > 1
    assert login(app.test_client(), other, password=PASSWORD).status_code == 401
    fresh = app.test_client()
    assert location_path(login(fresh, other, password="another long passphrase")).endswith("/login/totp-setup")
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"admin.staff_unlock", "admin.staff_totp_reset", "admin.staff_password_reset"} <= actions


def test_staff_of_another_municipality_cannot_be_edited(client, db, make_staff):
    other = make_staff(slug="anjo")
    sign_in_staff(client, make_staff(role="admin"))
    assert client.get(f"{ADMIN}/staff/{other.id}").status_code == 404
    assert post(client, f"{ADMIN}/staff/{other.id}/password", {"password": "another long passphrase"},
                page=f"{ADMIN}/staff").status_code == 404
