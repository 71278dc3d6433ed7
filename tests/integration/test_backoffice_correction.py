"""補正: staff flag fields; the resident sees the request on their page, edits only those fields, resubmits."""
from __future__ import annotations

from sqlalchemy import select

from portal.procedures.history import SubmissionEvent
from portal.procedures.models import Submission
from tests.conftest import sign_in_as
from tests.integration.backoffice import page_lock_version, resident_submits_juminhyo, sign_in_staff
from tests.integration.helpers import location_path, post


def request_correction(app, staff, reference, fields, message="修正してください"):
    client = app.test_client()
    sign_in_staff(client, staff)
    url = f"/ichinomiya/backoffice/submissions/{reference}"
    page = client.get(url).get_data(as_text=True)
    post(client, url + "/transition", {"to": "in_review", "lock_version": page_lock_version(page)}, page=url)
    page = client.get(url).get_data(as_text=True)
    response = post(client, url + "/transition", {"to": "correction_requested", "lock_version": page_lock_version(page),
                                                  "message": message, "fields": fields}, page=url)
    assert response.status_code == 302
    return client


def test_round_trip_only_flagged_fields_change(app, client, db, make_staff, make_resident, mail_sink):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    staff = make_staff()
    staff_client = request_correction(app, staff, reference, ["phone", "copies"], "電話番号と通数をご確認ください。")
    submission = db.scalar(select(Submission).where(Submission.reference == reference))
    before = dict(submission.answers)

    mine = client.get(f"/ichinomiya/mypage/submissions/{reference}").get_data(as_text=True)
    assert "補正（修正）をお願いします" in mine and "電話番号と通数をご確認ください。" in mine
    assert "日中に連絡がとれる電話番号" in mine and "修正して再提出する" in mine
    assert "補正依頼" in mine  # the history on the resident's page

    form_url = f"/ichinomiya/mypage/submissions/{reference}/correction"
    form = client.get(form_url).get_data(as_text=True)
    assert 'name="phone"' in form and 'name="copies"' in form
    for other in ('name="name_kana"', 'name="email"', 'name="purpose"', 'name="delivery"'):
        assert other not in form  # only the flagged fields are offered
    assert 'value="090-1234-5678"' in form and 'value="3"' in form  # with their current answers

    # A tampering browser posts other fields too: they are ignored.
    response = post(client, form_url, {"phone": "0586-28-9999", "copies": "2", "email": "attacker@example.jp",
                                       "name_kana": "ニセモノ", "purpose": "other"}, page=form_url)
    assert location_path(response) == f"/ichinomiya/mypage/submissions/{reference}"
    db.refresh(submission)
    assert submission.status == "resubmitted" and submission.correction_fields == []
    assert submission.answers["phone"] == "0586289999" and submission.answers["copies"] == 2
    assert submission.fee_amount == 600  # the fee follows the corrected number of copies
    unchanged = {k: v for k, v in submission.answers.items() if k not in ("phone", "copies")}
    assert unchanged == {k: v for k, v in before.items() if k not in ("phone", "copies")}
    assert submission.contact_email == "hanako@example.jp"
    assert mail_sink.wait_for(lambda m: "補正した申請を受け付けました" in m["Subject"])["To"] == "hanako@example.jp"

    # Staff see it back in the queue as 再提出済み and can review again.
    queue = staff_client.get("/ichinomiya/backoffice/?status=unprocessed").get_data(as_text=True)
    assert reference in queue
    detail = staff_client.get(f"/ichinomiya/backoffice/submissions/{reference}").get_data(as_text=True)
    assert "再提出済み" in detail and "審査を開始する" in detail
    events = db.scalars(select(SubmissionEvent).order_by(SubmissionEvent.id)).all()
    assert [e.to_status for e in events] == ["in_review", "correction_requested", "resubmitted"]
    assert events[1].fields == ["phone", "copies"] and events[2].actor_kind == "resident"


