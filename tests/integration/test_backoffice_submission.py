"""Working a submission: the detail view, every action, history, notes, assignment, notifications and the
two-staff conflict (optimistic locking)."""
from __future__ import annotations

import io

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.backoffice.models import SubmissionNote
from portal.procedures.history import SubmissionEvent
from portal.procedures.models import Submission
from tests.conftest import sign_in_as
from tests.integration.backoffice import make_submission, page_lock_version, sign_in_staff
from tests.integration.helpers import form_version, links_static, location_path, post


def detail_url(s) -> str:
    return f"/ichinomiya/backoffice/submissions/{s.reference}"


def act(client, s, to, **data):
    page = client.get(detail_url(s)).get_data(as_text=True)
    return post(client, detail_url(s) + "/transition",
                {"to": to, "lock_version": page_lock_version(page), **data}, page=detail_url(s))


def test_detail_shows_answers_with_labels_identity_evidence_and_history(client, db, make_staff, make_resident):
    staff = make_staff()
    s = make_submission(db, resident=make_resident())
    sign_in_staff(client, staff)
    page = client.get(detail_url(s)).get_data(as_text=True)
    assert "住民票の写しの交付請求" in page and s.reference in page
    for label in ("請求する住民票", "ふりがな", "通数", "使いみち"):
        assert label in page
    assert "自分の住民票" in page and "イチノミヤ\u3000ハナコ" in page  # values as the resident saw them
    assert "カードから入力された項目: 氏名、生年月日、住所" in page
    assert page.count("マイナンバーカードから") == 3
    assert f"第{form_version('juminhyo.yaml')}版" in page and "経過" in page and "審査を開始する" in page
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "submission.view"))
    assert event.object_id == s.reference and event.actor_id == staff.id and event.ip == "127.0.0.1"


def test_labels_come_from_the_version_the_submission_used(client, db, make_staff):
    from portal.procedures.models import FormDefinition

    staff = make_staff()
    s = make_submission(db)
    v1 = db.get(FormDefinition, s.definition_id)
    content = {**v1.content, "version": v1.version + 1}
    content["steps"] = [dict(step) for step in v1.content["steps"]]
    content["steps"][3] = {**content["steps"][3],
                           "fields": [{**content["steps"][3]["fields"][0], "label": "必要な通数（新しい版）"},
                                      *content["steps"][3]["fields"][1:]]}
    db.add(FormDefinition(key="juminhyo", version=v1.version + 1, municipality_id=None, kind=v1.kind, content=content,
                          checksum="newer-checksum", source="test"))
    db.commit()
    sign_in_staff(client, staff)
    page = client.get(detail_url(s)).get_data(as_text=True)
    assert "通数" in page and "新しい版" not in page and f"第{v1.version}版" in page


def test_full_happy_path_with_emails(client, db, make_staff, make_resident, mail_sink):
    staff = make_staff()
    s = make_submission(db, resident=make_resident())
    sign_in_staff(client, staff)

    response = act(client, s, "in_review")
    assert location_path(response) == detail_url(s)
    db.refresh(s)
    assert s.status == "in_review" and s.assignee_id == staff.id  # starting a review takes it on
    mail = mail_sink.wait_for(lambda m: "審査中" in m["Subject"])
    assert mail["To"] == "hanako@example.jp" and s.reference in mail["Subject"]

    act(client, s, "completed", message="本日、住民票の写しを郵送しました。")
    db.refresh(s)
    assert s.status == "completed"
    mail = mail_sink.wait_for(lambda m: "完了" in m["Subject"])
    assert "本日、住民票の写しを郵送しました。" in mail.get_content()
    assert "/ichinomiya/mypage/submissions/" in mail.get_content()
    page = client.get(detail_url(s)).get_data(as_text=True)
    assert "この状況では、職員が行う処理はありません" in page
    events = db.scalars(select(SubmissionEvent).order_by(SubmissionEvent.id)).all()
    assert [(e.from_status, e.to_status, e.actor_kind) for e in events] == [
        ("received", "in_review", "staff"), ("in_review", "completed", "staff")]
    audits = db.scalars(select(AuditEvent).where(AuditEvent.action == "submission.transition")).all()
    assert [(a.detail["from"], a.detail["to"]) for a in audits] == \
        [("received", "in_review"), ("in_review", "completed")]


def test_rejection_needs_a_reason_and_keeps_what_was_typed(client, db, make_staff, mail_sink):
    staff = make_staff()
    s = make_submission(db, status="in_review")
    sign_in_staff(client, staff)
    response = act(client, s, "rejected", message="  ")
    assert response.status_code == 422 and "却下の理由を入力してください" in response.get_data(as_text=True)
    db.refresh(s)
    assert s.status == "in_review"
    act(client, s, "rejected", message="同一の請求が既に受け付けられています。")
    db.refresh(s)
    assert s.status == "rejected"
    mail = mail_sink.wait_for(lambda m: "却下" in m["Subject"])
    assert "同一の請求が既に受け付けられています。" in mail.get_content()


