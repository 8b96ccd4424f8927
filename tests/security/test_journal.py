"""Audit journal: append-only by trigger, tamper-evident by hash chain, purged through its anchor."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.core import journal, journal_guard
from app.core.usagers import UsagerInput, create_usager
from app.models.errors import PermissionDenied
from app.models.security import journal_guard_ddl_v2
from app.store.engine import raw_connect
from tests.conftest import FROZEN_AT
from tests.pg import backend, raw_connection, refused_errors, store  # noqa: F401  (both back ends)


def _fill(store, actor, n=6, start=None):
    with store.write() as session:
        for i in range(n):
            at = start + timedelta(days=i) if start else None
            journal.record(session, actor, "usager_viewed", f"usager:{i:032x}", now=at)


@pytest.mark.parametrize("sql", ["UPDATE journal SET detail = 'x'", "UPDATE journal SET agent_id = 99 WHERE id = 1",
                                 "DELETE FROM journal", "DELETE FROM journal WHERE id = 2",
                                 "DELETE FROM journal_anchor", "UPDATE journal_anchor SET cutoff_id = 3"])
def test_raw_sql_updates_and_deletes_are_refused_by_triggers(store, actor, sql):
    """SQLite: the triggers. PostgreSQL: the app role's privileges first, the triggers behind them
    (tests/security/test_site_journal.py tries each wall alone)."""
    _fill(store, actor)
    conn = raw_connection(store)
    with pytest.raises(refused_errors(store)):
        conn.execute(sql)
    conn.close()
    with store.read() as session:
        report = journal.verify_chain(session)
    assert report.ok and report.checked == 6


FIELDS = {"at": "'2020-01-01 00:00:00.000000'", "agent_id": "99", "action": "'login'",
          "object_ref": "'usager:ffff'", "detail": "'x'", "prev_hash": "'" + "1" * 64 + "'", "hash": "'" + "2" * 64 + "'"}


@pytest.mark.parametrize("row", [1, 4])
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_any_edit_of_any_field_is_detected_at_that_row(store, actor, row, field):
    _fill(store, actor)
    _tamper(store, f"UPDATE journal SET {field} = {FIELDS[field]} WHERE id = {row}")
    with store.read() as session:
        report = journal.verify_chain(session)
    assert not report.ok
    assert report.first_broken_id == row  # the row's own hash is recomputed, so even an edited hash shows there


@pytest.mark.parametrize("sql,first_broken", [
    ("DELETE FROM journal WHERE id = 3", 4),
    ("DELETE FROM journal WHERE id = 1", 2),
    ("UPDATE journal SET id = 100 WHERE id = 2", 3),
])
def test_deleting_or_moving_a_row_is_detected(store, actor, sql, first_broken):
    _fill(store, actor)
    _tamper(store, sql)
    with store.read() as session:
        report = journal.verify_chain(session)
    assert not report.ok and report.first_broken_id == first_broken


def _tamper(store, sql):
    """What an insider with the file could do: drop the triggers, edit, put them back. On a site
    store: the server's superuser, triggers switched off for its session."""
    if backend(store) == "postgresql":
        conn = raw_connection(store, "superuser")
        conn.execute(sql)
        conn.close()
        return
    create, drop = journal_guard_ddl_v2()
    conn = raw_connect(store.path)
    for ddl in drop:
        conn.execute(ddl)
    conn.execute(sql)
    for ddl in create:
        conn.execute(ddl)
    conn.close()


def test_entries_name_the_record_never_the_personal_values(store, actor):
    with store.write() as session:
        u = create_usager(session, actor, UsagerInput(first_name="Zoé", last_name="Canarizz", phone="0612345678"))
    with store.read() as session:
        rows = session.execute(text("SELECT agent_id, at, action, object_ref, detail FROM journal")).all()
    assert rows[-1][0] == actor.agent_id and rows[-1][2] == "usager_created"
    assert rows[-1][3] == f"usager:{u.uuid}"
    flat = repr(rows)
    assert "Canarizz" not in flat and "612345678" not in flat and "Zoé" not in flat


def test_purge_removes_only_entries_older_than_12_months_and_keeps_the_chain_valid(store, site, frozen_clock):
    frozen_clock.move_to(FROZEN_AT)  # the anchor trigger reads SQLite's real clock: stay in its past
    sup = site["supervisor"]
    now = frozen_clock.utcnow()
    _fill(store, sup, n=5, start=now - timedelta(days=500))  # 500..496 days old
    _fill(store, sup, n=3, start=now - timedelta(days=20))
    with store.write() as session:
        assert journal.purge_older_than(session, sup, now=now) == 5
    with store.read() as session:
        report = journal.verify_chain(session)
        remaining = session.execute(text("SELECT id, action FROM journal ORDER BY id")).all()
    assert report.ok and report.checked == 4
    assert [r[0] for r in remaining] == [6, 7, 8, 9] and remaining[-1][1] == "journal_purged"
    with store.write() as session:  # appending goes on from the chain's head
        journal.record(session, sup, "lock")
    with store.read() as session:
        assert journal.verify_chain(session).ok


