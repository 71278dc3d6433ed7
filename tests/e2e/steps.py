"""Steps a person takes that several journeys share."""
from __future__ import annotations


def sign_in_with_card(page, persona_id: str, a11y=None, pin: str = "1234") -> None:
    """From the portal's sign-in page: hold up the (mock) card, enter the PIN, consent."""
    page.get_by_role("button", name="マイナンバーカードでログインする").click()
    page.wait_for_url("**/authorize**")
    if a11y:
        a11y.check(page, "idp-card")
    page.locator(f"#persona-{persona_id}").check()
    page.get_by_role("button", name="このカードを読み取る").click()
    if a11y:
        a11y.check(page, "idp-pin")
    page.locator("#pin").fill(pin)
    page.get_by_role("button", name="次へ").click()
    if a11y:
        a11y.check(page, "idp-consent")
    page.get_by_role("button", name="同意する").click()


def next_step(page) -> None:
    page.get_by_role("button", name="次へ進む").click()
