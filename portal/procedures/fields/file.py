"""File upload, with the type decided from the file's bytes."""
from __future__ import annotations

import math
from typing import Any

import filetype
from flask_babel import gettext as _

from portal.i18n import current_lang

from .base import FieldType, Parsed, register

#: kind → (MIME types ``filetype`` reports for it, canonical MIME type, label, ``accept`` hint)
KINDS: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "pdf": (("application/pdf",), "application/pdf", "PDF", ".pdf,application/pdf"),
    "jpeg": (("image/jpeg",), "image/jpeg", "JPEG", ".jpg,.jpeg,image/jpeg"),
    "png": (("image/png", "image/apng"), "image/png", "PNG", ".png,image/png"),
    "heic": (("image/heic", "image/heif"), "image/heic", "HEIC", ".heic,.heif,image/heic,image/heif"),
}
SNIFF_BYTES = 8192


def sniff_kind(head: bytes) -> str | None:
    """The kind (``pdf``/``jpeg``/``png``/``heic``) of a file from its first bytes, or None."""
    guessed = filetype.guess(head)
    if guessed is None:
        return None
    for kind, (mimes, *_rest) in KINDS.items():
        if guessed.mime in mimes:
            return kind
    return None


def format_size(size: int) -> str:
    """"120 KB", "2.5 MB" (1 KB = 1024 bytes; KB rounded up so a small file is never "0 KB")."""
    if size < 1024 * 1024:
        return f"{max(1, math.ceil(size / 1024))} KB"
    megabytes = size / (1024 * 1024)
    text = f"{megabytes:.1f}".rstrip("0").rstrip(".")
    return f"{text} MB"


def _stream_size(storage) -> int:
    stream = storage.stream
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


@register
class FileField(FieldType):
    """An uploaded file. Spec: ``accept`` (list of ``pdf``/``jpeg``/``png``/``heic``; default all),
    ``max_bytes`` (default ``UploadContext.max_bytes``).

    Inputs: ``<id>`` (the file), ``<id>__existing`` (hidden: token of the file already uploaded),
    ``<id>__existing_name`` (hidden: its filename, for re-display only), ``<id>__remove``
    (checkbox, optional fields only: drop the uploaded file).

    Value: what ``files_ctx.store(file_storage, field_id)`` returns —
    ``{"token", "filename", "size", "content_type"}`` — with ``content_type`` replaced by the
    type sniffed from the bytes (the store also sees it as ``file_storage.content_type``).

    **Keeping the existing file**: when no new file is chosen but ``<id>__existing`` holds a
    token, ``parse`` returns ``Parsed(value={"token": token, "keep": True})``. The page
    (``StepForm``) replaces that with the file stored for this field by the draft or submission
    *if the token is one of theirs* (``UploadPlace.kept``), else treats the field as empty,
    re-checking ``required``. ``KEEP`` names the flag.
    """

    type_name = "file"
    template = "fields/file.html"
    stores_upload = True
    KEEP = "keep"
    spec_properties = {
        "accept": {"type": "array", "minItems": 1, "uniqueItems": True,
                   "items": {"enum": list(KINDS)}},
        "max_bytes": {"type": "integer", "minimum": 1},
    }

    @property
    def accept(self) -> list[str]:
        return list(self.spec.get("accept") or KINDS)

    @property
    def accept_attribute(self) -> str:
        """For the ``accept`` attribute: a hint to the browser's file picker; the server decides."""
        return ",".join(KINDS[kind][3] for kind in self.accept)

    @property
    def kinds_text(self) -> str:
        separator = ", " if current_lang() == "en" else "、"
        return separator.join(KINDS[kind][2] for kind in self.accept)

    def max_bytes(self, files_ctx=None) -> int | None:
        if self.spec.get("max_bytes"):
            return int(self.spec["max_bytes"])
        return files_ctx.max_bytes if files_ctx is not None else None

    def requirements_text(self, default_max_bytes: int | None = None) -> str:
        """「PDF、JPEG形式、10 MBまで」 — rendered as part of the hint. ``default_max_bytes`` is the
        site-wide limit (``UploadContext.max_bytes``), used when the spec sets none."""
        limit = int(self.spec["max_bytes"]) if self.spec.get("max_bytes") else default_max_bytes
        if limit:
            return _("%(kinds)s形式、%(size)sまで", kinds=self.kinds_text, size=format_size(limit))
        return _("%(kinds)s形式", kinds=self.kinds_text)

    def input_names(self) -> list[str]:
        return [self.id, f"{self.id}__existing", f"{self.id}__existing_name", f"{self.id}__remove"]

    def raw_from_value(self, value: Any) -> dict:
        value = value or {}
        return {
            f"{self.id}__existing": str(value.get("token") or ""),
            f"{self.id}__existing_name": str(value.get("filename") or ""),
        }

    def required_message(self) -> str:
        return _("%(label)sのファイルを選んでください", label=self.label)

    def parse(self, form, files=None, files_ctx=None) -> Parsed:
        existing = (form.get(f"{self.id}__existing") or "").strip()
        remove = bool(form.get(f"{self.id}__remove")) and not self.required
        raw = {
            f"{self.id}__existing": "" if remove else existing,
            f"{self.id}__existing_name": "" if remove else form.get(f"{self.id}__existing_name", ""),
        }
        storage = files.get(self.id) if files is not None else None
        if storage is None or not storage.filename:
            if existing and not remove:
                return Parsed(value={"token": existing, self.KEEP: True}, raw=raw)
            return self._empty(raw)

        size = _stream_size(storage)
        if size == 0:
            return Parsed(value=None, raw=raw, errors=[_("%(label)sで選んだファイルは空です。"
                                                         "別のファイルを選んでください", label=self.label)])
        limit = self.max_bytes(files_ctx)
        if limit and size > limit:
            return Parsed(value=None, raw=raw, errors=[
                _("%(label)sのファイルは%(size)s以下にしてください", label=self.label, size=format_size(limit))])
        position = storage.stream.tell()
        storage.stream.seek(0)
        head = storage.stream.read(SNIFF_BYTES)
        storage.stream.seek(position)
        kind = sniff_kind(head)
        if kind not in self.accept:
            return Parsed(value=None, raw=raw, errors=[
                _("%(label)sは%(kinds)s形式のファイルを選んでください", label=self.label, kinds=self.kinds_text)])
        if files_ctx is None:
            raise RuntimeError("a file field was posted without an UploadContext")

        content_type = KINDS[kind][1]
        storage.headers["Content-Type"] = content_type  # the sniffed type, not the browser's claim
        storage.stream.seek(0)
        stored = dict(files_ctx.store(storage, self.id))
        stored["content_type"] = content_type
        stored.setdefault("size", size)
        raw[f"{self.id}__existing"] = str(stored.get("token") or "")
        raw[f"{self.id}__existing_name"] = str(stored.get("filename") or "")
        return Parsed(value=stored, raw=raw)

    def summary(self, value: Any) -> str:
        if not value or not value.get("filename"):
            return ""
        size = value.get("size")
        if size is None:
            return str(value["filename"])
        if current_lang() == "en":
            return f"{value['filename']} ({format_size(int(size))})"
        return f"{value['filename']}（{format_size(int(size))}）"

    def export(self, value: Any) -> dict[str, str]:
        value = value or {}
        return {"": str(value.get("filename") or ""), "size": str(value.get("size") or ""),
                "content_type": str(value.get("content_type") or "")}
