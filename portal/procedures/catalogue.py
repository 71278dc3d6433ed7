"""Which procedures a municipality offers, and the immutable definition objects behind them."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.procedures.definition import Definition
from portal.procedures.models import FormDefinition
from portal.procedures.publication import unpublished_keys
from portal.tenancy.models import Municipality

_built: dict[str, Definition] = {}


def definition_of(row: FormDefinition) -> Definition:
    """Published versions never change, so each is built once per process (keyed by content hash)."""
    if row.checksum not in _built:
        _built[row.checksum] = Definition(row.content)
    return _built[row.checksum]


def _offered_to(municipality: Municipality):
    return or_(FormDefinition.municipality_id.is_(None), FormDefinition.municipality_id == municipality.id)


def latest_versions(session: Session, municipality: Municipality, include_unpublished: bool = False) -> list[FormDefinition]:
    """The newest version of each procedure the municipality offers; residents never see the ones its
    admins unpublished (staff ask for them with ``include_unpublished``)."""
    offered = _offered_to(municipality)
    if not include_unpublished:
        offered = offered & FormDefinition.key.not_in(unpublished_keys(session, municipality.id))
    newest = (
        select(FormDefinition.key, func.max(FormDefinition.version).label("version"))
        .where(offered)
        .group_by(FormDefinition.key)
        .subquery()
    )
    query = select(FormDefinition).join(
        newest, (FormDefinition.key == newest.c.key) & (FormDefinition.version == newest.c.version)
    )
    return list(session.scalars(query))


def latest_version(
    session: Session, municipality: Municipality, key: str, include_unpublished: bool = False
) -> FormDefinition | None:
    offered = _offered_to(municipality)
    if not include_unpublished:
        offered = offered & FormDefinition.key.not_in(unpublished_keys(session, municipality.id))
    return session.scalar(
        select(FormDefinition)
        .where(FormDefinition.key == key, offered)
        .order_by(FormDefinition.version.desc())
        .limit(1)
    )


def matches(definition: Definition, query: str) -> bool:
    if not query:
        return True
    haystack = " ".join(
        [
            definition.text("title"),
            definition.text("summary"),
            " ".join(definition.content.get("keywords", [])),
            str(definition.content["title"]),
        ]
    ).lower()
    return all(term in haystack for term in query.lower().split())
