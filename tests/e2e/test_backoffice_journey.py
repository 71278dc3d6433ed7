"""Issue 3's journey in real browsers: a resident submits on a phone; staff at a desk find it by reference
and ask for a correction; the resident fixes the flagged field and resubmits; staff complete it; the
resident sees 完了 and gets the email. Then counter mode and the admin pages. axe-core on every page."""
from __future__ import annotations

import re

from portal import db as portal_db
from portal.staff import auth
from portal.staff.models import StaffProcedure, StaffUser
from portal.tenancy.models import Municipality
from tests.e2e.steps import next_step, sign_in_with_card

DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "e2e staff passphrase"


def create_staff(live, username, role="staff", procedures=("juminhyo",), display_name="市民課 窓口 花子"):
    with live.portal.app_context():
        session = portal_db.session()
        municipality = session.query(Municipality).filter_by(slug="ichinomiya").one()
        staff = StaffUser(municipality_id=municipality.id, username=username, display_name=display_name, role=role,
                          password_hash=auth.hash_password(PASSWORD), active=True, failed_attempts=0, session_version=1)
        staff.procedures = [StaffProcedure(definition_key=k) for k in procedures]
        session.add(staff)
        session.commit()


def desk(browser):
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    errors: list[str] = []
    context.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    context.console_errors = errors
    return context


def staff_sign_in(page, live, a11y, username):
    page.goto(live.portal_url + "/ichinomiya/backoffice/login")
    a11y.check(page, "staff-login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/ichinomiya/backoffice/")


