"""The migrations build exactly the schema the models describe (on SQLite and on PostgreSQL): a column added
to a model without a migration, or a migration that differs from its model, fails here, not in production."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import portal.models  # noqa: F401  (every model registered on the metadata)
from portal.db import Base, make_engine


def test_the_migrated_schema_is_the_models_schema(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
