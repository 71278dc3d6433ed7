"""An admin uploads a facility's photo; residents see it on the facility page, served by its digest from the
database (cached for good), never as uploaded; a refused file says why; removing it takes it down."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.booking.models import Facility, FacilityPhoto
from portal.booking.services import facility_form as admin_form
from tests.integration.backoffice import sign_in_staff
from tests.integration.booking_factory import make_facility
from tests.integration.helpers import post
from tests.integration.test_booking_admin import as_form
from tests.unit.booking.test_booking_photo_processing import image_bytes, with_gps_and_rotation

BASE = "/ichinomiya/backoffice/admin/facilities"


@pytest.fixture
def admin_client(client, make_staff):
    sign_in_staff(client, make_staff(role="admin"))
    return client


def upload(client, facility, raw: bytes, name: str = "court.jpg"):
    page = f"{BASE}/{facility.id}/photo"
    return post(client, page, {"photo": (io.BytesIO(raw), name)}, page=page, content_type="multipart/form-data")


def test_an_uploaded_photo_is_shown_to_residents_without_its_exif(app, db, admin_client):
    facility = make_facility(db)
    page = admin_client.get(f"{BASE}/{facility.id}/photo").get_data(as_text=True)
    assert "<title>写真: テスト市民テニスコート" in page and "写真は登録されていません" in page
    response = upload(admin_client, facility, image_bytes(size=(3200, 2400), exif=with_gps_and_rotation()))
    assert response.status_code == 302
    db.expire_all()
    photo = db.scalar(select(FacilityPhoto))
    url = f"/ichinomiya/facility-photos/{photo.digest}.jpg"
    assert db.get(Facility, facility.id).photo_url == url and (photo.width, photo.height) == (1200, 1600)
    assert "1200×1600ピクセル" in admin_client.get(f"{BASE}/{facility.id}/photo").get_data(as_text=True)

    resident = app.test_client()
    assert f'src="{url}"' in resident.get("/ichinomiya/facilities/test-tennis").get_data(as_text=True)
    served = resident.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"] and served.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.size == (1200, 1600) and dict(image.getexif()) == {}
    # another municipality's address, or a made-up digest: nothing
    assert resident.get(f"/anjo/facility-photos/{photo.digest}.jpg").status_code == 404
    assert resident.get(f"/ichinomiya/facility-photos/{'0' * 64}.jpg").status_code == 404
    assert resident.get("/ichinomiya/facility-photos/..%2Fsecret.jpg").status_code == 404
    [audit] = db.scalars(select(AuditEvent).where(AuditEvent.action == "admin.facility_photo_set")).all()
    assert audit.detail["digest"] == photo.digest


def test_a_new_photo_replaces_the_old_one_and_removing_takes_it_down(app, db, admin_client):
    facility = make_facility(db)
    upload(admin_client, facility, image_bytes())
    first = db.scalar(select(FacilityPhoto)).digest
    upload(admin_client, facility, image_bytes(color="navy"))
    db.expire_all()
    [photo] = db.scalars(select(FacilityPhoto)).all()
    second = photo.digest
    assert second != first
    resident = app.test_client()
    assert resident.get(f"/ichinomiya/facility-photos/{first}.jpg").status_code == 404
    page = f"{BASE}/{facility.id}/photo"
    assert post(admin_client, f"{page}/delete", page=page).status_code == 302
    db.expire_all()
    assert db.scalars(select(FacilityPhoto)).all() == [] and db.get(Facility, facility.id).photo_url == ""
    assert resident.get(f"/ichinomiya/facility-photos/{second}.jpg").status_code == 404
    assert "facility-photo" not in resident.get("/ichinomiya/facilities/test-tennis").get_data(as_text=True)


def test_a_refused_file_says_why_and_changes_nothing(db, admin_client):
    facility = make_facility(db)
    response = upload(admin_client, facility, b'<svg xmlns="http://www.w3.org/2000/svg"/>', "court.svg")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "写真はJPEG・PNG・WebPの画像" in page and 'href="#f-photo"' in page
    missing = upload(admin_client, facility, b"")
    assert missing.status_code == 422 and "写真のファイルを選んでください" in missing.get_data(as_text=True)
    assert db.scalars(select(FacilityPhoto)).all() == []


def test_saving_the_settings_keeps_the_photo(db, admin_client):
    facility = make_facility(db)
    upload(admin_client, facility, image_bytes())
    db.expire_all()
    facility = db.get(Facility, facility.id)
    url = facility.photo_url
    edit = f"{BASE}/{facility.id}"
    assert 'name="photo_url"' not in admin_client.get(edit).get_data(as_text=True)
    values = admin_form.values_from_facility(facility)
    values["name"] = "テスト市民テニスコート（改修後）"
    assert post(admin_client, edit, as_form(values), page=edit).status_code == 302
    db.expire_all()
    assert (db.get(Facility, facility.id).name, db.get(Facility, facility.id).photo_url) == (values["name"], url)
