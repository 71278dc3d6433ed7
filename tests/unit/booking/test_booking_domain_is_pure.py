"""Booking's domain core is plain data in, plain data out: no module of portal/booking/domain imports — itself or
through the portal modules it imports — Flask, Babel, SQLAlchemy or anything of the portal outside the domain but
the time zone."""
from __future__ import annotations

import ast
from pathlib import Path

import portal.booking.domain

DOMAIN = Path(portal.booking.domain.__file__).parent
PORTAL = DOMAIN.parents[1]
FORBIDDEN = {"flask", "flask_babel", "flask_wtf", "werkzeug", "jinja2", "sqlalchemy"}
#: portal modules outside the domain that are as pure as it (their own imports are checked the same way)
PURE = ("portal.timezone",)


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth in it (function-level imports count)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def source_of(module: str) -> Path | None:
    base = PORTAL.parent.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def test_every_domain_module_imports_only_the_standard_library_and_the_domain():
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        seen, todo, found = set(), [path], set()
        while todo:
            current = todo.pop()
            for name in imported(current) - seen:
                seen.add(name)
                found.add(name)
                source = source_of(name) if name.startswith("portal.") else None
                if source is not None:
                    todo.append(source)
        assert not {n.split(".")[0] for n in found} & FORBIDDEN, path.name
        outside = {n for n in found if n.startswith("portal.") and source_of(n) is not None
                   and not n.startswith("portal.booking.domain") and n not in PURE}
        assert not outside, (path.name, outside)
