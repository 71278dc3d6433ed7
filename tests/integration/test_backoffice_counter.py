"""書かない窓口: staff fill a procedure in with the resident at the counter, record how identity was verified,
submit, and print the summary."""
from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.procedures.models import Draft, Submission
from tests.conftest import sign_in_as
from tests.integration.backoffice import sign_in_staff
from tests.integration.helpers import location_path, post

BASE = "/ichinomiya/backoffice/counter"
APPLICANT = {
    "name": "窓口 次郎", "name_kana": "まどぐち じろう", "birthdate__year": "1950", "birthdate__month": "1",
    "birthdate__day": "2", "address__postal_code": "491-0859", "address__prefecture": "愛知県",
    "address__city": "一宮市", "address__town": "本町", "address__line": "2丁目5番6号", "phone": "0586-28-0000",
    "email": "jiro@example.jp",
}
STEPS = [
    ("requester", {"requester": "self"}),
    ("applicant", APPLICANT),
    ("contents", {"copies": "1", "scope": "person", "purpose": "pension"}),
    ("delivery", {"delivery": "registered"}),
    ("declaration", {"declaration": "yes"}),
]


def start_counter(client, key="juminhyo") -> str:
    response = post(client, f"{BASE}/{key}/start", page=f"{BASE}/")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return location_path(response).split("/drafts/")[1].split("/")[0]


def fill(client, token):
    for step_id, data in STEPS:
        url = f"{BASE}/drafts/{token}/steps/{step_id}"
        response = post(client, url, data, page=url)
        assert response.status_code == 302, (step_id, response.get_data(as_text=True)[:3000])


def test_counter_mode_end_to_end(client, db, make_staff, mail_sink):
    staff = make_staff(display_name="市民課 窓口担当")
    sign_in_staff(client, staff)
    menu = client.get(f"{BASE}/").get_data(as_text=True)
    assert "住民票の写しの交付請求を入力する" in menu and "犬の死亡届" not in menu  # only assigned procedures
    token = start_counter(client)
    draft = db.scalar(select(Draft))
    assert draft.staff_user_id == staff.id and draft.resident_id is None

    step = client.get(f"{BASE}/drafts/{token}/steps/applicant")
    assert step.status_code == 302  # steps can't be skipped
    fill(client, token)
    check = client.get(f"{BASE}/drafts/{token}/check").get_data(as_text=True)
    assert "窓口 次郎" in check and "本人確認の方法" in check and "300円" in check
    assert f"{BASE}/drafts/{token}/steps/contents?return=check" in check

    missing = post(client, f"{BASE}/drafts/{token}/submit", {}, page=f"{BASE}/drafts/{token}/check")
    assert missing.status_code == 422 and "本人確認の方法を選んでください" in missing.get_data(as_text=True)
    other_without_note = post(client, f"{BASE}/drafts/{token}/submit", {"verification": "other"},
                              page=f"{BASE}/drafts/{token}/check")
    assert "確認した書類の名前を入力してください" in other_without_note.get_data(as_text=True)

    response = post(client, f"{BASE}/drafts/{token}/submit", {"verification": "mynumber_card"},
                    page=f"{BASE}/drafts/{token}/check")
    submission = db.scalar(select(Submission))
    assert location_path(response) == f"/ichinomiya/backoffice/submissions/{submission.reference}/print"
    assert submission.channel == "counter" and submission.counter_staff_id == staff.id
    assert submission.identity_verification == "mynumber_card" and submission.resident_id is None
    assert submission.applicant_name == "窓口 次郎" and submission.applicant_kana == "マドグチジロウ"
    assert submission.identity_fields == [] and submission.fee_amount == 300

    printed = client.get(location_path(response)).get_data(as_text=True)
    assert "申請を受け付けました" in printed and "マイナンバーカード（窓口で提示）" in printed
    assert "市民課 窓口担当" in printed and "窓口 次郎" in printed
    detail = client.get(f"/ichinomiya/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    assert "窓口（書かない窓口）" in detail and "受付: 市民課 窓口担当" in detail
    mail = mail_sink.wait_for(lambda m: submission.reference in m["Subject"])
    assert mail["To"] == "jiro@example.jp" and "窓口で申請を受け付けました" in mail["Subject"]
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "counter.submit")).detail["verification"] == \
        "mynumber_card"
    # Submitting twice makes one submission.
    again = post(client, f"{BASE}/drafts/{token}/submit", {"verification": "mynumber_card"}, page=f"{BASE}/")
    assert location_path(again).endswith("/print") and len(db.scalars(select(Submission)).all()) == 1


