"""The same Alembic revisions on PostgreSQL: from empty, from each earlier revision (down and up
again), keeping data; the SQLite side is tests/test_migrations.py."""

from __future__ import annotations

import itertools

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, text

from app.store import migrate
from tests.test_migrations import revisions_in_order

pytestmark = pytest.mark.postgresql
_n = itertools.count(1)


@pytest.fixture
def empty_db(pg_cluster):
    name = f"m{next(_n)}"
    with psycopg.connect(pg_cluster.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    engine = create_engine(pg_cluster.url(name))
    yield engine
    engine.dispose()


def test_upgrade_from_empty_reaches_every_head_on_postgresql(empty_db):
    migrate.upgrade(empty_db)
    assert migrate.current_revisions(empty_db) == migrate.head_revisions()
    assert migrate.is_up_to_date(empty_db)
    names = set(inspect(empty_db).get_table_names())
    assert {"accompaniment", "usager", "partner", "journal", "accompaniment_fts", "usager_fts"} <= names
    with empty_db.connect() as conn:
        triggers = {r[0] for r in conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))}
    assert {"journal_no_update", "journal_no_delete", "journal_no_truncate", "journal_insert_at_head"} <= triggers


def test_foundation_data_survives_every_later_revision_on_postgresql(empty_db):
    migrate.upgrade(empty_db, "0001_foundation")
    with empty_db.begin() as conn:
        conn.execute(text("""
            INSERT INTO structure (id, matricule, name, kind, active, created_at) VALUES (1, '42', 'FS', 'fixe', true, '2025-01-01');
            INSERT INTO agent (id, structure_id, login, display_name, role, active, created_at) VALUES (1, 1, 'ag', 'Ag', 'agent', true, '2025-01-01');
            INSERT INTO partner (code, label, short_label, scope) VALUES ('CAF', 'CAF', 'CAF', 'national');
            INSERT INTO accompaniment (id, uuid, structure_id, agent_id, occurred_at, duration_min, canal, thematique,
                response_type, mandate, status, note, created_at, updated_at)
                VALUES (7, 'u7', 1, 1, '2025-03-04 10:00:00', 20, 'guichet', 'social_sante', 'information_orientation',
                        'aucun', 'clos', 'gardé', '2025-03-04', '2025-03-04');
            INSERT INTO accompaniment_procedure (accompaniment_id, partner_code, precision, position) VALUES (7, 'CAF', '', 0);
        """))
    migrate.upgrade(empty_db)
    with empty_db.connect() as conn:
        assert conn.execute(text("SELECT note, duration_min FROM accompaniment WHERE id = 7")).one() == ("gardé", 20)
        # 0010 seeded the month of the visit as to evaluate (date_trunc on PostgreSQL, substr on SQLite)
        month = conn.execute(text("SELECT month::text, dirty FROM sync_month_status")).one()
    assert month == ("2025-03-01", True)


@pytest.mark.parametrize("start", revisions_in_order())
def test_upgrade_from_each_revision_then_down_to_it_and_up_again_on_postgresql(empty_db, start):
    migrate.upgrade(empty_db, start)
    migrate.upgrade(empty_db, "heads")
    assert migrate.current_revisions(empty_db) == migrate.head_revisions()
    if start not in migrate.head_revisions():
        migrate.downgrade(empty_db, start)
        migrate.upgrade(empty_db, "heads")
        assert migrate.current_revisions(empty_db) == migrate.head_revisions()


def test_migrated_site_schema_matches_the_models(empty_db):
    """The same SQLModel tables on both back ends: Alembic's comparison finds no difference on PostgreSQL
    either (the search tables live outside the models, as the FTS5 tables do on SQLite)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import app.models  # noqa: F401

    migrate.upgrade(empty_db)
    with empty_db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    fts = ("accompaniment_fts", "usager_fts")
    diff = [d for d in diff if not (isinstance(d, tuple) and (
        (d[0] == "remove_table" and d[1].name in fts) or (d[0] == "remove_index" and d[1].table.name in fts)))]
    assert diff == []
