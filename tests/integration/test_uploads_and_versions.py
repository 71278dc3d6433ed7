"""File answers are checked from their bytes; published definition versions are immutable."""
from __future__ import annotations

import io
import shutil

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from portal.procedures.catalogue import definition_of
from portal.procedures.definition import DefinitionError
from portal.procedures.models import Draft, Submission, UploadedFile
from portal.procedures.sync import sync_directory
from tests.conftest import ROOT, sign_in_as
from tests.integration.helpers import answer, csrf_token, draft_token, post, start, switch_language
from tests.integration.test_journey import complete_juminhyo

DOG = {"registration_number": "一宮第1号", "dog_name": "ハチ", "death_date__year": "2026",
       "death_date__month": "10", "death_date__day": "30"}


def test_a_text_file_named_pdf_is_refused_and_other_answers_stay(client, make_resident, db):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "ichinomiya-dog-death"))
    answer(client, "ichinomiya", token, "owner", {"phone": "0586112233", "email": "a@example.jp"})
    response = answer(client, "ichinomiya", token, "dog",
                      dict(DOG, tag_photo=(io.BytesIO(b"%not really a pdf, just text"), "tag.pdf")))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="ハチ"' in page and 'href="#f-tag_photo"' in page
    assert db.scalar(select(UploadedFile)) is None


def test_an_uploaded_file_is_kept_when_the_step_is_shown_again(client, make_resident, db):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "ichinomiya-dog-death"))
    answer(client, "ichinomiya", token, "owner", {"phone": "0586112233", "email": "a@example.jp"})
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    answer(client, "ichinomiya", token, "dog", dict(DOG, tag_photo=(io.BytesIO(png), "tag.png")))
    page = client.get(f"/ichinomiya/drafts/{token}/steps/dog").get_data(as_text=True)
    assert "tag.png" in page
    # Going through the step again without choosing a new file keeps the first one.
    upload = db.scalar(select(UploadedFile))
    answer(client, "ichinomiya", token, "dog", dict(DOG, tag_photo__existing=upload.token))
    db.expire_all()
    assert db.scalar(select(Draft)).answers["tag_photo"]["token"] == upload.token
    # A token from somewhere else is not accepted as this draft's file.
    answer(client, "ichinomiya", token, "dog", dict(DOG, tag_photo__existing="someone-elses-token"))
    db.expire_all()
    assert "tag_photo" not in db.scalar(select(Draft)).answers


def test_changing_a_published_version_is_refused(db, tmp_path):
    shutil.copy(ROOT / "forms" / "juminhyo.yaml", tmp_path / "juminhyo.yaml")
    content = yaml.safe_load((tmp_path / "juminhyo.yaml").read_text(encoding="utf-8"))
    content["title"]["ja"] = "住民票の写し（改）"
    (tmp_path / "juminhyo.yaml").write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match="already published with different content"):
        sync_directory(db, tmp_path)


def test_old_submissions_keep_their_version_after_a_new_one_is_published(client, db, make_resident, tmp_path):
    sign_in_as(client, make_resident())
    token = complete_juminhyo(client)
    post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")

    content = yaml.safe_load((ROOT / "forms" / "juminhyo.yaml").read_text(encoding="utf-8"))
    shipped = content["version"]
    content["version"] = shipped + 1
    content["steps"][3]["fields"][0]["label"] = {"ja": "必要な枚数", "en": "Copies needed"}
    (tmp_path / "juminhyo.yaml").write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    assert sync_directory(db, tmp_path).added == [f"juminhyo v{shipped + 1}"]
    db.commit()

    old = db.scalar(select(Submission))
    page = client.get(f"/ichinomiya/mypage/submissions/{old.reference}").get_data(as_text=True)
    assert "通数" in page and "必要な枚数" not in page and old.definition.version == shipped
    new_token = draft_token(start(client, "ichinomiya", "juminhyo"))
    new_draft = db.scalar(select(Draft).where(Draft.token == new_token))
    assert new_draft.definition.version == shipped + 1
    assert definition_of(new_draft.definition).fields["copies"].label == "必要な枚数"


def test_language_switch_shows_english(client):
    switch_language(client, "en", "/ichinomiya/procedures/juminhyo")
    page = client.get("/ichinomiya/procedures/juminhyo").get_data(as_text=True)
    assert '<html lang="en">' in page and "Request for a copy of the residence record" in page


def test_forms_check_command(app, tmp_path):
    runner = CliRunner()
    from portal.cli import forms_check

    with app.app_context():
        ok = runner.invoke(forms_check, [str(ROOT / "forms")])
        assert ok.exit_code == 0 and "ok: juminhyo.yaml" in ok.output
        (tmp_path / "bad.yaml").write_text("id: bad\nversion: 1\nkind: generic\ncategory: kurashi\n"
                                           "title: x\naudience: anyone\nsteps:\n  - id: s\n    title: s\n"
                                           "    fields:\n      - {id: a, type: nope, label: A}\n", encoding="utf-8")
        bad = runner.invoke(forms_check, [str(tmp_path)])
    assert bad.exit_code == 1
    assert "bad.yaml: steps[0].fields[0].type: unknown field type 'nope'" in bad.output


def test_an_upload_name_with_line_breaks_or_nul_is_cleaned_and_every_download_works(app, client, make_resident, db):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "ichinomiya-dog-death"))
    answer(client, "ichinomiya", token, "owner", {"phone": "0586112233", "email": "a@example.jp"})
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    # A raw line break would end the part's header: the name comes RFC 2231-encoded, which Werkzeug decodes.
    fields = {"csrf_token": csrf_token(client), **DOG}
    body = b"".join(f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    body += (b"--b\r\nContent-Disposition: form-data; name=\"tag_photo\"; "
             b"filename*=UTF-8''tag%0D%0AX-Injected%3A%201%00.png\r\nContent-Type: image/png\r\n\r\n"
             + png + b"\r\n--b--\r\n")
    response = client.post(f"/ichinomiya/drafts/{token}/steps/dog", data=body,
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    upload = db.scalar(select(UploadedFile))
    assert upload.filename == "tagX-Injected: 1.png"
    post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    submission = db.scalar(select(Submission))
    # A name stored before uploads were cleaned is made safe when it is sent back.
    upload.filename = "old\r\nname\t.png"  # (PostgreSQL would not even store a NUL)
    db.commit()
    download = client.get(f"/ichinomiya/mypage/submissions/{submission.reference}/files/{upload.token}")
    assert download.status_code == 200 and download.data == png
    assert download.headers["Content-Disposition"] == "attachment; filename=oldname.png"
