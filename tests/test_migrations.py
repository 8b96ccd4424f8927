"""Schema migrations: from empty, and from each earlier revision, keeping data."""

import sqlite3

import pytest
from sqlalchemy import create_engine

from app.store import migrate
from app.store.engine import open_store


def revisions_in_order():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_upgrade_from_empty_reaches_every_head(tmp_path):
    store = open_store(tmp_path / "s.db")
    assert migrate.current_revisions(store.engine) == migrate.head_revisions()
    names = {r[0] for r in sqlite3.connect(tmp_path / "s.db").execute("SELECT name FROM sqlite_master")}
    assert {"accompaniment", "usager", "partner", "procedure", "accompaniment_fts"} <= names


def test_reopening_an_up_to_date_store_changes_nothing(tmp_path):
    open_store(tmp_path / "s.db").close()
    before = (tmp_path / "s.db").read_bytes()
    open_store(tmp_path / "s.db").close()
    assert migrate.current_revisions(create_engine(f"sqlite:///{tmp_path / 's.db'}")) == migrate.head_revisions()
    assert len(before) > 0


def test_foundation_data_survives_upgrade_to_every_later_revision(tmp_path):
    """Build a store at the first revision, put data in it, then upgrade to heads."""
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0001_foundation")
    con = sqlite3.connect(path)
    con.executescript("""
        INSERT INTO structure (id, matricule, name, kind, active, created_at) VALUES (1, '42', 'FS', 'fixe', 1, '2025-01-01');
        INSERT INTO agent (id, structure_id, login, display_name, role, active, created_at) VALUES (1, 1, 'ag', 'Ag', 'agent', 1, '2025-01-01');
        INSERT INTO partner (code, label, short_label, scope) VALUES ('CAF', 'CAF', 'CAF', 'national');
        INSERT INTO accompaniment (id, uuid, structure_id, agent_id, occurred_at, duration_min, canal, thematique,
            response_type, mandate, status, note, created_at, updated_at)
            VALUES (7, 'u7', 1, 1, '2025-03-04 10:00:00', 20, 'guichet', 'social_sante', 'information_orientation',
                    'aucun', 'clos', 'gardé', '2025-03-04', '2025-03-04');
        INSERT INTO accompaniment_procedure (accompaniment_id, partner_code, precision, position) VALUES (7, 'CAF', '', 0);
    """)
    con.commit()
    con.close()
    store = open_store(path)
    assert migrate.current_revisions(store.engine) == migrate.head_revisions()
    row = sqlite3.connect(path).execute("SELECT note, duration_min FROM accompaniment WHERE id = 7").fetchone()
    assert row == ("gardé", 20)


@pytest.mark.parametrize("start", revisions_in_order())
def test_upgrade_from_each_revision_then_down_to_it_and_up_again(tmp_path, start):
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate.upgrade(engine, start)
    migrate.upgrade(engine, "heads")
    assert migrate.current_revisions(engine) == migrate.head_revisions()


def test_fast_head_check_agrees_with_alembic(tmp_path):
    """The start-up shortcut that skips importing Alembic must see the same heads as Alembic: a store
    stamped with exactly Alembic's heads is up to date; one head short, or one revision more, is not."""
    heads = sorted(migrate.head_revisions())
    older = [r for r in revisions_in_order() if r not in heads][-1]
    for i, (stamped, expected) in enumerate([(heads, True), (heads[1:], False), (heads + [older], False)]):
        engine = create_engine(f"sqlite:///{tmp_path / f'stamp{i}.db'}")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
            for revision in stamped:
                conn.exec_driver_sql("INSERT INTO alembic_version VALUES (?)", (revision,))
        assert migrate.is_up_to_date(engine) is expected, stamped


def test_store_at_head_is_recognised_and_an_old_one_is_not(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'h.db'}")
    assert not migrate.is_up_to_date(engine)
    migrate.upgrade(engine, "0001_foundation")
    assert not migrate.is_up_to_date(engine)
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)


def test_migrated_schema_matches_the_models(tmp_path):
    """Alembic's own comparison between the migrated store and the SQLModel tables finds no
    difference (a migration that forgets or loses an index fails here)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    from app.models import load_all

    load_all()

    store = open_store(tmp_path / "m.db")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    fts = ("accompaniment_fts", "usager_fts")  # virtual tables live outside the models on purpose
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith(fts))]
    assert diff == []
    names = {r[0] for r in sqlite3.connect(tmp_path / "m.db").execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"ix_accompaniment_open_follow_up", "ix_accompaniment_structure_occurred"} <= names
    assert "ix_accompaniment_status" not in names
