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


def _declared_heads() -> set[str]:
    """Head revisions read straight from the revision files: importing Alembic costs ~0.3 s,
    which a store already at head should not pay at every start."""
    import ast
    import re

    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r"^revision\s*(?::[^=]+)?=\s*(.+)$", text, re.M)
        down = re.search(r"^down_revision\s*(?::[^=]+)?=\s*(.+)$", text, re.M)
        if not rev:
            continue
        revisions.add(ast.literal_eval(rev.group(1).strip()))
        value = ast.literal_eval(down.group(1).strip()) if down else None
        parents.update([value] if isinstance(value, str) else (value or ()))
    return revisions - parents


def is_up_to_date(engine: Engine) -> bool:
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        current = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    return bool(current) and current == _declared_heads()


def upgrade(engine: Engine, target: str = "heads") -> None:
    if target == "heads" and is_up_to_date(engine):
        return
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
