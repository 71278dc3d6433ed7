"""Alembic environment: the URL comes from the caller (portal.migrate) or DATABASE_URL."""
from alembic import context

import portal.models  # noqa: F401  (fills Base.metadata)
from portal.config import from_environment
from portal.db import Base, make_engine

config = context.config
url = config.attributes.get("database_url") or from_environment()["DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=url.startswith("sqlite"),
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
