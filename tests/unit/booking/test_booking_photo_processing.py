"""Re-encoding a facility photo: what is kept (the picture, upright, bounded) and what never is (EXIF, GPS,
anything that is not a JPEG, PNG or WebP image)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from portal.booking.services import photos


def image_bytes(fmt: str = "JPEG", size=(800, 600), exif: Image.Exif | None = None, color="teal") -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(out, fmt, **kwargs)
    return out.getvalue()


def with_gps_and_rotation() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was held upright, the pixels lie on their side
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (35.0, 18.0, 12.0)  # GPSLatitudeRef, GPSLatitude
    return exif


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_come_out_as_jpeg(fmt):
    processed = photos.process(image_bytes(fmt))
    with Image.open(io.BytesIO(processed.data)) as out:
        assert (out.format, out.size) == ("JPEG", (800, 600))
    assert (processed.width, processed.height) == (800, 600) and len(processed.digest) == 64


def test_exif_and_the_position_are_dropped_and_the_photo_turned_upright():
    processed = photos.process(image_bytes(size=(800, 600), exif=with_gps_and_rotation()))
    with Image.open(io.BytesIO(processed.data)) as out:
        assert out.size == (600, 800)
        assert dict(out.getexif()) == {} and "exif" not in out.info


def test_a_large_photo_is_scaled_down_keeping_its_shape():
    processed = photos.process(image_bytes(size=(4000, 3000)))
    assert (processed.width, processed.height) == (1600, 1200)


@pytest.mark.parametrize("raw", [
    b"",
    b"%PDF-1.7 not a picture",
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    image_bytes("GIF"),
    image_bytes()[:200],  # cut off
])
def test_anything_else_is_refused(raw):
    with pytest.raises(photos.PhotoRefused):
        photos.process(raw)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = image_bytes("PNG", size=(10_000, 6_000), color="white")  # 60 megapixels, a few kilobytes
    assert len(bomb) < 1_000_000
    with pytest.raises(photos.PhotoRefused):
        photos.process(bomb)


def test_the_same_picture_has_the_same_digest():
    assert photos.process(image_bytes()).digest == photos.process(image_bytes()).digest
    assert photos.process(image_bytes()).digest != photos.process(image_bytes(color="navy")).digest
