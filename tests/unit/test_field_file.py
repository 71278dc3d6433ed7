"""file: type sniffed from bytes, size limit, keeping an existing upload."""
import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from portal.procedures.fields import UploadContext, field_for
from portal.procedures.fields.file import format_size, sniff_kind

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       + b"\x00" * 64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b" " * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


class Store:
    def __init__(self):
        self.calls = []

    def __call__(self, storage, field_id):
        data = storage.read()
        self.calls.append((storage.filename, field_id, storage.content_type, data))
        return {"token": f"tok{len(self.calls)}", "filename": storage.filename, "size": len(data),
                "content_type": storage.content_type}


@pytest.fixture
def store():
    return Store()


def ctx(store, max_bytes=1024 * 1024):
    return UploadContext(store=store, max_bytes=max_bytes)


def upload(data: bytes, filename: str, mimetype: str = "application/octet-stream", name="doc") -> MultiDict:
    return MultiDict([(name, FileStorage(io.BytesIO(data), filename=filename, name=name, content_type=mimetype))])


def make(**spec):
    return field_for({"id": "doc", "type": "file", "label": "本人確認書類", **spec})


@pytest.mark.parametrize("data, kind", [(PNG, "png"), (PDF, "pdf"), (JPEG, "jpeg"), (HEIC, "heic"), (b"hello", None)])
def test_sniff(data, kind):
    assert sniff_kind(data) == kind


def test_valid_upload_is_stored(store):
    parsed = make(accept=["pdf"]).parse(MultiDict(), upload(PDF, "申請書.pdf", "application/pdf"), ctx(store))
    assert parsed.errors == []
    assert parsed.value == \
        {"token": "tok1", "filename": "申請書.pdf", "size": len(PDF), "content_type": "application/pdf"}
    assert store.calls[0][:2] == ("申請書.pdf", "doc")
    assert store.calls[0][3] == PDF  # stream rewound before storing
    assert parsed.raw == {"doc__existing": "tok1", "doc__existing_name": "申請書.pdf"}


def test_png_renamed_pdf_is_rejected(store):
    parsed = make(accept=["pdf"]).parse(MultiDict(), upload(PNG, "scan.pdf", "application/pdf"), ctx(store))
    assert parsed.value is None
    assert parsed.errors == ["本人確認書類はPDF形式のファイルを選んでください"]
    assert store.calls == []


def test_content_type_comes_from_bytes_not_browser(store):
    parsed = make(accept=["png", "jpeg"]).parse(MultiDict(), upload(PNG, "photo.jpg", "image/jpeg"), ctx(store))
    assert parsed.errors == []
    assert parsed.value["content_type"] == "image/png"
    assert store.calls[0][2] == "image/png"


def test_unknown_bytes_rejected(store):
    parsed = make().parse(MultiDict(), upload(b"MZ\x90\x00 not a document", "virus.pdf", "application/pdf"), ctx(store))
    assert parsed.errors == ["本人確認書類はPDF、JPEG、PNG、HEIC形式のファイルを選んでください"]


def test_over_size_rejected(store):
    data = PDF + b"0" * 2000
    parsed = make().parse(MultiDict(), upload(data, "big.pdf"), ctx(store, max_bytes=1024))
    assert parsed.errors == ["本人確認書類のファイルは1 KB以下にしてください"]
    assert store.calls == []
    parsed = make(max_bytes=100).parse(MultiDict(), upload(PDF + b"0" * 200, "big.pdf"), ctx(store))
    assert parsed.errors == ["本人確認書類のファイルは1 KB以下にしてください"]


def test_empty_file_rejected(store):
    assert make().parse(MultiDict(), upload(b"", "empty.pdf"), ctx(store)).errors == [
        "本人確認書類で選んだファイルは空です。別のファイルを選んでください"]


def test_required_and_optional(store):
    assert make(required=True).parse(MultiDict(), MultiDict(), ctx(store)).errors == \
        ["本人確認書類のファイルを選んでください"]
    no_file = MultiDict([("doc", FileStorage(io.BytesIO(b""), filename="", name="doc"))])
    assert make(required=True).parse(MultiDict(), no_file, ctx(store)).errors == \
        ["本人確認書類のファイルを選んでください"]
    parsed = make().parse(MultiDict(), None, ctx(store))
    assert parsed.value is None and parsed.errors == []


def test_keep_existing_when_no_new_file(store):
    posted = MultiDict({"doc__existing": "tok9", "doc__existing_name": "前回.pdf"})
    parsed = make(required=True).parse(posted, MultiDict(), ctx(store))
    assert parsed.errors == []
    assert parsed.value == {"token": "tok9", "keep": True}
    assert parsed.raw == {"doc__existing": "tok9", "doc__existing_name": "前回.pdf"}


def test_new_file_replaces_existing(store):
    posted = MultiDict({"doc__existing": "tok9"})
    parsed = make().parse(posted, upload(PDF, "new.pdf"), ctx(store))
    assert parsed.value["token"] == "tok1" and "keep" not in parsed.value


def test_invalid_new_file_keeps_existing_in_raw(store):
    posted = MultiDict({"doc__existing": "tok9", "doc__existing_name": "前回.pdf"})
    parsed = make(accept=["pdf"]).parse(posted, upload(PNG, "x.pdf"), ctx(store))
    assert parsed.errors and parsed.raw["doc__existing"] == "tok9"


def test_remove_existing_optional_only(store):
    posted = MultiDict({"doc__existing": "tok9", "doc__remove": "yes"})
    parsed = make().parse(posted, MultiDict(), ctx(store))
    assert parsed.value is None and parsed.errors == [] and parsed.raw["doc__existing"] == ""
    assert make(required=True).parse(posted, MultiDict(), ctx(store)).value == {"token": "tok9", "keep": True}


@pytest.mark.parametrize("size, text", [(1, "1 KB"), (1024, "1 KB"), (1025, "2 KB"), (120 * 1024, "120 KB"),
                                        (1024 * 1024, "1 MB"), (int(2.5 * 1024 * 1024), "2.5 MB")])
def test_format_size(size, text):
    assert format_size(size) == text


def test_summary_and_export(in_lang):
    value = {"token": "t", "filename": "住民票.pdf", "size": 123 * 1024, "content_type": "application/pdf"}
    assert make().summary(value) == "住民票.pdf（123 KB）"
    assert make().export(value) == {"": "住民票.pdf", "size": str(123 * 1024), "content_type": "application/pdf"}
    assert make().raw_from_value(value) == {"doc__existing": "t", "doc__existing_name": "住民票.pdf"}
    with in_lang("en"):
        assert make().summary(value) == "住民票.pdf (123 KB)"


def test_accept_attribute_and_requirements():
    field = make(accept=["pdf", "jpeg"], max_bytes=5 * 1024 * 1024)
    assert field.accept_attribute == ".pdf,application/pdf,.jpg,.jpeg,image/jpeg"
    assert field.requirements_text() == "PDF、JPEG形式、5 MBまで"