def test_other_id_records_the_document(client, db, make_staff):
    sign_in_staff(client, make_staff())
    token = start_counter(client)
    fill(client, token)
    post(client, f"{BASE}/drafts/{token}/submit",
         {"verification": "other", "verification_note": "健康保険証と年金手帳"},
         page=f"{BASE}/drafts/{token}/check")
    submission = db.scalar(select(Submission))
    assert submission.identity_verification == "other" \
        and submission.identity_verification_note == "健康保険証と年金手帳"


def test_counter_can_take_a_residents_only_procedure_without_a_card(client, db, make_staff):
    """Audience rules are for online sign-in; at the counter staff check identity themselves."""
    sign_in_staff(client, make_staff(procedures=("ichinomiya-dog-death",)))
    token = start_counter(client, "ichinomiya-dog-death")
    page = client.get(f"{BASE}/drafts/{token}/steps/owner").get_data(as_text=True)
    assert 'name="owner_name"' in page and "マイナンバーカードから" not in page  # nothing prefilled, nothing locked


def test_counter_drafts_belong_to_the_staff_member(app, client, db, make_staff, make_resident):
    staff = make_staff()
    sign_in_staff(client, staff)
    token = start_counter(client)
    colleague = app.test_client()
    sign_in_staff(colleague, make_staff())
    assert colleague.get(f"{BASE}/drafts/{token}/steps/requester").status_code == 404
    resident = app.test_client()
    sign_in_as(resident, make_resident())
    assert resident.get(f"/ichinomiya/drafts/{token}/steps/requester").status_code == 404
    assert "住民票" not in resident.get("/ichinomiya/mypage/").get_data(as_text=True) \
        .split("申請した手続き")[0].split("入力途中の申請")[1]
    # The counter menu offers to continue it.
    assert f"{BASE}/drafts/{token}/steps/requester" in client.get(f"{BASE}/").get_data(as_text=True)
    post(client, f"{BASE}/drafts/{token}/delete", page=f"{BASE}/")
    assert db.scalar(select(Draft)) is None


def test_unpublished_procedures_still_work_at_the_counter(client, db, make_staff):
    from portal.procedures.publication import set_published
    from tests.integration.backoffice import municipality

    set_published(db, municipality(db, "ichinomiya").id, "juminhyo", False, None)
    db.commit()
    sign_in_staff(client, make_staff())
    assert "住民票の写しの交付請求を入力する" in client.get(f"{BASE}/").get_data(as_text=True)
    start_counter(client)


def test_postal_lookup_works_without_javascript(client, db, make_staff):
    sign_in_staff(client, make_staff())
    token = start_counter(client)
    url = f"{BASE}/drafts/{token}/steps/requester"
    post(client, url, {"requester": "self"}, page=url)
    url = f"{BASE}/drafts/{token}/steps/applicant"
    response = post(client, url, {"address__postal_code": "4910859", "field_action": "address"}, page=url)
    assert response.status_code == 200 and 'value="一宮市"' in response.get_data(as_text=True)


def fill_without_email(client, token):
    for step_id, data in STEPS:
        if step_id == "applicant":
            data = {k: v for k, v in data.items() if k != "email"}
        url = f"{BASE}/drafts/{token}/steps/{step_id}"
        response = post(client, url, data, page=url)
        assert response.status_code == 302, (step_id, response.get_data(as_text=True)[:3000])