def test_correction_request_names_fields_and_the_message(client, db, make_staff, make_resident, mail_sink):
    staff = make_staff()
    s = make_submission(db, status="in_review", resident=make_resident())
    sign_in_staff(client, staff)
    response = act(client, s, "correction_requested", message="電話番号がつながりません。", fields=["phone"])
    assert response.status_code == 302
    db.refresh(s)
    assert s.status == "correction_requested" and s.correction_fields == ["phone"]
    mail = mail_sink.wait_for(lambda m: "補正依頼" in m["Subject"])
    body = mail.get_content()
    assert "日中に連絡がとれる電話番号" in body and "電話番号がつながりません。" in body
    assert f"/ichinomiya/mypage/submissions/{s.reference}/correction" in body
    no_fields = act(client, make_submission(db, status="in_review"), "correction_requested", message="x")
    assert no_fields.status_code == 422


def test_illegal_moves_are_refused_with_a_message(client, db, make_staff):
    staff = make_staff()
    s = make_submission(db, status="completed")
    sign_in_staff(client, staff)
    response = act(client, s, "in_review")
    assert response.status_code == 422
    assert "この申請は「完了」のため、「審査中」にはできません" in response.get_data(as_text=True)
    withdraw = act(client, make_submission(db), "withdrawn")
    assert "申請者だけができます" in withdraw.get_data(as_text=True)
    assert act(client, s, "fields_unknown", fields=["no_such_field"]).status_code == 400


def test_two_staff_at_once_the_second_is_told_and_loses_nothing(app, db, make_staff):
    first, second = make_staff(), make_staff()
    s = make_submission(db, status="in_review")
    a, b = app.test_client(), app.test_client()
    sign_in_staff(a, first)
    sign_in_staff(b, second)
    page_a = a.get(detail_url(s)).get_data(as_text=True)
    page_b = b.get(detail_url(s)).get_data(as_text=True)
    # A completes it; B, looking at the same version, asks for a correction with a carefully typed message.
    post(a, detail_url(s) + "/transition", {"to": "completed", "lock_version": page_lock_version(page_a)},
         page=detail_url(s))
    message = "住所の番地が住民票と一致しません。\n確認のうえ、修正してください。"
    response = post(b, detail_url(s) + "/transition",
                    {"to": "correction_requested", "lock_version": page_lock_version(page_b),
                     "message": message, "fields": ["address"]}, page=detail_url(s))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "他の職員がこの申請を更新しました" in page and "再読み込み" in page
    assert message in page and "送信できなかった入力内容" in page  # the message is still there
    assert "選んだ項目: 住所" in page
    assert "完了" in page  # and the page now shows the fresh state
    db.refresh(s)
    assert s.status == "completed"
    assert db.scalar(select(SubmissionEvent).where(SubmissionEvent.to_status == "correction_requested")) is None


def test_conflict_on_a_still_possible_action_refills_the_form(app, db, make_staff):
    first, second = make_staff(), make_staff()
    s = make_submission(db, status="in_review")
    a, b = app.test_client(), app.test_client()
    sign_in_staff(a, first)
    sign_in_staff(b, second)
    stale = page_lock_version(b.get(detail_url(s)).get_data(as_text=True))
    page_a = a.get(detail_url(s)).get_data(as_text=True)
    post(a, detail_url(s) + "/assign", {"assignee": "me", "lock_version": page_lock_version(page_a)},
         page=detail_url(s))
    response = post(b, detail_url(s) + "/transition",
                    {"to": "correction_requested", "lock_version": stale, "message": "番地を確認してください",
                     "fields": ["address", "phone"]},
                    page=detail_url(s))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert '<details class="action" open>' in page and "番地を確認してください</textarea>" in page
    assert 'value="address" checked' in page and 'value="phone" checked' in page
    # Sending again from the refreshed page works.
    again = post(b, detail_url(s) + "/transition",
                 {"to": "correction_requested", "lock_version": page_lock_version(page),
                  "message": "番地を確認してください", "fields": ["address"]}, page=detail_url(s))
    assert again.status_code == 302


def test_a_resident_withdrawing_at_the_same_moment_is_a_conflict_too(app, db, make_staff, make_resident):
    staff = make_staff()
    resident = make_resident()
    s = make_submission(db, resident=resident)
    client = app.test_client()
    sign_in_staff(client, staff)
    page = client.get(detail_url(s)).get_data(as_text=True)
    resident_client = app.test_client()
    sign_in_as(resident_client, resident)
    post(resident_client, f"/ichinomiya/mypage/submissions/{s.reference}/withdraw",
         page=f"/ichinomiya/mypage/submissions/{s.reference}")
    db.refresh(s)
    assert s.status == "withdrawn"
    response = post(client, detail_url(s) + "/transition", {"to": "in_review", "lock_version": page_lock_version(page)},
                    page=detail_url(s))
    assert response.status_code == 409
    db.refresh(s)
    assert s.status == "withdrawn"


