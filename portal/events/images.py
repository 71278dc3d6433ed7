"""An event's optional image: uploaded by an admin, decoded and re-encoded (the booking's facility-photo
pipeline, :func:`portal.booking.services.photos.process`: JPEG/PNG/WebP only, EXIF and GPS dropped, at most
1,600 px), stored in ``event_image`` and served to residents under a URL versioned by its digest."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from portal.booking.services import photos
from portal.events.models import Event, EventImage

MAX_BYTES = photos.MAX_BYTES
ALT_MAX = 300


@dataclass
class ImageForm:
    """What the admin sent: the file's bytes (b"" when none was chosen) and the alt texts."""
    raw: bytes
    alt: str
    alt_en: str


def image_of(dbs: Session, event: Event) -> EventImage | None:
    return dbs.scalar(select(EventImage).where(EventImage.event_id == event.id))


def images_of(dbs: Session, events) -> dict[int, EventImage]:
    """The images (without their bytes) of the events shown on a list, in one query."""
    ids = [e.id for e in events]
    if not ids:
        return {}
    return {i.event_id: i for i in dbs.scalars(select(EventImage).where(EventImage.event_id.in_(ids)))}


def served(dbs: Session, municipality_id: int, slug: str) -> EventImage | None:
    """The image of a published event of the municipality, with its bytes (None for any other event)."""
    return dbs.scalar(select(EventImage).join(Event, Event.id == EventImage.event_id)
                      .where(Event.municipality_id == municipality_id, Event.slug == slug,
                             Event.status.in_(("published", "cancelled")))
                      .options(undefer(EventImage.data)))


def version(image: EventImage) -> str:
    return image.digest[:16]


def alt_for(image: EventImage, lang: str) -> str:
    return image.alt_en if lang == "en" and image.alt_en else image.alt


def save(dbs: Session, event: Event, form: ImageForm) -> tuple[EventImage, dict]:
    """Set or replace the image (a new file) or only its alt texts (no file, an image already set).

    Raises :class:`portal.events.admin_service.Invalid` with every problem at once; returns the stored image
    and what changed (for the audit log)."""
    from portal.events.admin_service import Invalid

    errors: list[dict] = []
    old = image_of(dbs, event)
    processed = None
    if form.raw:
        if len(form.raw) > MAX_BYTES:
            errors.append({"href": "#f-image", "message": _("画像のファイルは10MB以下にしてください")})
        else:
            try:
                processed = photos.process(form.raw)
            except photos.PhotoRefused:
                errors.append({"href": "#f-image",
                               "message": _("画像はJPEG・PNG・WebPの画像ファイル（5,000万画素まで）にしてください")})
    elif old is None:
        errors.append({"href": "#f-image", "message": _("画像のファイルを選んでください")})
    if not form.alt:
        errors.append({"href": "#f-alt", "message": _("画像の説明（代替テキスト）を入力してください")})
    elif len(form.alt) > ALT_MAX:
        errors.append({"href": "#f-alt", "message": _("画像の説明は%(n)s文字以内にしてください", n=ALT_MAX)})
    if len(form.alt_en) > ALT_MAX:
        errors.append({"href": "#f-alt_en", "message": _("画像の説明（英語）は%(n)s文字以内にしてください", n=ALT_MAX)})
    if errors:
        raise Invalid(errors)
    changes: dict = {}
    if processed is not None:
        if old is not None:
            changes["digest"] = {"before": old.digest, "after": processed.digest}
            dbs.delete(old)
            dbs.flush()
        else:
            changes["digest"] = {"before": None, "after": processed.digest}
        image = EventImage(event_id=event.id, digest=processed.digest, content_type="image/jpeg",
                           data=processed.data, width=processed.width, height=processed.height,
                           alt=form.alt, alt_en=form.alt_en)
        dbs.add(image)
        for name in ("alt", "alt_en"):
            before = getattr(old, name) if old is not None else None
            if before != getattr(form, name):
                changes[name] = {"before": before, "after": getattr(form, name)}
    else:
        image = old
        for name in ("alt", "alt_en"):
            if getattr(image, name) != getattr(form, name):
                changes[name] = {"before": getattr(image, name), "after": getattr(form, name)}
                setattr(image, name, getattr(form, name))
    dbs.flush()
    dbs.expire(event, ["image"])
    return image, changes


def remove(dbs: Session, event: Event) -> str | None:
    """Take the image down; the digest it had, or None when there was none."""
    old = image_of(dbs, event)
    if old is None:
        return None
    digest = old.digest
    dbs.delete(old)
    dbs.flush()
    dbs.expire(event, ["image"])
    return digest