def test_correction_round_trip_between_resident_and_staff(phone, browser, live, a11y, mail_sink):
    create_staff(live, "madoguchi")

    # --- the resident submits on a phone ---------------------------------------------------------------
    resident = phone
    resident.goto(live.portal_url + "/ichinomiya/procedures/juminhyo")
    resident.get_by_role("button", name="ログインして申請をはじめる").click()
    sign_in_with_card(resident, "yamada-hanako")
    resident.wait_for_url("**/steps/requester")  # straight to the first question after sign-in
    resident.get_by_label("自分の住民票").check()
    next_step(resident)
    resident.get_by_label("ふりがな").fill("やまだ はなこ")
    resident.get_by_label("日中に連絡がとれる電話番号").fill("090-1234-5678")
    resident.get_by_label("メールアドレス").fill("hanako@example.jp")
    next_step(resident)
    resident.get_by_label("通数").fill("2")
    resident.get_by_label("世帯全員").check()
    resident.get_by_label("勤務先への提出").check()
    next_step(resident)
    resident.get_by_label("住民登録している住所").check()
    next_step(resident)
    resident.locator("input[name=declaration]").check()
    next_step(resident)
    resident.get_by_role("button", name="この内容で申請する").click()
    a11y.check(resident, "resident-confirmation")
    reference = resident.locator("#reference").inner_text().strip()

    # --- staff at a desk find it by reference and ask for a correction ----------------------------------
    staff_context = desk(browser)
    staff = staff_context.new_page()
    staff_sign_in(staff, live, a11y, "madoguchi")
    a11y.check(staff, "staff-queue")
    assert staff.locator(".status-tile--unprocessed .status-tile__count").inner_text().startswith("1")
    staff.get_by_label("受付番号・氏名・フリガナで検索").fill(reference.lower().replace("-", ""))
    staff.get_by_role("button", name="検索", exact=True).click()
    staff.wait_for_url(f"**/backoffice/submissions/{reference}")
    a11y.check(staff, "staff-detail-received")
    assert staff.get_by_text("カードから入力された項目").is_visible()
    staff.get_by_role("button", name="審査を開始する").click()
    a11y.check(staff, "staff-detail-in-review")
    assert staff.locator("#current-status").inner_text() == "審査中"
    staff.locator("summary", has_text="補正を依頼する").click()
    staff.get_by_label(re.compile("^日中に連絡がとれる電話番号")).check()
    staff.get_by_label("申請者へのメッセージ").fill("お電話がつながりませんでした。日中につながる番号に直してください。")
    a11y.check(staff, "staff-correction-form")
    staff.get_by_role("button", name="補正を依頼する").click()
    a11y.check(staff, "staff-detail-correction-requested")
    assert staff.locator("#current-status").inner_text() == "補正依頼"

    # --- the resident fixes the flagged field and resubmits ---------------------------------------------
    mail = mail_sink.wait_for(lambda m: reference in m["Subject"] and "補正依頼" in m["Subject"], timeout=10)
    correction_url = re.search(r"http://\S+/correction", mail.get_content()).group(0)
    resident.goto(live.portal_url + f"/ichinomiya/mypage/submissions/{reference}")
    a11y.check(resident, "resident-correction-notice")
    assert resident.get_by_text("お電話がつながりませんでした。").first.is_visible()
    resident.get_by_role("link", name="修正して再提出する").click()
    assert resident.url == correction_url
    a11y.check(resident, "resident-correction-form")
    assert resident.get_by_label("ふりがな").count() == 0  # only the flagged field is offered
    resident.get_by_label("日中に連絡がとれる電話番号").fill("0586-28-1234")
    resident.get_by_role("button", name="修正した内容で再提出する").click()
    a11y.check(resident, "resident-resubmitted")
    assert resident.locator(".summary-list .tag").first.inner_text() == "再提出済み"

    # --- staff see what changed and complete it from 再提出済み ---------------------------------------------
    staff.reload()
    a11y.check(staff, "staff-detail-resubmitted")
    changes = staff.locator("#changes")
    assert changes.get_by_role("heading", name="補正で変更された項目").is_visible()
    row = changes.locator("tr", has_text="日中に連絡がとれる電話番号")
    assert row.locator(".change-before").inner_text() == "090-1234-5678"
    assert row.locator(".change-after").inner_text() == "0586-28-1234"
    assert staff.get_by_role("button", name="審査を開始する").is_visible()  # still offered, no longer needed
    staff.locator("summary", has_text="完了にする").click()
    staff.get_by_label("申請者へのお知らせ（任意）").fill("本日、住民票の写しを郵送しました。")
    staff.get_by_role("button", name="完了にして申請者に知らせる").click()
    a11y.check(staff, "staff-detail-completed")
    assert staff.locator("#current-status").inner_text() == "完了"
    assert staff_context.console_errors == []
    staff_context.close()

    # --- the resident sees 完了 and gets the email ---------------------------------------------------------
    resident.goto(live.portal_url + f"/ichinomiya/mypage/submissions/{reference}")
    a11y.check(resident, "resident-completed")
    assert resident.locator(".summary-list .tag").first.inner_text() == "完了"
    assert resident.get_by_text("本日、住民票の写しを郵送しました。").is_visible()
    done = mail_sink.wait_for(lambda m: reference in m["Subject"] and "完了" in m["Subject"], timeout=10)
    assert done["To"] == "hanako@example.jp" and "本日、住民票の写しを郵送しました。" in done.get_content()
    assert resident.context.console_errors == []


