"""CSRF, headers and cookies of the provider's pages."""
import re
from pathlib import Path

import portal.mockidp as mockidp_package

PACKAGE_DIR = Path(mockidp_package.__file__).parent


def test_posts_without_csrf_token_are_rejected(idp, oidc):
    request = oidc.AuthRequest()
    idp.page(request)
    for step, fields in [("card", {"persona_id": "yamada-hanako"}), ("pin", {"pin": "1234"}),
                         ("consent", {"decision": "allow"}), ("unlock", {"persona_id": "sato-masao"})]:
        response = idp.client.post(request.url, data={"step": step, **fields})
        assert response.status_code == 400, step
        assert "Location" not in response.headers


def test_post_with_a_forged_csrf_token_is_rejected(idp, oidc):
    request = oidc.AuthRequest()
    idp.page(request)
    response = idp.client.post(request.url,
                               data={"step": "card", "persona_id": "yamada-hanako", "csrf_token": "forged"})
    assert response.status_code == 400


def test_csrf_token_from_another_browser_is_rejected(app, oidc):
    request = oidc.AuthRequest()
    token = oidc.csrf_token_in(app.test_client().get(request.url).get_data(as_text=True))
    other_browser = app.test_client()
    other_browser.get(request.url)
    response = other_browser.post(request.url,
                                  data={"step": "card", "persona_id": "yamada-hanako", "csrf_token": token})
    assert response.status_code == 400


def test_pages_send_a_strict_content_security_policy(idp, oidc):
    response = idp.page(oidc.AuthRequest())
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "form-action 'self' http://127.0.0.1:8000" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_templates_need_no_script_or_inline_style():
    for template in (PACKAGE_DIR / "templates").rglob("*.html"):
        text = template.read_text()
        assert "<script" not in text, template
        assert "<style" not in text, template
        assert not re.search(r"\sstyle=", text), template
        assert not re.search(r"\son[a-z]+=", text), template


def test_session_cookie_is_httponly_lax_and_named_apart_from_the_portal(idp, oidc):
    request = oidc.AuthRequest()
    response = idp.choose_card(request, "yamada-hanako")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("mockidp_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_for_an_https_issuer(make_app, oidc):
    app = make_app(MOCKIDP_ISSUER="https://idp.example.jp")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_stylesheet_is_served(idp):
    response = idp.client.get("/static/mockidp.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    response.close()


def test_pages_are_bilingual_and_labelled_as_a_demo(idp, oidc):
    page = idp.page(oidc.AuthRequest()).get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert "デモ用 認証サービス（マイナンバーカード認証の模擬）" in page
    assert 'lang="en"' in page and "Demo identity service" in page
    assert page.count("<h1") == 1
    assert "<header" in page and "<main" in page
    assert "1234" in page


def test_every_form_control_has_a_label(idp, oidc):
    request = oidc.AuthRequest()
    pages = [idp.page(request).get_data(as_text=True)]
    idp.choose_card(request, "yamada-hanako")
    pages.append(idp.page(request).get_data(as_text=True))
    for page in pages:
        for control in re.finditer(r"<input([^>]*)>", page):
            attributes = control.group(1)
            if 'type="hidden"' in attributes:
                continue
            control_id = re.search(r'id="([^"]+)"', attributes).group(1)
            assert f'for="{control_id}"' in page, control_id
