"""One step controller for every page of questions: a page with a file field that fails validation keeps the
other answers as typed and the stored upload, and posting it again keeps that file — whether the resident
fills it in, staff fill it in at the counter, or the resident answers a 補正 request."""
from __future__ import annotations

import io

from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from portal.procedures import journey
from portal.procedures.catalogue import latest_version
from portal.procedures.models import Draft, Submission, UploadedFile
from portal.procedures.uploads import UploadPlace
from tests.conftest import sign_in_as
from tests.integration.backoffice import municipality, sign_in_staff
from tests.integration.helpers import answer, draft_token, location_path, post, start
from tests.integration.test_backoffice_correction import request_correction

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DOG = {"registration_number": "一宮第1号", "dog_name": "ハチ", "death_date__year": "2026",
       "death_date__month": "10", "death_date__day": "30"}
COUNTER = "/ichinomiya/backoffice/counter"


def png(name="tag.png"):
    return (io.BytesIO(PNG), name)


def fails_keeping_the_upload(response, db, **owner):
    """The page is shown again with the error, what was typed, and the file that was stored; the upload's
    row belongs to ``owner`` (a draft or the submission)."""
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#f-dog_name"' in page
    upload = db.scalar(select(UploadedFile).where(UploadedFile.filename == "tag.png"))
    assert upload is not None and all(getattr(upload, k) == v for k, v in owner.items())
    assert f'value="{upload.token}"' in page and "tag.png" in page
    return upload, page


def test_the_resident_journey_keeps_the_upload_and_the_answers(client, db, make_resident):
    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "ichinomiya-dog-death"))
    answer(client, "ichinomiya", token, "owner", {"phone": "0586112233", "email": "a@example.jp"})
    draft = db.scalar(select(Draft))
    response = answer(client, "ichinomiya", token, "dog", dict(DOG, dog_name="", tag_photo=png()))
    upload, page = fails_keeping_the_upload(response, db, draft_id=draft.id, submission_id=None)
    assert 'value="一宮第1号"' in page
    assert location_path(answer(client, "ichinomiya", token, "dog", dict(DOG, tag_photo__existing=upload.token)))
    db.expire_all()
    assert db.get(Draft, draft.id).answers["tag_photo"]["token"] == upload.token


def test_counter_mode_keeps_the_upload_and_the_answers(client, db, make_staff):
    sign_in_staff(client, make_staff(procedures=("ichinomiya-dog-death",)))
    started = post(client, f"{COUNTER}/ichinomiya-dog-death/start", page=f"{COUNTER}/")
    token = location_path(started).split("/drafts/")[1].split("/")[0]
    owner = {"owner_name": "窓口 次郎", "address__postal_code": "491-0859", "address__prefecture": "愛知県",
             "address__city": "一宮市", "address__town": "本町", "address__line": "2丁目5番6号",
             "phone": "0586-28-0000"}
    owner = {k.replace("address__", "owner_address__"): v for k, v in owner.items()}
    url = f"{COUNTER}/drafts/{token}/steps"
    assert post(client, f"{url}/owner", owner, page=f"{url}/owner").status_code == 302
    draft = db.scalar(select(Draft))
    response = post(client, f"{url}/dog", dict(DOG, dog_name="", tag_photo=png()), page=f"{url}/dog")
    upload, page = fails_keeping_the_upload(response, db, draft_id=draft.id, submission_id=None)
    assert 'value="一宮第1号"' in page
    again = post(client, f"{url}/dog", dict(DOG, tag_photo__existing=upload.token), page=f"{url}/dog")
    assert location_path(again) == f"{COUNTER}/drafts/{token}/check"
    db.expire_all()
    assert db.get(Draft, draft.id).answers["tag_photo"]["token"] == upload.token


def submitted_dog_death(client, db, resident) -> Submission:
    sign_in_as(client, resident)
    token = draft_token(start(client, "ichinomiya", "ichinomiya-dog-death"))
    answer(client, "ichinomiya", token, "owner", {"phone": "0586112233", "email": "a@example.jp"})
    answer(client, "ichinomiya", token, "dog", dict(DOG, tag_photo=png("first.png")))
    post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    return db.scalar(select(Submission))


