from tests.e2e.steps import sign_in_with_card
from tests.e2e.test_booking_journey import booking, pick_preference  # noqa: F401
from tests.e2e.test_payment_journey import pay_live, world  # noqa: F401

SHOTS = "/work/shots/lottery"


def test_shots(booking):
    url = booking.live.portal_url
    page = booking.phone()
    page.goto(url + "/ichinomiya/facilities/test-tennis/lottery/2027-02")
    sign_in_with_card(page, "sato-masao")
    page.wait_for_url("**/lottery/2027-02")
    page.screenshot(path=f"{SHOTS}/1-apply-empty.png", full_page=True)
    page.get_by_role("link", name="第1希望を選ぶ").click()
    page.screenshot(path=f"{SHOTS}/2-days.png", full_page=True)
    page.goto(url + "/ichinomiya/facilities/test-tennis/lottery/2027-02/choose/1?date=2027-02-06")
    page.screenshot(path=f"{SHOTS}/3-slots.png", full_page=True)
    page.get_by_role("button", name="A面 09:00–11:00").click()
    page.wait_for_url("**/lottery/2027-02")
    pick_preference(page, 2, "B面 11:00–13:00")
    page.screenshot(path=f"{SHOTS}/4-apply-two-picks.png", full_page=True)
    page.goto(url + "/ichinomiya/facilities/test-tennis/lottery/2027-02/choose/3?date=2027-02-06")
    page.screenshot(path=f"{SHOTS}/5-slots-with-chosen.png", full_page=True)
    page.goto(url + "/ichinomiya/facilities/test-tennis/lottery/2027-02")
    page.get_by_label("結果をお知らせするメールアドレス").fill("")
    page.evaluate("document.querySelector('#email').removeAttribute('required')")
    page.get_by_role("button", name="抽選に申し込む").click()
    page.screenshot(path=f"{SHOTS}/6-refused.png", full_page=True)