def test_purging_everything_continues_from_the_anchor(store, site, frozen_clock):
    frozen_clock.move_to(FROZEN_AT)  # the anchor trigger reads SQLite's real clock: stay in its past
    sup = site["supervisor"]
    _fill(store, sup, n=3, start=frozen_clock.utcnow() - timedelta(days=400))
    with store.write() as session:
        journal.purge_older_than(session, sup)
        journal.record(session, sup, "lock")
    with store.read() as session:
        report = journal.verify_chain(session)
    assert report.ok and report.checked == 2


def test_the_anchor_cannot_be_moved_onto_recent_entries_or_a_forged_hash(store, actor, frozen_clock):
    frozen_clock.move_to(FROZEN_AT)  # the anchor trigger reads SQLite's real clock: stay in its past
    _fill(store, actor, n=3, start=frozen_clock.utcnow() - timedelta(days=400))
    _fill(store, actor, n=2)
    conn = raw_connection(store)
    recent_hash = conn.execute("SELECT hash FROM journal WHERE id = 5").fetchone()[0]
    with pytest.raises(refused_errors(store)):  # recent row: refused even with its true hash
        conn.execute("UPDATE journal_anchor SET cutoff_id = 5, anchor_hash = ? WHERE id = 1", (recent_hash,))
    with pytest.raises(refused_errors(store)):  # old row, forged hash
        conn.execute("UPDATE journal_anchor SET cutoff_id = 2, anchor_hash = ? WHERE id = 1", ("f" * 64,))
    conn.close()


def test_agents_can_neither_read_nor_export_nor_purge_the_journal(store, site):
    agent, sup = site["agent"], site["supervisor"]
    _fill(store, agent, n=2)
    with store.write() as session:
        for call in (lambda: journal.entries(session, agent), lambda: journal_guard.export_csv(session, agent),
                     lambda: journal.purge_older_than(session, agent)):
            with pytest.raises(PermissionDenied):
                call()
        assert [e.action for e in journal.entries(session, sup)] == ["usager_viewed"] * 2


def test_csv_export_escapes_formulas_and_is_journaled(store, site):
    sup = site["supervisor"]
    with store.write() as session:
        journal.record(session, sup, "usager_viewed", "=HYPERLINK(\"http://x\")", "+1;@SUM(A1)")
        journal.record(session, sup, "usager_viewed", "usager:abc", "-2\tx")
        exported = journal_guard.export_csv(session, sup, journal.JournalFilter(action="usager_viewed"))
        last = journal.entries(session, sup)[0]
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    assert rows[0][:4] == ["n°", "date (UTC)", "agent", "action"]
    assert rows[1][4] == "'=HYPERLINK(\"http://x\")" and rows[1][5] == "'+1;@SUM(A1)"
    assert rows[2][5] == "'-2\tx"
    assert rows[1][3] == "Fiche usager consultée"
    assert rows[-2][0].startswith("dernière empreinte")
    assert rows[-1] == ["intégrité vérifiée avant l'export", "chaîne intacte (2 entrées), repère externe conforme"]
    assert last.action == "journal_exported" and last.detail.endswith("intégrité : vérifiée")


@pytest.mark.parametrize("value", ["=1+1", "+33", "-x", "@a", "\tb", "\rc", "\0d", "ok", "", "é=1"])
def test_csv_safe_prefixes_exactly_the_dangerous_first_characters(value):
    escaped = journal.csv_safe(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r", "\0"):
        assert escaped == "'" + value
    else:
        assert escaped == value


def test_viewing_an_identified_usager_is_journaled_once_and_anonymous_ones_not(store, actor):
    with store.write() as session:
        named = create_usager(session, actor, UsagerInput(first_name="Zoé", last_name="Vue"))
        anonymous = create_usager(session, actor, UsagerInput(age_band="18_24"))
    journal.record_usager_view(store, actor, named.id)
    journal.record_usager_view(store, actor, anonymous.id)
    journal.record_usager_view(store, actor, None)
    with store.read() as session:
        views = session.execute(text("SELECT object_ref FROM journal WHERE action = 'usager_viewed'")).all()
    assert views == [(f"usager:{named.uuid}",)]