def test_correction_errors_redisplay_what_was_typed(app, client, db, make_staff, make_resident):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    request_correction(app, make_staff(), reference, ["phone"])
    form_url = f"/ichinomiya/mypage/submissions/{reference}/correction"
    response = post(client, form_url, {"phone": "電話"}, page=form_url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "error-summary" in page and 'value="電話"' in page
    assert db.scalar(select(Submission)).status == "correction_requested"


def test_a_change_that_would_show_other_questions_is_refused(app, client, db, make_staff, make_resident):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    request_correction(app, make_staff(), reference, ["requester"])
    form_url = f"/ichinomiya/mypage/submissions/{reference}/correction"
    response = post(client, form_url, {"requester": "agent"}, page=form_url)  # would need a power of attorney
    assert response.status_code == 422 and "他の質問も変わるため" in response.get_data(as_text=True)
    submission = db.scalar(select(Submission))
    assert submission.answers["requester"] == "self" and submission.status == "correction_requested"


def test_a_card_value_flagged_for_correction_is_reread_from_the_card(app, client, db, make_staff, make_resident):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    request_correction(app, make_staff(), reference, ["address"], "転居後の住所でお願いします")
    resident.claims = {**resident.claims,
                       "address": {**resident.claims["address"], "street_address": "新生1丁目1番1号"}}
    db.commit()
    form_url = f"/ichinomiya/mypage/submissions/{reference}/correction"
    assert "新生1丁目1番1号" in client.get(form_url).get_data(as_text=True)
    post(client, form_url, {"address__town": "ignored"}, page=form_url)
    submission = db.scalar(select(Submission))
    assert submission.answers["address"]["town"] == "新生1丁目1番1号" and submission.status == "resubmitted"


def test_no_correction_form_unless_one_was_requested(client, db, make_resident):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    form_url = f"/ichinomiya/mypage/submissions/{reference}/correction"
    assert location_path(client.get(form_url)) == f"/ichinomiya/mypage/submissions/{reference}"
    post(client, form_url, {"phone": "0586-28-9999"}, page=f"/ichinomiya/mypage/submissions/{reference}")
    assert db.scalar(select(Submission)).answers["phone"] == "09012345678"


def test_someone_elses_correction_form_is_not_found(app, client, db, make_staff, make_resident):
    owner = make_resident()
    reference = resident_submits_juminhyo(client, owner)
    request_correction(app, make_staff(), reference, ["phone"])
    other = app.test_client()
    sign_in_as(other, make_resident())
    assert other.get(f"/ichinomiya/mypage/submissions/{reference}/correction").status_code == 404


def test_withdrawal_is_recorded_and_emailed(client, db, make_resident, mail_sink):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    url = f"/ichinomiya/mypage/submissions/{reference}"
    post(client, url + "/withdraw", page=url)
    event = db.scalar(select(SubmissionEvent))
    assert (event.from_status, event.to_status, event.actor_kind) == ("received", "withdrawn", "resident")
    assert mail_sink.wait_for(lambda m: "取り下げ" in m["Subject"])["To"] == "hanako@example.jp"


def test_staff_see_what_the_correction_changed_and_complete_it_straight_away(app, client, db, make_staff,
                                                                             make_resident, mail_sink):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    staff = make_staff()
    staff_client = request_correction(app, staff, reference, ["phone", "copies", "scope"], "ご確認ください。")
    form_url = f"/ichinomiya/mypage/submissions/{reference}/correction"
    post(client, form_url, {"phone": "０５８６ー２８ー９９９９", "copies": "2", "scope": "household"}, page=form_url)

    url = f"/ichinomiya/backoffice/submissions/{reference}"
    page = staff_client.get(url).get_data(as_text=True)
    changes = page.split('id="changes"')[1].split("</section>")[0]
    assert "補正で変更された項目" in changes and "前の回答" in changes and "新しい回答" in changes
    phone_row = changes.split("日中に連絡がとれる電話番号")[1].split("</tr>")[0]
    assert "090-1234-5678" in phone_row and "0586-28-9999" in phone_row
    copies_row = changes.split("通数")[1].split("</tr>")[0]
    assert '<del class="change-before">3通</del>' in copies_row and '<ins class="change-after">2通</ins>' in copies_row
    assert "変更なし" in changes.split("記載する人")[1].split("</tr>")[0]  # flagged, left as it was
    # The history keeps it too.
    history = page.split('id="history"')[1]
    assert "090-1234-5678" in history and "0586-28-9999" in history and "記載する人: 変更なし" in history
    event = db.scalar(select(SubmissionEvent).where(SubmissionEvent.to_status == "resubmitted"))
    assert event.changes == [{"field": "phone", "before": "09012345678", "after": "0586289999"},
                             {"field": "copies", "before": 3, "after": 2},
                             {"field": "scope", "before": "household", "after": "household"}]

    # 完了 from 再提出済み, without 「審査を開始する」 again.
    assert "完了にして申請者に知らせる" in page and "却下する" in page and "審査を開始する" in page
    response = post(staff_client, url + "/transition", {"to": "completed", "lock_version": page_lock_version(page),
                                                        "message": "郵送しました。"}, page=url)
    assert location_path(response) == url
    submission = db.scalar(select(Submission).where(Submission.reference == reference))
    db.refresh(submission)
    assert submission.status == "completed"
    last = db.scalars(select(SubmissionEvent).order_by(SubmissionEvent.id)).all()[-1]
    assert (last.from_status, last.to_status, last.actor_id) == ("resubmitted", "completed", staff.id)
    assert mail_sink.wait_for(lambda m: reference in m["Subject"] and "完了" in m["Subject"])["To"] == \
        "hanako@example.jp"


def test_a_corrected_submission_can_be_rejected_straight_away(app, client, db, make_staff, make_resident):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    staff_client = request_correction(app, make_staff(), reference, ["phone"])
    form_url = f"/ichinomiya/mypage/submissions/{reference}/correction"
    post(client, form_url, {"phone": "0586-28-9999"}, page=form_url)
    url = f"/ichinomiya/backoffice/submissions/{reference}"
    page = staff_client.get(url).get_data(as_text=True)
    no_reason = post(staff_client, url + "/transition", {"to": "rejected", "lock_version": page_lock_version(page)},
                     page=url)
    assert no_reason.status_code == 422 and "却下の理由を入力してください。" in no_reason.get_data(as_text=True)
    post(staff_client, url + "/transition", {"to": "rejected", "lock_version": page_lock_version(page),
                                             "message": "請求の要件を満たしていません。"}, page=url)
    assert db.scalar(select(Submission)).status == "rejected"


def test_the_checklist_does_not_offer_values_read_from_the_card(app, client, db, make_staff, make_resident):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    staff_client = app.test_client()
    sign_in_staff(staff_client, make_staff())
    url = f"/ichinomiya/backoffice/submissions/{reference}"
    page = staff_client.get(url).get_data(as_text=True)
    post(staff_client, url + "/transition", {"to": "in_review", "lock_version": page_lock_version(page)}, page=url)
    page = staff_client.get(url).get_data(as_text=True)
    checklist = page.split('name="to" value="correction_requested"')[1].split("</form>")[0]
    for card_field in ("name", "birthdate", "address"):
        assert f'value="{card_field}"' not in checklist  # locked and read from the card: the resident can't change them
    for editable in ("name_kana", "phone", "email", "copies", "purpose", "purpose_note", "delivery"):
        assert f'value="{editable}"' in checklist
    assert "マイナンバーカードから読み取った項目" in checklist


def test_a_counter_submission_offers_every_field(app, db, make_staff):
    """Nothing came from a card at the counter: staff typed the name and address, so they can be corrected."""
    from tests.integration.backoffice import make_submission

    submission = make_submission(db, status="in_review", channel="counter")
    staff_client = app.test_client()
    sign_in_staff(staff_client, make_staff())
    page = staff_client.get(f"/ichinomiya/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    checklist = page.split('name="to" value="correction_requested"')[1].split("</form>")[0]
    assert 'value="name"' in checklist and 'value="address"' in checklist


def test_a_flagged_choice_brings_its_detail_and_other_needs_it(app, client, db, make_staff, make_resident):
    resident = make_resident()
    reference = resident_submits_juminhyo(client, resident)
    request_correction(app, make_staff(), reference, ["purpose"], "使いみちを具体的にお知らせください。")
    form_url = f"/ichinomiya/mypage/submissions/{reference}/correction"
    form = client.get(form_url).get_data(as_text=True)
    assert 'name="purpose"' in form and 'name="purpose_note"' in form and 'name="phone"' not in form
    response = post(client, form_url, {"purpose": "other", "purpose_note": ""}, page=form_url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "「その他」を選んだ場合は、使いみちの詳細を入力してください" in page and 'value="other" checked' in page
    assert db.scalar(select(Submission)).status == "correction_requested"
    post(client, form_url, {"purpose": "other", "purpose_note": "パスポートの申請"}, page=form_url)
    submission = db.scalar(select(Submission))
    assert submission.status == "resubmitted"
    assert (submission.answers["purpose"], submission.answers["purpose_note"]) == ("other", "パスポートの申請")
