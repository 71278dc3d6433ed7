"""A facility's photo: what an admin uploads is decoded and re-encoded here, never served as sent.

Re-encoding drops EXIF (a phone photo carries the GPS position of whoever took it), turns the image upright,
bounds its size, and means no uploaded byte — a polyglot file, an SVG with a script — ever reaches a browser.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from portal.booking.models import Facility, FacilityPhoto

ACCEPTED = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 10 * 1024 * 1024
#: larger than any camera's, far smaller than a decompression bomb
MAX_PIXELS = 50_000_000
LONG_SIDE = 1600


class PhotoRefused(ValueError):
    pass


@dataclass(frozen=True)
class Processed:
    data: bytes
    width: int
    height: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def process(raw: bytes) -> Processed:
    if not raw:
        raise PhotoRefused(_("写真のファイルを選んでください"))
    if len(raw) > MAX_BYTES:
        raise PhotoRefused(_("写真のファイルは10MB以下にしてください"))
    image = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                width, height = probe.size
                if probe.format in ACCEPTED and width * height <= MAX_PIXELS:
                    probe.load()
                    image = ImageOps.exif_transpose(probe).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError):
        image = None
    if image is None:
        raise PhotoRefused(_("写真はJPEG・PNG・WebPの画像（5,000万画素まで）にしてください"))
    image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return Processed(out.getvalue(), image.width, image.height)


def photo_of(dbs: Session, facility: Facility) -> FacilityPhoto | None:
    return dbs.scalar(select(FacilityPhoto).where(FacilityPhoto.facility_id == facility.id))


def served(dbs: Session, municipality_id: int, digest: str) -> FacilityPhoto | None:
    """The photo with this digest of one of the municipality's facilities (equal digests: equal bytes)."""
    return dbs.scalar(select(FacilityPhoto).join(Facility, Facility.id == FacilityPhoto.facility_id)
                      .where(FacilityPhoto.digest == digest, Facility.municipality_id == municipality_id)
                      .options(undefer(FacilityPhoto.data)).limit(1))


def replace(dbs: Session, facility: Facility, processed: Processed, url_for_digest) -> FacilityPhoto:
    """Store the photo in place of the facility's previous one and point ``facility.photo_url`` at it."""
    old = photo_of(dbs, facility)
    if old is not None:
        dbs.delete(old)
        dbs.flush()
    photo = FacilityPhoto(facility_id=facility.id, digest=processed.digest, data=processed.data,
                          width=processed.width, height=processed.height)
    dbs.add(photo)
    facility.photo_url = url_for_digest(processed.digest)
    dbs.flush()
    return photo


def remove(dbs: Session, facility: Facility) -> bool:
    """Take the photo down (an uploaded one, or a path set before uploads existed)."""
    old = photo_of(dbs, facility)
    if old is None and not facility.photo_url:
        return False
    if old is not None:
        dbs.delete(old)
    facility.photo_url = ""
    dbs.flush()
    return True
