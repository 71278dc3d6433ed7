"""Deleting a draft from マイページ: a confirmation page, then a POST with CSRF; a booking draft's held slots
are released at once."""
from __future__ import annotations

from sqlalchemy import select

from portal.booking.models import Reservation
from portal.procedures.models import Draft
from tests.integration.booking_env import book_slots, facility, second_resident
from tests.integration.helpers import csrf_token, draft_token, location_path, post, start

MYPAGE = "/ichinomiya/mypage/"


def confirm_url(token: str) -> str:
    return f"/ichinomiya/mypage/drafts/{token}/delete"


def test_a_draft_is_deleted_after_confirming(pay):
    pay.resident()
    token = draft_token(start(pay.client, "ichinomiya", "juminhyo"))
    mine = pay.client.get(MYPAGE).get_data(as_text=True)
    assert f'href="{confirm_url(token)}"' in mine and "この下書きを削除する" in mine

    page = pay.client.get(confirm_url(token))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "この下書きを削除しますか" in html and "住民票の写しの交付請求" in html
    assert f'action="/ichinomiya/drafts/{token}/delete"' in html
    assert pay.client.post(f"/ichinomiya/drafts/{token}/delete").status_code == 400  # no CSRF token
    pay.fresh()
    assert pay.db.scalar(select(Draft).where(Draft.token == token)) is not None

    response = post(pay.client, f"/ichinomiya/drafts/{token}/delete", page=confirm_url(token))
    assert response.status_code == 302 and location_path(response) == MYPAGE
    pay.fresh()
    assert pay.db.scalar(select(Draft).where(Draft.token == token)) is None
    mine = pay.client.get(MYPAGE).get_data(as_text=True)
    assert "下書きを削除しました" in mine and "入力途中の申請はありません" in mine
    assert pay.client.get(confirm_url(token)).status_code == 404
    # the form posted twice: nothing more happens
    again = pay.client.post(f"/ichinomiya/drafts/{token}/delete", data={"csrf_token": csrf_token(pay.client, MYPAGE)})
    assert again.status_code == 404


def test_someone_elses_draft_is_not_found(pay):
    pay.resident()
    token = draft_token(start(pay.client, "ichinomiya", "juminhyo"))
    other, _ = second_resident(pay)
    assert other.get(confirm_url(token)).status_code == 404
    assert other.post(f"/ichinomiya/drafts/{token}/delete",
                      data={"csrf_token": csrf_token(other, MYPAGE)}).status_code == 404
    pay.fresh()
    assert pay.db.scalar(select(Draft).where(Draft.token == token)) is not None


def test_deleting_a_booking_draft_releases_its_slots_at_once(pay, clock):
    facility(pay)
    pay.resident()
    slot = "court-a/2026-12-08 09:00"
    response = book_slots(pay.client, "test-tennis", [slot])
    token = location_path(response).split("/drafts/")[1].split("/")[0]
    html = pay.client.get(confirm_url(token)).get_data(as_text=True)
    assert "仮予約している枠" in html and "2026/12/8（火）09:00–11:00" in html and "すぐに解放され" in html

    post(pay.client, f"/ichinomiya/drafts/{token}/delete", page=confirm_url(token))
    pay.fresh()
    reservation = pay.db.scalar(select(Reservation))
    assert reservation.status == "cancelled" and not any(s.active for s in reservation.slots)
    other, _ = second_resident(pay)
    assert book_slots(other, "test-tennis", [slot]).status_code == 303  # free for someone else, no waiting
