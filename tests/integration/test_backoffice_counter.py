"""書かない窓口: staff fill a procedure in with the resident at the counter, record how identity was verified,
submit, and print the summary."""
from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.procedures.models import Draft, Submission
from tests.conftest import sign_in_as
from tests.integration.backoffice import make_staff, sign_in_staff  # noqa: F401
from tests.integration.helpers import location_path, post

BASE = "/ichinomiya/backoffice/counter"
APPLICANT = {
    "name": "窓口 次郎", "name_kana": "まどぐち じろう", "birthdate__year": "1950", "birthdate__month": "1",
    "birthdate__day": "2", "address__postal_code": "491-0859", "address__prefecture": "愛知県",
    "address__city": "一宮市", "address__town": "本町", "address__line": "2丁目5番6号", "phone": "0586-28-0000", "email": "jiro@example.jp",
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
    other_without_note = post(client, f"{BASE}/drafts/{token}/submit", {"verification": "other"}, page=f"{BASE}/drafts/{token}/check")
    assert "確認した書類の名前を入力してください" in other_without_note.get_data(as_text=True)

    response = post(client, f"{BASE}/drafts/{token}/submit", {"verification": "mynumber_card"}, page=f"{BASE}/drafts/{token}/check")
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
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "counter.submit")).detail["verification"] == "mynumber_card"
    # Submitting twice makes one submission.
    again = post(client, f"{BASE}/drafts/{token}/submit", {"verification": "mynumber_card"}, page=f"{BASE}/")
    assert location_path(again).endswith("/print") and len(db.scalars(select(Submission)).all()) == 1


def test_other_id_records_the_document(client, db, make_staff):
    sign_in_staff(client, make_staff())
    token = start_counter(client)
    fill(client, token)
    post(client, f"{BASE}/drafts/{token}/submit", {"verification": "other", "verification_note": "健康保険証と年金手帳"},
         page=f"{BASE}/drafts/{token}/check")
    submission = db.scalar(select(Submission))
    assert submission.identity_verification == "other" and submission.identity_verification_note == "健康保険証と年金手帳"


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
    assert "住民票" not in resident.get("/ichinomiya/mypage/").get_data(as_text=True).split("申請した手続き")[0].split("入力途中の申請")[1]
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