def test_assign_to_self_and_to_a_colleague(client, db, make_staff):
    me = make_staff(display_name="市民課 山田")
    colleague = make_staff(display_name="市民課 佐藤")
    outsider = make_staff(procedures=("consultation",), display_name="市民課 鈴木")
    admin = make_staff(role="admin", display_name="課長 高橋")
    s = make_submission(db)
    sign_in_staff(client, me)
    page = client.get(detail_url(s)).get_data(as_text=True)
    assert "市民課 佐藤" in page and "課長 高橋" in page and "市民課 鈴木" not in page  # only who may process it
    post(client, detail_url(s) + "/assign", {"assignee": "me", "lock_version": page_lock_version(page)},
         page=detail_url(s))
    db.refresh(s)
    assert s.assignee_id == me.id
    page = client.get(detail_url(s)).get_data(as_text=True)
    post(client, detail_url(s) + "/assign", {"assignee": str(colleague.id), "lock_version": page_lock_version(page)},
         page=detail_url(s))
    db.refresh(s)
    assert s.assignee_id == colleague.id
    page = client.get(detail_url(s)).get_data(as_text=True)
    refused = post(client, detail_url(s) + "/assign",
                   {"assignee": str(outsider.id), "lock_version": page_lock_version(page)},
                   page=detail_url(s))
    assert refused.status_code == 400
    stale = post(client, detail_url(s) + "/assign", {"assignee": "", "lock_version": "1"}, page=detail_url(s))
    assert stale.status_code == 409
    db.refresh(s)
    assert s.assignee_id == colleague.id and admin.id
    assigned = db.scalars(select(AuditEvent).where(AuditEvent.action == "submission.assign")).all()
    assert [a.detail["after"] for a in assigned] == [me.id, colleague.id]


def test_internal_notes_are_for_staff_only(client, db, make_staff, make_resident):
    staff = make_staff()
    resident = make_resident()
    s = make_submission(db, resident=resident)
    sign_in_staff(client, staff)
    response = post(client, detail_url(s) + "/notes", {"body": "電話で本人確認済み（内部メモ）"}, page=detail_url(s))
    assert response.status_code == 302
    assert "電話で本人確認済み（内部メモ）" in client.get(detail_url(s)).get_data(as_text=True)
    note = db.scalar(select(SubmissionNote))
    assert note.staff_id == staff.id
    empty = post(client, detail_url(s) + "/notes", {"body": " "}, page=detail_url(s))
    assert empty.status_code == 422
    # The resident never sees it.
    resident_client = client.application.test_client()
    sign_in_as(resident_client, resident)
    mine = resident_client.get(f"/ichinomiya/mypage/submissions/{s.reference}").get_data(as_text=True)
    assert "内部メモ" not in mine


def test_notes_do_not_conflict_with_status_changes(app, db, make_staff):
    first, second = make_staff(), make_staff()
    s = make_submission(db)
    a, b = app.test_client(), app.test_client()
    sign_in_staff(a, first)
    sign_in_staff(b, second)
    page = a.get(detail_url(s)).get_data(as_text=True)
    b.get(detail_url(s))
    post(a, detail_url(s) + "/transition", {"to": "in_review", "lock_version": page_lock_version(page)},
         page=detail_url(s))
    assert post(b, detail_url(s) + "/notes", {"body": "メモ"}, page=detail_url(s)).status_code == 302


def test_attachment_download_is_logged(client, db, make_staff, make_resident, app):
    from tests.integration.helpers import answer, draft_token, start

    resident = make_resident()
    sign_in_as(client, resident)
    token = draft_token(start(client, "ichinomiya", "ichinomiya-dog-death"))
    answer(client, "ichinomiya", token, "owner", {"phone": "090-1111-2222", "email": "owner@example.jp"})
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    dog = {"registration_number": "一宮第12345号", "dog_name": "ポチ", "death_date__year": "2024",
           "death_date__month": "3", "death_date__day": "1", "tag_photo": (io.BytesIO(png), "tag.png")}
    url = f"/ichinomiya/drafts/{token}/steps/dog"
    assert post(client, url, dog, page=url, content_type="multipart/form-data").status_code == 302
    post(client, f"/ichinomiya/drafts/{token}/submit", page=f"/ichinomiya/drafts/{token}/check")
    s = db.scalar(select(Submission))
    staff = make_staff(procedures=("ichinomiya-dog-death",))
    sign_in_staff(client, staff)
    page = client.get(detail_url(s)).get_data(as_text=True)
    file_token = s.answers["tag_photo"]["token"]
    assert f"/files/{file_token}" in page
    response = client.get(f"{detail_url(s)}/files/{file_token}")
    assert response.status_code == 200 and response.data == png
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "file.download"))
    assert event.object_id == s.reference and event.detail["filename"] == "tag.png"
    assert client.get(f"{detail_url(s)}/files/not-a-token").status_code == 404


def test_print_summary(client, db, make_staff):
    staff = make_staff()
    s = make_submission(db)
    sign_in_staff(client, staff)
    page = client.get(detail_url(s) + "/print").get_data(as_text=True)
    assert "申請内容の控え" in page and s.reference in page and links_static(page, "css/print.css") \
        and "data-print" in page
    assert "署名" in page