def test_counter_mode_and_admin_pages(browser, live, a11y, mail_sink):
    from tests.conftest import reset_database

    reset_database(live.portal)
    create_staff(live, "counter", procedures=("juminhyo", "ichinomiya-dog-death"), display_name="市民課 窓口 一郎")
    create_staff(live, "kacho", role="admin", procedures=(), display_name="市民課長")
    with live.portal.app_context():
        session = portal_db.session()
        admin = session.query(StaffUser).filter_by(username="kacho").one()
        admin.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        session.commit()

    # A counter tablet (phone-ish width in portrait is still usable).
    context = browser.new_context(viewport={"width": 820, "height": 1180}, locale="ja-JP", has_touch=True)
    page = context.new_page()
    staff_sign_in(page, live, a11y, "counter")
    page.get_by_role("link", name="窓口受付").click()
    a11y.check(page, "counter-menu")
    page.get_by_role("button", name="住民票の写しの交付請求を入力する").click()
    a11y.check(page, "counter-step-requester")
    page.get_by_label("自分の住民票").check()
    next_step(page)
    a11y.check(page, "counter-step-applicant")
    page.get_by_label("氏名").fill("窓口 次郎")
    page.get_by_label("ふりがな").fill("まどぐち じろう")
    page.get_by_label("年").fill("1950")
    page.get_by_label("月", exact=True).fill("1")
    page.get_by_label("日", exact=True).fill("2")
    page.get_by_label("郵便番号").fill("491-0859")
    page.get_by_role("button", name="住所を検索").click()
    page.wait_for_function("document.querySelector('#f-address__city').value === '一宮市'")
    page.get_by_label("番地").fill("2丁目5番6号")
    page.get_by_label("日中に連絡がとれる電話番号").fill("0586-28-0000")
    page.get_by_label("メールアドレス").fill("jiro@example.jp")
    next_step(page)
    page.get_by_label("通数").fill("1")
    page.get_by_label("請求する方のみ").check()
    page.get_by_label("年金・保険の手続き").check()
    next_step(page)
    page.get_by_label("住民登録している住所").check()
    next_step(page)
    page.locator("input[name=declaration]").check()
    next_step(page)
    a11y.check(page, "counter-check")
    page.get_by_role("button", name="この内容で申請する").click()
    a11y.check(page, "counter-check-error")
    page.get_by_label("運転免許証").check()
    page.get_by_role("button", name="この内容で申請する").click()
    page.wait_for_url("**/print")
    a11y.check(page, "counter-print")
    assert page.get_by_role("button", name="印刷する").is_visible()
    assert page.get_by_text("運転免許証").first.is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    page.emulate_media(media="screen")
    context.close()

    # The admin pages at desk size, and the queue on a phone.
    context = desk(browser)
    page = context.new_page()
    page.goto(live.portal_url + "/ichinomiya/backoffice/login")
    page.get_by_label("ユーザー名").fill("kacho")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    a11y.check(page, "admin-totp-code")
    import pyotp

    page.get_by_label("確認コード（6桁）").fill(pyotp.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").now())
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/ichinomiya/backoffice/")
    for link, label in (("手続きの公開", "admin-procedures"), ("職員", "admin-staff"), ("監査ログ", "admin-audit")):
        page.get_by_role("link", name=link, exact=True).click()
        a11y.check(page, label)
    page.get_by_role("link", name="職員", exact=True).click()
    page.get_by_role("link", name="職員を登録する").click()
    a11y.check(page, "admin-staff-new")
    page.get_by_role("button", name="登録する").click()
    a11y.check(page, "admin-staff-new-errors")
    page.goto(live.portal_url + "/ichinomiya/backoffice/admin/procedures/juminhyo")
    a11y.check(page, "admin-procedure")
    page.goto(live.portal_url + "/ichinomiya/backoffice/account/totp")
    a11y.check(page, "account-totp")
    page.goto(live.portal_url + "/ichinomiya/backoffice/?status=all")
    a11y.check(page, "queue-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    a11y.check(page, "queue-phone")
    page.get_by_role("link", name=re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}$")).first.click()
    a11y.check(page, "detail-phone")
    assert context.console_errors == []
    context.close()


def test_a_walk_in_without_email_is_taken_at_the_counter_and_printed_on_one_page(browser, live, a11y, mail_sink):
    """書かない窓口 for a resident with no email address: staff-facing pages, a 連絡方法 instead of an email,
    no email sent, and the summary the resident signs fits one A4 page."""
    import subprocess

    from tests.conftest import reset_database
    from tests.e2e.conftest import SCREENSHOTS

    reset_database(live.portal)
    mail_sink.clear()
    create_staff(live, "walkin", display_name="市民課 窓口 三郎")
    context = desk(browser)
    page = context.new_page()
    staff_sign_in(page, live, a11y, "walkin")
    page.get_by_role("link", name="窓口受付").click()
    page.get_by_role("button", name="住民票の写しの交付請求を入力する").click()
    page.get_by_label("自分の住民票").check()
    next_step(page)
    a11y.check(page, "walkin-applicant")
    assert page.get_by_text("マイナンバーカードの情報を表示しています").count() == 0  # nothing was read from a card
    assert page.get_by_text("あなた").count() == 0
    assert page.get_by_text("メールアドレスがない申請者は、空欄のままで構いません").is_visible()
    page.get_by_label("氏名").fill("窓口 三郎")
    page.get_by_label("ふりがな").fill("まどぐち さぶろう")
    page.get_by_label("年").fill("1944")
    page.get_by_label("月", exact=True).fill("11")
    page.get_by_label("日", exact=True).fill("3")
    page.get_by_label("郵便番号").fill("491-0859")
    page.get_by_role("button", name="住所を検索").click()
    page.wait_for_function("document.querySelector('#f-address__city').value === '一宮市'")
    page.get_by_label("番地").fill("2丁目5番6号")
    page.get_by_label("日中に連絡がとれる電話番号").fill("０５８６－２８－００００")
    assert page.get_by_label("メールアドレス（任意）").input_value() == ""
    next_step(page)
    page.get_by_label("通数").fill("2")
    page.get_by_label("世帯全員").check()
    page.get_by_label("世帯主・続柄").check()
    page.get_by_label("その他", exact=True).check()
    page.get_by_label(re.compile("^使いみちの詳細")).fill("銀行口座の名義変更")
    next_step(page)
    page.get_by_label("住民登録している住所").check()
    next_step(page)
    a11y.check(page, "walkin-declaration")
    assert page.get_by_text("同意を得てからチェックを入れてください").is_visible()
    page.locator("input[name=declaration]").check()
    next_step(page)

    page.wait_for_url("**/check")
    a11y.check(page, "walkin-check")
    assert page.get_by_role("radio", name="メール").count() == 1 \
        and not page.get_by_role("radio", name="メール").is_checked()
    page.get_by_label("運転免許証").check()
    page.get_by_role("radio", name="メール").check()
    page.get_by_role("button", name="この内容で申請する").click()
    a11y.check(page, "walkin-check-error")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.locator(".error-summary") \
        .get_by_text("メールで連絡するには、申請者のメールアドレスを入力してください").is_visible()
    page.get_by_role("radio", name="電話").check()
    page.get_by_role("button", name="この内容で申請する").click()

    page.wait_for_url("**/print")
    a11y.check(page, "walkin-print")
    reference = page.locator(".print-meta .reference").inner_text().strip()
    sheet = page.locator(".print-sheet")
    assert sheet.get_by_text("0586-28-0000").is_visible() and sheet.get_by_text("電話", exact=True).is_visible()
    assert sheet.get_by_text("銀行口座の名義変更").is_visible()
    pdf = SCREENSHOTS / a11y.name / "walkin-print.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert reference in text and "窓口 三郎" in text and "署名" in text
    assert "職員用" not in text and "申請一覧" not in text \
        and "この手続サービスはデモです" not in text  # no nav, no footer

    # No address, no email: not now, not when the status changes.
    page.goto(live.portal_url + f"/ichinomiya/backoffice/submissions/{reference}")
    assert page.locator("#contact-method").inner_text() == "電話（メールは送りません）"
    page.get_by_role("button", name="審査を開始する").click()
    assert page.get_by_text("メールは送っていません。申請者には「電話」でお知らせください。").is_visible()
    a11y.check(page, "walkin-detail")
    assert [m for m in mail_sink.messages() if reference in m["Subject"]] == []
    assert context.console_errors == []
    context.close()
