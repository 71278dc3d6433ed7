"""Paying a fee on a phone (390×844, axe on every page): a resident requests three copies of 住民票の写し
(¥900), pays by card on the (emulated) Stripe Checkout page, comes back to a confirmation that says paid and
downloads the receipt; staff see it paid and complete it. Another resident pays by konbini: the request
waits for payment until the store payment is reported."""
from __future__ import annotations

import re
import subprocess

from sqlalchemy import select

from portal import db as portal_db
from portal.staff import auth
from portal.staff.models import StaffProcedure, StaffUser
from portal.tenancy.models import Municipality
from tests.e2e.steps import next_step, sign_in_with_card

STAFF_PASSWORD = "correct horse battery staple"


def request_juminhyo(page, url, persona, copies, a11y, label):
    page.goto(url + "/ichinomiya/procedures/juminhyo")
    page.get_by_role("button", name="ログインして申請をはじめる").click()
    sign_in_with_card(page, persona)
    page.wait_for_url("**/steps/requester")  # straight to the first question after sign-in
    page.get_by_label("自分の住民票").check()
    next_step(page)
    page.get_by_label("ふりがな").fill("やまだ はなこ" if persona == "yamada-hanako" else "さとう まさお")
    page.get_by_label("日中に連絡がとれる電話番号").fill("090-1234-5678")
    page.get_by_label("メールアドレス").fill(f"{persona}@example.jp")
    next_step(page)
    page.get_by_label("通数").fill(str(copies))
    page.get_by_label("世帯全員").check()
    page.get_by_label("勤務先への提出").check()
    next_step(page)
    page.get_by_label("住民登録している住所").check()
    next_step(page)
    page.locator("input[name=declaration]").check()
    next_step(page)
    page.wait_for_url("**/check")
    a11y.check(page, f"{label}-check")
    page.get_by_role("button", name="この内容で申請する").click()
    page.wait_for_url("**/confirmation")
    a11y.check(page, f"{label}-confirmation-unpaid")
    return page.locator("#reference").inner_text().strip()


def make_staff(app) -> StaffUser:
    with app.app_context():
        dbs = portal_db.session()
        municipality = dbs.scalar(select(Municipality).where(Municipality.slug == "ichinomiya"))
        staff = StaffUser(municipality_id=municipality.id, username="kaikei", display_name="会計 太郎", role="staff",
                          password_hash=auth.hash_password(STAFF_PASSWORD), active=True, failed_attempts=0,
                          session_version=1)
        staff.procedures = [StaffProcedure(definition_key="juminhyo")]
        dbs.add(staff)
        dbs.commit()
        return staff


