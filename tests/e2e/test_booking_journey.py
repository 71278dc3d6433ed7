"""Booking a public facility on a phone (390×844, axe on every booking page): a resident finds a free tennis
court next week, books two slots, pays by card and takes the booking home as an .ics; another resident applies
in the monthly lottery, the draw runs, they win, confirm and pay. The portal's business clock is fixed, so
"next week" and the lottery window do not depend on the day the test runs."""
from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

from sqlalchemy import select

from portal import db as portal_db
from portal.booking.domain.calendar import jst
from portal.booking.models import BookingGroup, LotteryRound
from tests.e2e.steps import next_step, sign_in_with_card

DRAW_DONE = jst(date(2026, 12, 12), time(10, 0))   # past the February lottery's close and draw


def answer_booking_questions(page, a11y, label: str, email: str) -> None:
    """The facility-booking procedure's three steps and its check page, as far as the confirmation."""
    page.wait_for_url("**/steps/use")
    a11y.check(page, f"{label}-step-use")
    page.get_by_label("スポーツ・運動").check()
    page.get_by_label("具体的な内容").fill("ソフトテニスの練習")
    page.get_by_label("利用人数").fill("4")
    next_step(page)
    page.wait_for_url("**/steps/contact")
    a11y.check(page, f"{label}-step-contact")
    page.get_by_label("当日連絡がとれる電話番号").fill("090-1234-5678")
    page.get_by_label("メールアドレス").fill(email)
    next_step(page)
    page.wait_for_url("**/steps/rules")
    a11y.check(page, f"{label}-step-rules")
    page.get_by_role("group", name="施設の利用規則と取消の条件を確認しました").get_by_label("同意します").check()
    next_step(page)
    page.wait_for_url("**/check")
    a11y.check(page, f"{label}-check")
    page.get_by_role("button", name="この内容で申請する").click()
    page.wait_for_url("**/confirmation")
    a11y.check(page, f"{label}-confirmation")


def pay_by_card(page, live, amount: str) -> None:
    """From the confirmation page: pay on the emulator's checkout page, come back, wait for the webhook."""
    page.get_by_role("button", name=f"使用料 {amount} を支払う").click()
    page.wait_for_url(f"{live.emulator.base_url}/checkout/**")
    page.get_by_role("button", name=re.compile("カード決済 成功")).click()
    page.wait_for_url("**/payments/*/return**")
    assert page.get_by_role("heading", name="お支払いが完了しました").is_visible()
    assert live.emulator.wait_for_webhooks(timeout=20)


def open_reservation(page, a11y, label: str) -> None:
    """From the payment's return page to the booking's own page, through the resident's submission page."""
    page.get_by_role("link", name="申請の状況を見る").click()
    page.get_by_role("link", name="予約の状況・取消・カレンダー登録").click()
    page.wait_for_url(re.compile(r"/mypage/bookings/\d+$"))
    a11y.check(page, f"{label}-reservation")