def test_a_correction_keeps_the_new_upload_after_a_failed_page(app, client, db, make_staff, make_resident):
    submission = submitted_dog_death(client, db, make_resident())
    first = submission.answers["tag_photo"]["token"]
    request_correction(app, make_staff(procedures=("ichinomiya-dog-death",)), submission.reference,
                       ["dog_name", "tag_photo"])
    form_url = f"/ichinomiya/mypage/submissions/{submission.reference}/correction"
    response = post(client, form_url, {"dog_name": "", "tag_photo": png()}, page=form_url)
    upload, _page = fails_keeping_the_upload(response, db, submission_id=submission.id, draft_id=None)
    db.expire_all()
    assert db.get(Submission, submission.id).answers["tag_photo"]["token"] == first  # nothing saved yet
    done = post(client, form_url, {"dog_name": "ポチ", "tag_photo__existing": upload.token}, page=form_url)
    assert location_path(done) == f"/ichinomiya/mypage/submissions/{submission.reference}"
    db.expire_all()
    corrected = db.get(Submission, submission.id)
    assert corrected.status == "resubmitted" and corrected.answers["dog_name"] == "ポチ"
    assert corrected.answers["tag_photo"]["token"] == upload.token


def test_a_correction_keeps_the_submitted_file_and_refuses_a_foreign_one(app, client, db, make_staff,
                                                                         make_resident):
    submission = submitted_dog_death(client, db, make_resident())
    first = submission.answers["tag_photo"]
    request_correction(app, make_staff(procedures=("ichinomiya-dog-death",)), submission.reference,
                       ["dog_name", "tag_photo"])
    form_url = f"/ichinomiya/mypage/submissions/{submission.reference}/correction"
    post(client, form_url, {"dog_name": "ポチ", "tag_photo__existing": "someone-elses-token"}, page=form_url)
    db.expire_all()
    corrected = db.get(Submission, submission.id)
    assert corrected.status == "resubmitted" and "tag_photo" not in corrected.answers  # an optional file, dropped
    assert db.scalar(select(UploadedFile).where(UploadedFile.token == first["token"])).submission_id == submission.id


def test_a_correction_keeps_the_submitted_file_when_none_is_chosen(app, client, db, make_staff, make_resident):
    submission = submitted_dog_death(client, db, make_resident())
    first = submission.answers["tag_photo"]
    request_correction(app, make_staff(procedures=("ichinomiya-dog-death",)), submission.reference,
                       ["dog_name", "tag_photo"])
    form_url = f"/ichinomiya/mypage/submissions/{submission.reference}/correction"
    assert "first.png" in client.get(form_url).get_data(as_text=True)
    post(client, form_url, {"dog_name": "ポチ", "tag_photo__existing": first["token"]}, page=form_url)
    db.expire_all()
    assert db.get(Submission, submission.id).answers["tag_photo"] == first


def test_a_field_action_redisplays_a_stored_upload_only_if_it_is_this_drafts(app, db, make_resident):
    """The postal-code lookup on a page whose file was stored by a failed post shows that file again; a
    token from elsewhere is not shown as if it were attached."""
    resident = make_resident()
    with app.test_request_context():
        m = municipality(db, "ichinomiya")
        row = latest_version(db, m, "ichinomiya-dog-death")
        draft = journey.start_draft(db, m, row, journey.Applicant(resident=resident))
        elsewhere = journey.start_draft(db, m, row, journey.Applicant(resident=resident))
        dog = next(s for s in journey.definition_of(row).steps if s.id == "dog")
        stored = UploadPlace.of_draft(db, draft, app.config).store(_storage(), "tag_photo")
        other = UploadPlace.of_draft(db, elsewhere, app.config).store(_storage(), "tag_photo")
        form = journey.step_form(db, draft, dog, resident, app.config)
        # dog_name has no action of its own (a hand-edited name): the page is just shown again
        posted = dict(DOG, field_action="dog_name", tag_photo__existing=stored["token"],
                      tag_photo__existing_name="tag.png")
        states = {s.field.id: s for s in form.after_action(MultiDict(posted))}
        assert states["tag_photo"].raw["tag_photo__existing"] == stored["token"]
        assert states["registration_number"].raw["registration_number"] == "一宮第1号"
        posted["tag_photo__existing"] = other["token"]
        states = {s.field.id: s for s in form.after_action(MultiDict(posted))}
        assert states["tag_photo"].raw["tag_photo__existing"] == ""


def _storage():
    return FileStorage(stream=io.BytesIO(PNG), filename="tag.png", content_type="image/png")
