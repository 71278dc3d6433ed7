"""The one writer of ``FormDefinition``: a definition version is validated, checksummed and stored once.

``forms/`` files (``sync.sync_directory``) and the form builder publish through ``publish``. A published
version never changes: the same content again is the row already there; other content under the same
version is refused, so what a resident once answered stays readable as it was.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.procedures.definition import DefinitionError, Problem, checksum, validate
from portal.procedures.models import FormDefinition
from portal.tenancy.models import Municipality

#: callback(session, definition) for each new version, in the publishing transaction after the row is flushed
#: (e.g. to drop cached pages that list procedures); nothing is committed yet, and the caller may still roll back
PUBLISHED_CALLBACKS: list[Callable[[Session, FormDefinition], None]] = []


def on_published(callback: Callable[[Session, FormDefinition], None]) -> Callable[[Session, FormDefinition], None]:
    PUBLISHED_CALLBACKS.append(callback)
    return callback


@dataclass(frozen=True)
class Published:
    definition: FormDefinition
    #: False when this very content was already published under its version
    created: bool


def publish(session: Session, content: dict, *, source: str, municipality: Municipality | None) -> Published:
    """Publish ``content`` for ``municipality`` (None: every municipality may offer it); ``source`` names
    where it comes from in errors and on the row (a file name, ``builder``). Raises :class:`DefinitionError`."""
    validate(content, source)
    named = content.get("municipality")
    if named is not None and named != getattr(municipality, "slug", None):
        publisher = f"{municipality.slug!r}" if municipality is not None else "every municipality"
        raise DefinitionError(source, [Problem(("municipality",),
                                               f"the definition names {named!r} but is published for {publisher}")])
    if municipality is not None and named is None:
        # the stored content says whose it is, as a file in forms/ does
        content = {**content, "municipality": municipality.slug}
    digest = checksum(content)
    municipality_id = municipality.id if municipality is not None else None
    existing = session.scalar(
        select(FormDefinition).where(FormDefinition.key == content["id"], FormDefinition.version == content["version"])
    )
    if existing is not None:
        if existing.checksum != digest or existing.municipality_id != municipality_id:
            raise DefinitionError(source, [Problem(("version",), (
                f"version {content['version']} of {content['id']!r} is already published with different content; "
                "published versions are immutable — raise `version` to publish the change"))])
        return Published(existing, created=False)
    definition = FormDefinition(key=content["id"], version=content["version"], municipality_id=municipality_id,
                                kind=content["kind"], content=copy.deepcopy(content), checksum=digest, source=source)
    session.add(definition)
    session.flush()
    for callback in PUBLISHED_CALLBACKS:
        callback(session, definition)
    return Published(definition, created=True)