def test_first_come_two_slots_paid_by_card_with_the_ics(booking, a11y):
    live, url = booking.live, booking.live.portal_url
    page = booking.phone()

    # from the catalogue to the facility search (the booking procedure's page sends one there)
    page.goto(url + "/ichinomiya/")
    page.get_by_role("link", name=re.compile("公共施設の利用申込")).click()
    page.wait_for_url("**/ichinomiya/facilities")
    a11y.check(page, "facilities")
    page.get_by_label("施設の種類").select_option(label="テニスコート")
    page.get_by_label("利用日（空きのある施設だけ表示）").fill("2026-12-08")
    page.get_by_role("button", name="探す").click()
    page.wait_for_url("**/facilities?*date=2026-12-08*")
    a11y.check(page, "facilities-searched")
    assert page.get_by_text("12/8の空き 12枠").is_visible()

    # the month and the week at a glance, then next Tuesday's slots
    page.get_by_role("link", name=re.compile("テスト市民テニスコート")).click()
    page.wait_for_url("**/facilities/test-tennis?date=2026-12-08")
    page.get_by_role("link", name="月", exact=True).click()
    page.wait_for_url("**view=month**")
    a11y.check(page, "month")
    assert page.get_by_role("heading", name="2026年12月").is_visible()
    page.get_by_role("link", name="週", exact=True).click()
    page.wait_for_url("**view=week**")
    a11y.check(page, "week")
    page.locator(".week-grid thead a", has_text="12/8").click()
    page.wait_for_url("**/facilities/test-tennis?date=2026-12-08")
    a11y.check(page, "day")
    assert page.get_by_role("heading", name=re.compile("2026年12月8日")).is_visible()

    # two slots chosen while signed out: signing in brings the choice back
    page.get_by_role("group", name="09:00–11:00").get_by_label(re.compile("A面")).check()
    page.get_by_role("group", name="11:00–13:00").get_by_label(re.compile("A面")).check()
    page.get_by_role("button", name="選んだ枠を予約する").click()
    page.wait_for_url("**/login?**")
    sign_in_with_card(page, "yamada-hanako")
    page.wait_for_url("**/facilities/test-tennis?**")
    chosen = page.locator("input[name=slot]:checked")
    assert [chosen.nth(i).get_attribute("value") for i in range(chosen.count())] == [
        "court-a/2026-12-08 09:00", "court-a/2026-12-08 11:00"]
    a11y.check(page, "day-chosen")
    page.get_by_role("button", name="選んだ枠を予約する").click()

    page.wait_for_url("**/steps/use")
    assert page.get_by_text("枠を仮予約しました。30分以内に申込とお支払いを済ませてください。").is_visible()
    answer_booking_questions(page, a11y, "first-come", "hanako@example.jp")
    assert page.get_by_text("2026/12/8（火）09:00–11:00").is_visible()
    pay_by_card(page, live, "1,200円")
    open_reservation(page, a11y, "first-come")
    assert page.get_by_text("予約確定", exact=True).is_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="カレンダーに追加（.ics）").click()
    body = Path(download.value.path()).read_text(encoding="utf-8")
    assert body.count("BEGIN:VEVENT") == 2 and "DTSTART:20261208T000000Z" in body

    page.get_by_role("link", name="施設の予約と抽選").click()
    page.wait_for_url("**/mypage/bookings")
    a11y.check(page, "my-bookings")
    assert page.locator(".card", has_text="テスト市民テニスコート").get_by_text("予約確定").is_visible()


def pick_preference(page, rank: int, slot: str, a11y=None) -> None:
    page.get_by_role("link", name=f"第{rank}希望を選ぶ").click()
    page.wait_for_url(f"**/lottery/2027-02/choose/{rank}")
    if a11y:
        a11y.check(page, "lottery-days")
    page.get_by_role("link", name=re.compile("2027年2月6日（土）")).click()
    page.wait_for_url(f"**/choose/{rank}?date=2027-02-06")
    if a11y:
        a11y.check(page, "lottery-slots")
    page.get_by_role("button", name=slot).click()
    page.wait_for_url("**/lottery/2027-02")
    assert page.get_by_text(f"第{rank}希望を選びました。").is_visible()


