"""On a site store the server keeps the journal append-only (app/store/journal_pg.py): each wall is
tried alone, with the statements a desk's role, the owner role and the server's superuser could send."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import journal
from tests.pg import open_site, raw_connection, sqlstate

pytestmark = pytest.mark.postgresql

FORBIDDEN = ["UPDATE journal SET detail = 'x'", "UPDATE journal SET id = 100 WHERE id = 2",
             "DELETE FROM journal", "DELETE FROM journal WHERE id = 2", "TRUNCATE journal",
             "TRUNCATE journal CASCADE", "DELETE FROM journal_anchor", "TRUNCATE journal_anchor",
             "ALTER TABLE journal DISABLE TRIGGER ALL", "DROP TRIGGER journal_no_update ON journal",
             "DROP TABLE journal", "CREATE TABLE intrus (id int)", "ALTER TABLE accompaniment ADD COLUMN x int",
             "SET session_replication_role = replica"]


@pytest.fixture
def site_store(pg_url, tmp_path):
    store = open_site(pg_url, tmp_path)
    yield store
    store.close()


def _fill(store, n=4, start=None):
    with store.write() as session:
        for i in range(n):
            journal.record(session, None, "usager_viewed", f"usager:{i:032x}",
                           now=start + timedelta(days=i) if start else None)


def _verified(store, count):
    with store.read() as session:
        report = journal.verify_chain(session)
    assert report.ok and report.checked == count, report


@pytest.mark.parametrize("sql", FORBIDDEN)
def test_the_application_role_lacks_the_privilege_for_every_rewriting_statement(site_store, sql):
    _fill(site_store)
    conn = raw_connection(site_store, "app")
    with pytest.raises(Exception) as caught:
        conn.execute(sql)
    conn.close()
    assert sqlstate(caught.value) == "42501", caught.value  # insufficient_privilege: the first wall
    _verified(site_store, 4)


@pytest.mark.parametrize("sql", ["UPDATE journal SET detail = 'x'", "DELETE FROM journal WHERE id = 2",
                                 "TRUNCATE journal", "DELETE FROM journal_anchor", "TRUNCATE journal_anchor",
                                 "UPDATE journal_anchor SET cutoff_id = 3"])
def test_the_owner_role_has_the_privileges_but_the_triggers_refuse(site_store, sql):
    _fill(site_store)
    conn = raw_connection(site_store, "owner")
    with pytest.raises(Exception) as caught:
        conn.execute(sql)
    conn.close()
    assert sqlstate(caught.value) == "GJ001", caught.value  # raised by app/store/journal_pg.py
    _verified(site_store, 4)


@pytest.mark.parametrize("entry_id, at", [(2, "2026-12-01"), (99, "2026-12-01"), (None, "2000-01-01")])
def test_rows_are_appended_only_at_the_head_and_never_backdated(site_store, entry_id, at):
    _fill(site_store)
    conn = raw_connection(site_store, "app")
    head = conn.execute("SELECT max(id), max(at) FROM journal").fetchone()
    with pytest.raises(Exception) as caught:
        conn.execute("INSERT INTO journal (id, at, action, object_ref, detail, prev_hash, hash) "
                     "VALUES (?, ?, 'login', '', '', ?, ?)", (entry_id or head[0] + 1, at, "0" * 64, "1" * 64))
    conn.close()
    assert sqlstate(caught.value) in ("GJ001", "23505"), caught.value  # trigger, or the primary key first
    _verified(site_store, 4)


def test_the_purge_function_deletes_only_up_to_the_anchor(site_store):
    """The app role may call the SECURITY DEFINER purge, which removes nothing the anchor did not pass."""
    _fill(site_store)
    conn = raw_connection(site_store, "app")
    assert conn.execute("SELECT guichet_journal_purge()").fetchone()[0] == 0
    conn.close()
    _verified(site_store, 4)


def test_a_superuser_who_switches_the_triggers_off_is_caught_by_the_chain(site_store):
    _fill(site_store)
    conn = raw_connection(site_store, "superuser")
    conn.execute("UPDATE journal SET detail = 'réécrit' WHERE id = 3")
    conn.close()
    with site_store.read() as session:
        report = journal.verify_chain(session)
    assert not report.ok and report.first_broken_id == 3


def test_concurrent_desks_append_without_breaking_the_chain(site_store, pg_url, tmp_path):
    """Journal ids are "last + 1": two desks appending at once must wait for each other
    (advisory lock in app/store/dialects.py), not collide on the id or fork the chain."""
    import threading

    other = open_site(pg_url, tmp_path / "other")
    errors = []

    def desk(store, n):
        try:
            for i in range(n):
                with store.write() as session:
                    journal.record(session, None, "usager_viewed", f"usager:{i:032x}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=desk, args=(s, 40)) for s in (site_store, other, site_store)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert errors == []
    _verified(site_store, 120)
