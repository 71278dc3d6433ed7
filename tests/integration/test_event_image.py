"""An event's optional image: an admin uploads it with an alt text (required), replaces, re-describes or removes
it; residents see it on the event's page and as a thumbnail on the list, served re-encoded (never as uploaded)
under a versioned, cached-for-good URL; refused files keep the answers; other municipalities and unpublished
events answer 404."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.events.models import Event, EventImage
from tests.integration.backoffice import sign_in_staff
from tests.integration.events_factory import NOW, make_event
from tests.integration.helpers import post, switch_language
from tests.unit.booking.test_booking_photo_processing import image_bytes, with_gps_and_rotation

BASE = "/ichinomiya/backoffice/admin/events"


@pytest.fixture
def admin_client(client, make_staff):
    sign_in_staff(client, make_staff(role="admin"))
    return client


@pytest.fixture
def clock(app):
    app.extensions["clock"] = lambda: NOW
    yield
    app.extensions.pop("clock", None)


def upload(client, event, raw: bytes | None, alt: str = "調理実習で野菜を切る参加者", alt_en: str = "",
           name: str = "class.jpg", page: str | None = None):
    page = page or f"{BASE}/{event.id}/image"
    data = {"alt": alt, "alt_en": alt_en}
    if raw is not None:
        data["image"] = (io.BytesIO(raw), name)
    return post(client, f"{BASE}/{event.id}/image", data, page=page, content_type="multipart/form-data")


def test_an_uploaded_image_is_shown_on_the_event_page_and_the_list(app, db, admin_client, clock):
    event = make_event(db)
    page = admin_client.get(f"{BASE}/{event.id}/image").get_data(as_text=True)
    assert "画像は登録されていません" in page and 'enctype="multipart/form-data"' in page
    response = upload(admin_client, event, image_bytes(size=(3200, 2400), exif=with_gps_and_rotation()),
                      alt_en="Participants cutting vegetables")
    assert response.status_code == 302
    db.expire_all()
    image = db.scalar(select(EventImage))
    assert (image.width, image.height) == (1200, 1600) and image.alt == "調理実習で野菜を切る参加者"
    assert "1200×1600ピクセル" in admin_client.get(f"{BASE}/{event.id}/image").get_data(as_text=True)

    resident = app.test_client()
    url = f"/ichinomiya/events/smartphone/image?v={image.digest[:16]}"
    detail = resident.get("/ichinomiya/events/smartphone").get_data(as_text=True)
    assert f'src="{url}" alt="調理実習で野菜を切る参加者"' in detail and 'loading="lazy"' in detail
    switch_language(resident, "en", "/ichinomiya/events/smartphone")
    english = resident.get("/ichinomiya/events/smartphone").get_data(as_text=True)
    assert 'alt="Participants cutting vegetables"' in english
    listing = resident.get("/ichinomiya/events").get_data(as_text=True)
    assert f'src="{url}" alt=""' in listing  # the card's title says what it is: the thumbnail is decoration
    served = resident.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"] and served.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(served.data)) as decoded:
        assert decoded.format == "JPEG" and decoded.size == (1200, 1600) and dict(decoded.getexif()) == {}
    # without (or with an old) version: served, but not cached for good
    assert "immutable" not in resident.get("/ichinomiya/events/smartphone/image").headers["Cache-Control"]
    [audit] = db.scalars(select(AuditEvent).where(AuditEvent.action == "admin.event_image_set")).all()
    assert audit.detail["digest"] == image.digest and audit.object_id == str(event.id)


def test_a_png_or_webp_is_accepted_and_re_encoded(db, admin_client):
    event = make_event(db)
    assert upload(admin_client, event, image_bytes("PNG"), name="a.png").status_code == 302
    first = db.scalar(select(EventImage)).digest
    assert upload(admin_client, event, image_bytes("WEBP", color="navy"), name="b.webp").status_code == 302
    db.expire_all()
    [image] = db.scalars(select(EventImage)).all()
    assert image.digest != first and image.content_type == "image/jpeg"


@pytest.mark.parametrize(("raw", "message"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "JPEG・PNG・WebP"),
    (b"GIF89a" + b"\0" * 100, "JPEG・PNG・WebP"),
    (None, "画像のファイルを選んでください"),
])
def test_a_refused_file_says_why_and_keeps_the_answers(db, admin_client, raw, message):
    event = make_event(db)
    response = upload(admin_client, event, raw, alt="体操をする参加者", alt_en="People exercising",
                      name="evil.jpg")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert 'value="体操をする参加者"' in page and 'value="People exercising"' in page
    assert 'href="#f-image"' in page
    assert db.scalars(select(EventImage)).all() == []


def test_a_too_big_file_is_refused(db, admin_client, monkeypatch):
    from portal.events import images
    monkeypatch.setattr(images, "MAX_BYTES", 1000)
    event = make_event(db)
    response = upload(admin_client, event, image_bytes(size=(400, 300)) + b"\0" * 2000)
    assert response.status_code == 422 and "10MB以下" in response.get_data(as_text=True)
    assert db.scalars(select(EventImage)).all() == []


def test_the_alt_text_is_required_and_can_be_changed_alone(db, admin_client):
    event = make_event(db)
    response = upload(admin_client, event, image_bytes(), alt="  ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "代替テキスト）を入力してください" in page and 'href="#f-alt"' in page
    assert db.scalars(select(EventImage)).all() == []
    upload(admin_client, event, image_bytes())
    digest = db.scalar(select(EventImage)).digest
    # an image is set: no file needed to change its description, but never to blank it
    assert upload(admin_client, event, None, alt="").status_code == 422
    assert upload(admin_client, event, None, alt="パソコンを操作する参加者").status_code == 302
    db.expire_all()
    [image] = db.scalars(select(EventImage)).all()
    assert image.digest == digest and image.alt == "パソコンを操作する参加者"
    audits = db.scalars(select(AuditEvent).where(AuditEvent.action == "admin.event_image_set")).all()
    assert audits[-1].detail["changes"]["alt"]["after"] == "パソコンを操作する参加者"


def test_removing_takes_the_image_down(app, db, admin_client):
    event = make_event(db)
    upload(admin_client, event, image_bytes())
    page = f"{BASE}/{event.id}/image"
    assert post(admin_client, f"{page}/delete", page=page).status_code == 302
    db.expire_all()
    assert db.scalars(select(EventImage)).all() == []
    resident = app.test_client()
    assert resident.get("/ichinomiya/events/smartphone/image").status_code == 404
    assert "/image" not in resident.get("/ichinomiya/events/smartphone").get_data(as_text=True)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "admin.event_image_remove")).all()


def test_an_unpublished_event_s_image_is_not_served(app, db, admin_client):
    event = make_event(db, status="draft")
    assert upload(admin_client, event, image_bytes()).status_code == 302
    resident = app.test_client()
    assert resident.get("/ichinomiya/events/smartphone/image").status_code == 404
    event = db.get(Event, event.id)
    event.status = "published"
    db.commit()
    assert resident.get("/ichinomiya/events/smartphone/image").status_code == 200
    event.status = "unpublished"
    db.commit()
    assert resident.get("/ichinomiya/events/smartphone/image").status_code == 404
    # another municipality's address of the same event: nothing
    assert resident.get("/anjo/events/smartphone/image").status_code == 404


def test_another_municipality_s_event_image_is_not_found(db, admin_client):
    other = make_event(db, municipality="anjo", slug="tanabata")
    assert admin_client.get(f"{BASE}/{other.id}/image").status_code == 404
    own = f"{BASE}/{make_event(db).id}/image"
    assert upload(admin_client, other, image_bytes(), page=own).status_code == 404
    assert post(admin_client, f"{BASE}/{other.id}/image/delete", page=own).status_code == 404
    assert db.scalars(select(EventImage)).all() == []


def test_staff_who_are_not_admins_may_not_upload(client, db, make_staff):
    sign_in_staff(client, make_staff(role="staff"))
    event = make_event(db)
    assert client.get(f"{BASE}/{event.id}/image").status_code == 403


def test_a_duplicate_keeps_the_image_and_its_alt_text(db, admin_client):
    event = make_event(db, slug="cooking-2026")
    assert upload(admin_client, event, image_bytes()).status_code == 302
    response = post(admin_client, f"{BASE}/{event.id}/duplicate",
                    {"title": "料理教室 2027", "slug": "cooking-2027", "shift": "weeks", "weeks": "52"},
                    page=f"{BASE}/{event.id}/duplicate")
    assert response.status_code == 302
    db.expire_all()
    original, copy = (db.scalar(select(Event).where(Event.slug == slug)) for slug in ("cooking-2026", "cooking-2027"))
    assert copy.image.digest == original.image.digest and copy.image.alt == "調理実習で野菜を切る参加者"
    assert copy.image.id != original.image.id