def test_lottery_application_draw_win_confirm_and_pay(booking, a11y):
    live, url = booking.live, booking.live.portal_url
    page = booking.phone()
    # a Saturday in February is lottery-only; the window for February is open
    page.goto(url + "/ichinomiya/facilities/test-tennis?date=2027-02-06")
    page.get_by_role("link", name="ログイン").click()
    sign_in_with_card(page, "sato-masao")
    page.wait_for_url("**/facilities/test-tennis?date=2027-02-06")
    a11y.check(page, "day-lottery")
    assert page.get_by_text("抽選受付中").first.is_visible()
    page.get_by_role("link", name="2027年2月分の抽選に申し込む").click()
    page.wait_for_url("**/lottery/2027-02")
    a11y.check(page, "lottery-form")
    # each preference is picked on pages of its own: the lottery month's days, then the day's slots
    pick_preference(page, 1, "A面 09:00–11:00", a11y)
    assert page.get_by_text("2027年2月6日（土）09:00〜 A面").is_visible()
    pick_preference(page, 2, "B面 09:00–11:00")
    page.get_by_label("結果をお知らせするメールアドレス").fill("masao@example.jp")
    page.get_by_role("button", name="抽選に申し込む").click()
    page.wait_for_url("**/mypage/bookings")
    a11y.check(page, "my-bookings-applied")
    applied = page.locator(".card", has_text="2027年2月分")
    assert applied.get_by_text("抽選待ち").is_visible()
    assert applied.get_by_text("希望: A面 2027/2/6 09:00〜、B面 2027/2/6 09:00〜").is_visible()

    # past the close and the draw: the scheduler's command commits the seed and draws
    booking.set_clock(DRAW_DONE)
    result = live.portal.test_cli_runner().invoke(args=["booking", "draw"])
    assert result.exit_code == 0 and "rounds drawn: 1" in result.output, result.output

    page.reload()
    a11y.check(page, "my-bookings-won")
    won = page.locator(".card", has_text="2027年2月分")
    assert won.get_by_text("当選", exact=True).is_visible()
    assert won.get_by_text("当選した枠: A面 2027/2/6 09:00〜（第1希望）").is_visible()
    won.get_by_role("link", name="抽選の記録").click()
    page.wait_for_url("**/lottery/2027-02/record")
    a11y.check(page, "lottery-record")
    seed = page.locator(".summary-list__row", has_text="シード").filter(has_not_text="ハッシュ").locator("code")
    with live.portal.app_context():
        drawn = portal_db.session().scalar(select(LotteryRound))
        assert seed.inner_text().strip() == drawn.seed and drawn.status == "drawn"
    assert page.get_by_text("一致しました").is_visible()
    page.go_back()

    page.get_by_role("button", name="当選を確定して支払う").click()
    answer_booking_questions(page, a11y, "lottery", "masao@example.jp")
    pay_by_card(page, live, "800円")
    open_reservation(page, a11y, "lottery")
    assert page.get_by_text("予約確定", exact=True).is_visible()
    assert page.get_by_text("2027/2/6（土）09:00–11:00").is_visible()


def test_a_club_registers_invites_a_member_who_applies_for_it(booking, a11y):
    live, url = booking.live, booking.live.portal_url
    page = booking.phone()
    page.goto(url + "/ichinomiya/mypage/groups")
    sign_in_with_card(page, "yamada-hanako")
    page.wait_for_url("**/mypage/groups")
    a11y.check(page, "groups")
    for label, value in (("団体名", "一宮ソフトテニスクラブ"), ("構成員の人数", "12"),
                         ("そのうち市内在住・在勤・在学の人数", "10"), ("代表者の電話番号", "090-1111-2222")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="団体登録を申請する").click()
    assert page.get_by_text("承認待ち").is_visible()
    with live.portal.app_context():  # the back office approves it (its page is tested on its own)
        dbs = portal_db.session()
        dbs.scalar(select(BookingGroup)).status = "approved"
        dbs.commit()
    page.reload()
    page.get_by_role("button", name="招待用リンクを作る").click()
    a11y.check(page, "groups-invitation")
    link = page.get_by_label("招待用リンク").input_value()
    assert "/ichinomiya/mypage/groups/join/" in link

    member = booking.phone()  # another person, on their own phone
    member.goto(link)
    sign_in_with_card(member, "sato-masao")
    member.wait_for_url("**/mypage/groups/join/**")
    a11y.check(member, "group-join")
    assert member.get_by_text("一宮ソフトテニスクラブ").is_visible()
    member.get_by_role("button", name="この団体に参加する").click()
    member.wait_for_url("**/mypage/groups")
    assert member.get_by_role("heading", name="構成員として参加している団体").is_visible()

    member.goto(url + "/ichinomiya/facilities/test-tennis/lottery/2027-02")
    pick_preference(member, 1, "A面 09:00–11:00")
    member.get_by_label("申し込む方").select_option(label="一宮ソフトテニスクラブ")
    member.get_by_label("結果をお知らせするメールアドレス").fill("masao@example.jp")
    member.get_by_role("button", name="抽選に申し込む").click()
    member.wait_for_url("**/mypage/bookings")
    assert member.locator(".card", has_text="2027年2月分").get_by_text("一宮ソフトテニスクラブ").is_visible()

    page.reload()  # the representative sees who joined
    a11y.check(page, "groups-with-member")
    assert page.get_by_role("button", name="名簿から外す : 佐藤 正雄").is_visible()
