"""Alembic environment. The app passes its own connection (see app/store/migrate.py);
the `alembic` command line uses sqlalchemy.url from alembic.ini."""

from alembic import context
from sqlalchemy import create_engine

from sqlmodel import SQLModel

from app.models import load_all
from app.models.tables import partial_index_options

load_all()  # registers every table on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection) -> None:
    partial_index_options(connection.dialect.name)  # PostgreSQL's partial WHERE (app/models/tables.py)
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table safely.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
