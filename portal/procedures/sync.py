"""Publishing definitions from ``forms/`` into the database: new versions are added, published ones never change."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.procedures.definition import DefinitionError, checksum, load_directory
from portal.procedures.models import FormDefinition
from portal.tenancy.models import Municipality


@dataclass
class SyncResult:
    added: list[str]
    unchanged: list[str]


def sync_directory(session: Session, directory: Path) -> SyncResult:
    result = SyncResult(added=[], unchanged=[])
    for path, content in load_directory(directory):
        municipality_id = None
        if content.get("municipality"):
            municipality = session.scalar(select(Municipality).where(Municipality.slug == content["municipality"]))
            if municipality is None:
                raise DefinitionError(f"{path.name}: municipality: no municipality {content['municipality']!r}")
            municipality_id = municipality.id
        label = f"{content['id']} v{content['version']}"
        digest = checksum(content)
        existing = session.scalar(
            select(FormDefinition).where(FormDefinition.key == content["id"],
                                         FormDefinition.version == content["version"])
        )
        if existing is not None:
            if existing.checksum != digest:
                raise DefinitionError(
                    f"{path.name}: version {content['version']} of {content['id']!r} is already published with "
                    "different content; published versions are immutable — raise `version` to publish the change"
                )
            result.unchanged.append(label)
            continue
        session.add(
            FormDefinition(
                key=content["id"],
                version=content["version"],
                municipality_id=municipality_id,
                kind=content["kind"],
                content=content,
                checksum=digest,
                source=path.name,
            )
        )
        result.added.append(label)
    session.flush()
    return result