def test_card_payment_receipt_staff_completion_and_konbini_waiting(world, a11y, tmp_path, mail_sink):
    live = world.live
    url = live.portal_url

    # --- 1. a resident pays ¥900 by card ------------------------------------------------------------------
    page = world.phone()
    reference = request_juminhyo(page, url, "yamada-hanako", 3, a11y, "card")
    assert page.locator("#fee-status").inner_text() == "お支払い待ち"
    pay_button = page.get_by_role("button", name="手数料 900円 を支払う")
    pay_button.click()
    page.wait_for_url(f"{live.emulator.base_url}/checkout/**")
    a11y.check(page, "card-stripe-checkout")
    assert page.get_by_text("900").first.is_visible()
    page.get_by_role("button", name=re.compile("カード決済 成功")).click()

    page.wait_for_url("**/payments/*/return**")
    a11y.check(page, "card-return-paid")
    assert page.get_by_role("heading", name="お支払いが完了しました").is_visible()
    assert page.locator("#payment-status").inner_text() == "支払い済み"
    assert page.locator("#reference").inner_text().strip() == reference
    with page.expect_download() as download:
        page.get_by_role("link", name="領収書（PDF）をダウンロードする").click()
    receipt = tmp_path / "receipt.pdf"
    download.value.save_as(receipt)
    text = subprocess.run(["pdftotext", "-layout", str(receipt), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("領収書", "一宮市", "住民票の写しの交付請求", "900円", reference, "クレジットカード"):
        assert expected in text, expected
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(receipt), str(a11y.directory / "receipt")],
                   check=True)

    page.get_by_role("link", name="申請の状況を見る").click()
    a11y.check(page, "card-mypage-paid")
    assert page.locator("#fee-status").inner_text() == "支払い済み"
    mail_sink.wait_for(lambda m: reference in m["Subject"] and "お支払いを確認しました" in m["Subject"], timeout=10)

    # --- 2. staff see it paid and complete it --------------------------------------------------------------
    make_staff(live.portal)
    staff = world.desktop()
    staff.goto(url + "/ichinomiya/backoffice/login")
    staff.get_by_label("ユーザー名").fill("kaikei")
    staff.get_by_label("パスワード").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="ログイン").click()
    staff.goto(url + f"/ichinomiya/backoffice/submissions/{reference}")
    a11y.check(staff, "staff-detail-paid")
    assert staff.locator("#staff-fee-status").inner_text() == "支払い済み"
    staff.get_by_role("button", name="審査を開始する").click()
    staff.locator("summary", has_text="完了にする").click()
    staff.get_by_role("button", name="完了にして申請者に知らせる").click()
    a11y.check(staff, "staff-detail-completed")
    assert staff.locator("#current-status").inner_text() == "完了"
    staff.goto(url + "/ichinomiya/backoffice/payments/?status=paid")
    a11y.check(staff, "staff-payments")
    assert staff.get_by_role("link", name=reference).is_visible()
    staff.get_by_role("link", name=reference).click()
    a11y.check(staff, "staff-payment-detail")
    staff.get_by_label("返金する金額（円）").fill("300")
    staff.get_by_label("返金の理由（必須）").fill("1通分が不要になったため")
    staff.get_by_role("button", name="返金の内容を確認する").click()
    a11y.check(staff, "staff-refund-confirm")
    assert staff.locator("#confirm-amount").inner_text() == "300円"
    staff.get_by_role("link", name="やめる").click()  # nothing refunded
    assert staff.locator("#refunded-amount").inner_text() == "0円"
    staff.goto(url + "/ichinomiya/backoffice/payments/reconciliation")
    a11y.check(staff, "staff-reconciliation")
    assert staff.locator("#no-mismatches").is_visible()
    staff.goto(url + f"/ichinomiya/backoffice/payments/submissions/{reference}")
    a11y.check(staff, "staff-submission-fee")

    # --- 3. another resident pays by konbini: waiting until the store payment is reported --------------------
    page = world.phone()
    reference = request_juminhyo(page, url, "sato-masao", 1, a11y, "konbini")
    page.get_by_role("button", name="手数料 300円 を支払う").click()
    page.wait_for_url(f"{live.emulator.base_url}/checkout/**")
    first_checkout = page.url
    # first the resident backs out on Stripe's page, then tries again: the same session
    page.get_by_role("button", name=re.compile("キャンセル")).click()
    page.wait_for_url("**/payments/*/cancel")
    a11y.check(page, "konbini-canceled")
    assert page.get_by_role("heading", name="お支払いを中止しました").is_visible()
    page.get_by_role("button", name="手数料 300円 を支払う").click()
    page.wait_for_url(f"{live.emulator.base_url}/checkout/**")
    assert page.url == first_checkout
    page.get_by_label("支払うコンビニ").select_option("familymart")
    page.get_by_role("button", name=re.compile("コンビニ払込票を発行")).click()
    page.wait_for_url("**/payments/*/return**")
    a11y.check(page, "konbini-return-waiting")
    assert page.get_by_role("heading", name="コンビニ払込票を発行しました").is_visible()
    assert page.locator("#payment-status").inner_text() == "お支払い待ち"
    page.get_by_role("link", name="申請の状況を見る").click()
    a11y.check(page, "konbini-mypage-waiting")
    assert page.locator("#fee-status").inner_text() == "お支払い待ち"
    live.emulator.advance_clock(days=1)
    live.emulator.wait_for_webhooks()
    page.reload()
    assert page.locator("#fee-status").inner_text() == "お支払い待ち"

    voucher = page.get_by_role("link", name="コンビニ払込票（お支払い番号）を表示する").get_attribute("href")
    live.emulator.pay_konbini(voucher.rsplit("/", 1)[1], store="familymart")
    assert live.emulator.wait_for_webhooks()
    page.reload()
    a11y.check(page, "konbini-mypage-paid")
    assert page.locator("#fee-status").inner_text() == "支払い済み"
