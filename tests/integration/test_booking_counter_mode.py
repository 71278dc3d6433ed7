"""The generic counter mode (書かない窓口) does not offer the booking procedure: a booking at the counter starts
from the slots (施設予約 → 窓口予約), never from an empty form that has no reservation behind it."""
from __future__ import annotations

from tests.integration.backoffice import sign_in_staff
from tests.integration.helpers import csrf_token


def test_counter_mode_leaves_the_booking_procedure_out(client, make_staff):
    sign_in_staff(client, make_staff(role="admin"))
    page = client.get("/ichinomiya/backoffice/counter/").get_data(as_text=True)
    assert "住民票の写しの交付請求" in page and "公共施設の利用申込" not in page
    response = client.post("/ichinomiya/backoffice/counter/facility-booking/start",
                           data={"csrf_token": csrf_token(client, "/ichinomiya/backoffice/counter/")})
    assert response.status_code == 404
