"""Parts that feature packages add to the generic pages, registered from their ``init_app``: entries of the
site header's navigation (base.html), and sections and links of my page. Kept per app, in the order added."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app


@dataclass(frozen=True)
class Link:
    #: a municipality's endpoint (``url_for(endpoint, municipality=…)`` from the header, plain from my page)
    endpoint: str
    #: a lazy string, translated when the page is drawn
    label: object


@dataclass(frozen=True)
class MypageSection:
    #: included at the top of my page with ``section`` set to what ``context`` returns
    template: str
    #: ``context(session, municipality, resident, now)``: the section's variables, or None to leave it out
    context: Callable[..., dict | None]


@dataclass
class PageParts:
    nav: list[Link] = field(default_factory=list)
    mypage_sections: list[MypageSection] = field(default_factory=list)
    mypage_links: list[Link] = field(default_factory=list)


def parts(app: Flask | None = None) -> PageParts:
    return (app or current_app).extensions.setdefault("portal.page_parts", PageParts())


def add_nav_entry(app: Flask, endpoint: str, label) -> None:
    parts(app).nav.append(Link(endpoint, label))


def add_mypage_section(app: Flask, template: str, context: Callable[..., dict | None]) -> None:
    parts(app).mypage_sections.append(MypageSection(template, context))


def add_mypage_link(app: Flask, endpoint: str, label) -> None:
    parts(app).mypage_links.append(Link(endpoint, label))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(page_parts=parts)
