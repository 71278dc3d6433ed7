"""Browser-like helpers for the Flask test client: every POST carries the page's real CSRF token."""
from __future__ import annotations

import re
import time
from pathlib import Path

import yaml

FORMS = Path(__file__).resolve().parents[2] / "forms"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    page = client.get(url)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def post(client, url: str, data: dict | None = None, page: str | None = None, **kwargs):
    """POST as a browser would after loading ``page`` (default: the sign-in page, whose form every visitor gets;
    the header's language switch is a link, so other pages carry a token only where they have a form)."""
    payload = {"csrf_token": csrf_token(client, page or "/login"), **(data or {})}
    return client.post(url, data=payload, **kwargs)


def switch_language(client, lang: str, page: str = "/ichinomiya/"):
    """Follow the header's language link of ``page``, as a visitor would; returns the link's response."""
    links = re.findall(r'<a class="lang-switch" href="([^"]+)"', client.get(page).get_data(as_text=True))
    assert links, f"no language link on {page}"
    target = links[0].replace("&amp;", "&")
    assert target.endswith(f"lang={lang}"), f"{page} offers {target}, not {lang}"
    return client.get(target)


def location_path(response_or_url) -> str:
    """The path (and query) a redirect points at, whatever host it names."""
    location = response_or_url if isinstance(response_or_url, str) else response_or_url.headers["Location"]
    return re.sub(r"^https?://[^/]+", "", location)


JUMINHYO_SELF = [
    ("requester", {"requester": "self"}),
    ("applicant", {"name_kana": "いちのみや はなこ", "phone": "090-1234-5678", "email": "hanako@example.jp"}),
    ("contents", {"copies": "3", "scope": "household", "include": ["head"], "purpose": "work"}),
    ("delivery", {"delivery": "registered"}),
    ("declaration", {"declaration": "yes"}),
]


def start(client, slug: str, key: str) -> str:
    """Start a procedure; returns the first step's path."""
    response = post(client, f"/{slug}/procedures/{key}/start", page=f"/{slug}/procedures/{key}")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return location_path(response)


def draft_token(step_path: str) -> str:
    return step_path.split("/drafts/")[1].split("/")[0]


def answer(client, slug: str, token: str, step_id: str, data: dict, **query):
    url = f"/{slug}/drafts/{token}/steps/{step_id}"
    suffix = "?return=check" if query.get("returning") else ""
    return post(client, url + suffix, data, page=url + suffix)


def form_version(filename: str) -> int:
    """The version of a procedure in forms/ (what a fresh database has published)."""
    return yaml.safe_load((FORMS / filename).read_text(encoding="utf-8"))["version"]


def links_static(page: str, filename: str) -> bool:
    """Whether the page links the static file, under its plain or content-hashed name."""
    stem, dot, extension = filename.rpartition(".")
    return re.search(rf"/static/{re.escape(stem)}(-[0-9a-f]{{32}})?\.{re.escape(extension)}\b", page) is not None
def expire_rate_limit_windows(db) -> None:
    """As if every rate-limit window had run out (the counters live in the database by default)."""
    from sqlalchemy import update

    from portal.ratelimit.models import RateLimitCounter

    db.execute(update(RateLimitCounter).values(expires_at=time.time() - 1))
    db.commit()
