"""Which procedures a municipality offers, and the immutable definition objects behind them."""
from __future__ import annotations

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from portal.procedures import search
from portal.procedures.definition import Definition
from portal.procedures.models import FormDefinition
from portal.procedures.publication import unpublished_keys
from portal.tenancy.models import Municipality

_built: dict[str, Definition] = {}


def definition_of(row: FormDefinition) -> Definition:
    """Published versions never change, so each is built once per process (keyed by content hash); the
    row's deferred ``content`` is loaded only the first time."""
    if row.checksum not in _built:
        _built[row.checksum] = Definition(row.content)
    return _built[row.checksum]


def definitions_of(session: Session, rows: list[FormDefinition]) -> list[Definition]:
    """``definition_of`` for many rows, loading the content of those not built yet in one query."""
    missing = {row.checksum for row in rows} - _built.keys()
    if missing:
        for digest, content in session.execute(
            select(FormDefinition.checksum, FormDefinition.content).where(FormDefinition.checksum.in_(missing))
        ):
            _built.setdefault(digest, Definition(content))
    return [definition_of(row) for row in rows]


_MUNICIPALITY_ID = bindparam("municipality_id")
_OFFERED = or_(FormDefinition.municipality_id.is_(None), FormDefinition.municipality_id == _MUNICIPALITY_ID)
_UNPUBLISHED = unpublished_keys(_MUNICIPALITY_ID)


def _newest(offered):
    """Built once: the statement objects are reused for every request (SQLAlchemy caches their SQL)."""
    newest = (
        select(FormDefinition.key, func.max(FormDefinition.version).label("version"))
        .where(offered)
        .group_by(FormDefinition.key)
        .subquery()
    )
    return select(FormDefinition).join(
        newest, (FormDefinition.key == newest.c.key) & (FormDefinition.version == newest.c.version)
    )


_LATEST_PUBLISHED = _newest(_OFFERED & FormDefinition.key.not_in(_UNPUBLISHED))
_LATEST_ALL = _newest(_OFFERED)


def latest_versions(session: Session, municipality: Municipality,
                    include_unpublished: bool = False) -> list[FormDefinition]:
    """The newest version of each procedure the municipality offers; residents never see the ones its
    admins unpublished (staff ask for them with ``include_unpublished``)."""
    query = _LATEST_ALL if include_unpublished else _LATEST_PUBLISHED
    return list(session.scalars(query, {"municipality_id": municipality.id}))


def _latest_of(offered):
    return (
        select(FormDefinition)
        .where(FormDefinition.key == bindparam("key"), offered)
        .order_by(FormDefinition.version.desc())
        .limit(1)
    )


_LATEST_OF_PUBLISHED = _latest_of(_OFFERED & FormDefinition.key.not_in(_UNPUBLISHED))
_LATEST_OF_ALL = _latest_of(_OFFERED)


def latest_version(
    session: Session, municipality: Municipality, key: str, include_unpublished: bool = False
) -> FormDefinition | None:
    query = _LATEST_OF_ALL if include_unpublished else _LATEST_OF_PUBLISHED
    return session.scalar(query, {"municipality_id": municipality.id, "key": key})


def matches(definition: Definition, query: str) -> bool:
    """Whether the catalogue search ``query`` finds the procedure: by title, reading or romaji, any width."""
    return search.matches(definition.search_key, query)
