"""Publishing the definitions in ``forms/``: new versions are added, published ones never change."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.procedures.definition import DefinitionError, Problem, read_file
from portal.procedures.publishing import publish
from portal.tenancy.models import Municipality


@dataclass
class SyncResult:
    added: list[str]
    unchanged: list[str]


def sync_directory(session: Session, directory: Path) -> SyncResult:
    result = SyncResult(added=[], unchanged=[])
    for path in sorted(directory.glob("*.yaml")):
        content = read_file(path)
        municipality = _named_municipality(session, content, path)
        published = publish(session, content, source=path.name, municipality=municipality)
        (result.added if published.created else result.unchanged).append(f"{content['id']} v{content['version']}")
    return result


def _named_municipality(session: Session, content, path: Path) -> Municipality | None:
    slug = content.get("municipality") if isinstance(content, dict) else None
    if not isinstance(slug, str):
        return None
    municipality = session.scalar(select(Municipality).where(Municipality.slug == slug))
    if municipality is None:
        raise DefinitionError(path.name, [Problem(("municipality",), f"no municipality {slug!r}")])
    return municipality
