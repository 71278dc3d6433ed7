"""The back office's menu: each area adds its own entries in its ``init_app``; the staff header shows them by
``order``, each only to staff of the role it needs (None: every signed-in staff member)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class MenuEntry:
    order: int
    nav: str  # what a page passes as ``nav`` to be marked as this entry's (aria-current)
    label: object  # a lazy gettext string: the entry is made before any request has a language
    endpoint: str
    role: str | None = None


def add_entry(app: Flask, order: int, nav: str, label, endpoint: str, role: str | None = None) -> None:
    app.extensions.setdefault("staff_menu", []).append(MenuEntry(order, nav, label, endpoint, role))


def entries_for(staff) -> list[MenuEntry]:
    entries = current_app.extensions.get("staff_menu", [])
    return sorted((e for e in entries if e.role is None or e.role == staff.role), key=lambda e: e.order)
