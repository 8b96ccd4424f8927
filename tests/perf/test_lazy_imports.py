"""Start-up cost: what a cheap import must not drag in (measured in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def loaded_after(code: str) -> set[str]:
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_a_label_imports_neither_the_orm_nor_the_tables():
    mods = loaded_after("import app.i18n\nassert app.i18n.label('canal', 'guichet')")
    assert "app.models.tables" not in mods
    assert "sqlalchemy" not in mods and "sqlmodel" not in mods
    assert not any(m.startswith("sqlalchemy.dialects.postgresql") for m in mods)


def test_opening_a_sqlite_store_does_not_import_the_postgresql_dialect(tmp_path):
    """A store already at the latest schema (the daily case; creating one runs Alembic, which
    imports every dialect it supports)."""
    loaded_after(f"from app.core.bootstrap import open_app_store\nopen_app_store({str(tmp_path / 's.db')!r}).close()")
    mods = loaded_after(f"from app.core.bootstrap import open_app_store\nopen_app_store({str(tmp_path / 's.db')!r}).close()")
    assert "app.models.tables" in mods
    assert not any(m.startswith("sqlalchemy.dialects.postgresql") for m in mods)


def test_the_store_registers_every_table():
    """The lazy `app.models` package must not hide a table from code that walks the metadata
    (erasure, access requests, migrations)."""
    mods = loaded_after("import app.store.engine\nfrom sqlmodel import SQLModel\n"
                        "assert {'sync_month_status', 'case_step', 'journal', 'survey_response'} "
                        "<= set(SQLModel.metadata.tables), sorted(SQLModel.metadata.tables)")
    assert "app.models.checklists" in mods


def test_old_names_still_import_from_the_package():
    from app.models import Accompaniment, SyncMonthStatus
    from app.models.tables import Accompaniment as A

    assert Accompaniment is A and SyncMonthStatus.__tablename__ == "sync_month_status"
    with pytest.raises(AttributeError):
        import app.models

        app.models.NoSuchTable  # noqa: B018


def test_the_partial_index_keeps_its_where_on_postgresql():
    """The WHERE is not declared on the Index (that imports the PostgreSQL dialect at start): it is
    set when a PostgreSQL schema is created or compared, and the DDL has it."""
    code = ("from sqlalchemy.dialects import postgresql\nfrom sqlalchemy.schema import CreateIndex\n"
            "from app.models.tables import Accompaniment, partial_index_options\n"
            "partial_index_options('postgresql')\n"
            "ix = next(i for i in Accompaniment.__table__.indexes if i.name == 'ix_accompaniment_open_follow_up')\n"
            "print(str(CreateIndex(ix).compile(dialect=postgresql.dialect())).replace(chr(10), ' '))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "WHERE status IN ('ouvert', 'en_attente_partenaire')" in out


def test_load_all_names_every_module_that_declares_a_table():
    """A new table module must be added to app.models.load_all(), or erasure, access requests and
    migrations would not see its table."""
    from app.models import load_all

    declaring = {p.stem for p in (ROOT / "app" / "models").glob("*.py") if "table=True" in p.read_text("utf-8")}
    assert declaring <= set(load_all())