def test_a_walk_in_without_email_is_contacted_by_phone_and_gets_no_email(client, db, make_staff, mail_sink):
    mail_sink.clear()
    staff = make_staff(display_name="市民課 窓口担当")
    sign_in_staff(client, staff)
    token = start_counter(client)
    post(client, f"{BASE}/drafts/{token}/steps/requester", {"requester": "self"},
         page=f"{BASE}/drafts/{token}/steps/requester")
    step = client.get(f"{BASE}/drafts/{token}/steps/applicant").get_data(as_text=True)
    assert "メールアドレス（任意）" in step and "メールアドレスがない申請者は、空欄のままで構いません" in step
    assert "マイナンバーカードの情報を表示しています" not in step and "あなた" not in step
    fill_without_email(client, token)

    check_url = f"{BASE}/drafts/{token}/check"
    check = client.get(check_url).get_data(as_text=True)
    assert "申請者への連絡方法" in check and 'name="contact_method" value="email" checked' not in check
    for label in ("電話", "郵送", "窓口で受け取り（連絡は不要）", "メール"):
        assert f">{label}</label>" in check
    missing = post(client, f"{BASE}/drafts/{token}/submit", {"verification": "drivers_license"}, page=check_url)
    assert missing.status_code == 422 and "連絡方法を選んでください" in missing.get_data(as_text=True)
    by_email = post(client, f"{BASE}/drafts/{token}/submit",
                    {"verification": "drivers_license", "contact_method": "email"},
                    page=check_url)
    page = by_email.get_data(as_text=True)
    assert by_email.status_code == 422 and "メールで連絡するには、申請者のメールアドレスを入力してください" in page
    assert 'value="drivers_license" checked' in page and 'value="email" checked' in page  # what staff chose stays
    assert db.scalar(select(Submission)) is None

    response = post(client, f"{BASE}/drafts/{token}/submit",
                    {"verification": "drivers_license", "contact_method": "phone"},
                    page=check_url)
    submission = db.scalar(select(Submission))
    assert location_path(response) == f"/ichinomiya/backoffice/submissions/{submission.reference}/print"
    assert submission.contact_email is None and submission.contact_method == "phone"
    assert submission.answers["phone"] == "0586280000" and "email" not in submission.answers
    printed = client.get(location_path(response)).get_data(as_text=True)
    assert "連絡方法" in printed and "<dd>電話</dd>" in printed and "0586-28-0000" in printed \
        and "print-answers" in printed
    detail_url = f"/ichinomiya/backoffice/submissions/{submission.reference}"
    detail = client.get(detail_url).get_data(as_text=True)
    assert "電話（メールは送りません）" in detail
    from tests.integration.backoffice import page_lock_version

    moved = post(client, detail_url + "/transition", {"to": "in_review", "lock_version": page_lock_version(detail)},
                 page=detail_url)
    assert "メールは送っていません。申請者には「電話」でお知らせください。" in \
        client.get(location_path(moved)).get_data(as_text=True)
    from portal.notifications.models import OutboxEmail

    assert db.scalars(select(OutboxEmail)).all() == [] and mail_sink.messages() == []


def test_an_email_given_at_the_counter_is_used_only_when_email_is_the_contact(client, db, make_staff, mail_sink):
    mail_sink.clear()
    sign_in_staff(client, make_staff())
    token = start_counter(client)
    fill(client, token)
    check_url = f"{BASE}/drafts/{token}/check"
    assert 'name="contact_method" value="email" checked' in client.get(check_url).get_data(as_text=True)
    post(client, f"{BASE}/drafts/{token}/submit", {"verification": "mynumber_card", "contact_method": "post"},
         page=check_url)
    submission = db.scalar(select(Submission))
    assert submission.contact_method == "post" and submission.contact_email is None
    assert submission.answers["email"] == "jiro@example.jp"  # kept as an answer, not used to write to them
    from portal.notifications.models import OutboxEmail

    assert db.scalars(select(OutboxEmail)).all() == []


def test_counter_mode_does_not_relax_the_residents_own_journey(client, db, make_resident):
    from tests.integration.helpers import JUMINHYO_SELF, answer, draft_token, start

    sign_in_as(client, make_resident())
    token = draft_token(start(client, "ichinomiya", "juminhyo"))
    answer(client, "ichinomiya", token, *JUMINHYO_SELF[0])
    data = {k: v for k, v in JUMINHYO_SELF[1][1].items() if k != "email"}
    response = answer(client, "ichinomiya", token, "applicant", data)
    assert response.status_code == 422 and "メールアドレスを入力してください" in response.get_data(as_text=True)


def test_counter_contact_methods_follow_what_the_procedure_asks(client, db, make_staff):
    """住民票 asks for a phone, an address and an email; the consultation form only for an email."""
    from portal.backoffice.counter import contact_methods, counter_definition
    from portal.procedures.catalogue import definition_of, latest_version
    from tests.integration.backoffice import municipality

    juminhyo = latest_version(db, municipality(db, "ichinomiya"), "juminhyo")
    assert list(contact_methods(counter_definition(juminhyo))) == ["phone", "post", "counter", "email"]
    assert counter_definition(juminhyo).fields["email"].required is False
    assert definition_of(juminhyo).fields["email"].required is True  # the published definition is untouched
    consultation = latest_version(db, municipality(db, "ichinomiya"), "consultation")
    assert list(contact_methods(counter_definition(consultation))) == ["counter", "email"]
