"""Alembic, driven from code: the app migrates its store at open; developers use alembic.ini.

Feature branches of the schema (one per issue) may each start from the foundation revision;
we always upgrade to "heads" so that any set of branches applies, in dependency order.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, target: str = "heads") -> None:
    from alembic import command

    with engine.connect() as connection:
        cfg = alembic_config(connection)
        command.upgrade(cfg, target)
        connection.commit()


def downgrade(engine: Engine, target: str) -> None:
    from alembic import command

    with engine.connect() as connection:
        cfg = alembic_config(connection)
        command.downgrade(cfg, target)
        connection.commit()


def current_revisions(engine: Engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())
