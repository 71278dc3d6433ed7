"""A new resident requests 住民票の写し on a phone: sign in with the (mock) card, leave halfway,
come back to the draft, submit, see the reference on the confirmation page and on their page,
and receive the confirmation email. axe-core runs on every page."""
from __future__ import annotations

import re

from tests.e2e.steps import next_step, sign_in_with_card


def test_resident_requests_juminhyo_with_a_draft_break(phone, live, a11y, mail_sink):
    page = phone
    page.goto(live.portal_url + "/")
    a11y.check(page, "home")
    page.get_by_role("link", name=re.compile("一宮市")).click()
    a11y.check(page, "catalogue")
    page.get_by_role("link", name=re.compile("住民票の写しの交付請求")).click()
    a11y.check(page, "start-page")
    page.get_by_role("button", name="ログインして申請をはじめる").click()
    a11y.check(page, "login")
    sign_in_with_card(page, "yamada-hanako", a11y)

    page.wait_for_url("**/steps/requester")  # straight to the first question after sign-in
    a11y.check(page, "step-requester")
    page.get_by_label("自分の住民票").check()
    next_step(page)

    # Name, birth date and address come from the card, shown and locked.
    a11y.check(page, "step-applicant")
    locked = page.locator(".field--locked")
    assert locked.filter(has_text="氏名").locator(".field__value").inner_text() == "山田 花子"
    assert locked.filter(has_text="住所").locator(".field__value").inner_text().startswith("〒491-0859")
    assert page.locator(".prefilled-badge").first.is_visible()
    page.get_by_label("ふりがな").fill("やまだ はなこ")
    page.get_by_label("日中に連絡がとれる電話番号").fill("090-1234-5678")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    next_step(page)

    # A mistake is explained and every answer stays.
    a11y.check(page, "step-contents")
    page.get_by_label("通数").fill("30")
    page.get_by_label("世帯全員").check()
    page.get_by_label("勤務先への提出").check()
    next_step(page)
    a11y.check(page, "step-contents-error")
    assert page.locator(".error-summary").is_visible()
    # Focus starts on the summary (a screen reader reads it out); its link takes focus to the field.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "f-copies"
    assert page.get_by_label("世帯全員").is_checked()
    page.get_by_label("通数").fill("3")
    next_step(page)

    # The resident leaves halfway: the tab is closed, a new one opens later.
    page.wait_for_url("**/steps/delivery")
    context = page.context
    page.close()
    page = context.new_page()
    page.goto(live.portal_url + "/ichinomiya/mypage/")
    a11y.check(page, "mypage-with-draft")
    page.get_by_role("link", name=re.compile("住民票の写しの交付請求")).click()
    page.wait_for_url("**/steps/delivery")
    a11y.check(page, "step-delivery")
    page.get_by_label("住民登録している住所").check()
    next_step(page)
    a11y.check(page, "step-declaration")
    page.locator("input[name=declaration]").check()
    next_step(page)

    page.wait_for_url("**/check")
    a11y.check(page, "check-answers")
    assert page.get_by_text("900円").is_visible()
    assert page.get_by_text("ヤマダ\u3000ハナコ").is_visible()
    page.get_by_role("button", name="この内容で申請する").click()

    a11y.check(page, "confirmation")
    reference = page.locator("#reference").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", reference)

    page.get_by_role("link", name="マイページで申請の状況を見る").click()
    a11y.check(page, "mypage-submission")
    assert page.get_by_text(reference).first.is_visible()
    page.goto(live.portal_url + "/ichinomiya/mypage/")
    a11y.check(page, "mypage")
    assert page.get_by_text(reference).is_visible()

    message = mail_sink.wait_for(lambda m: reference in m["Subject"], timeout=10)
    assert message["To"] == "hanako@example.jp"
    assert "住民票の写しの交付請求" in message.get_content()
