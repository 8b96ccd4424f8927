"""Issue 12, finding 2: each journal attack (a)–(e), replayed against an encrypted store by an
insider who holds the file *and its key*, and now detected (or refused outright)."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.core import journal, journal_guard
from app.core.bootstrap import create_app_store, open_app_store
from app.models.security import journal_guard_ddl_v2
from app.models.tables import utcnow
from app.store import crypto
from app.store.engine import open_store, raw_connect
from tests.store.conftest import seed_site


@pytest.fixture
def enc(tmp_path, secure_keyring):
    store, _code = create_app_store(tmp_path / "data" / "guichet.db", encrypted=True)
    people = seed_site(store)
    with store.write() as session:
        for i in range(6):
            journal.record(session, people["agent"], "usager_viewed", f"usager:{i:032x}")
    path, key = store.path, store.cipher_key
    store.close()
    return path, key, people


def _attacker(path, key):
    """The insider's own connection: SQLCipher with the store key, no Guichet code in between."""
    return raw_connect(path, key)


def _tamper(path, key, *statements, params=()):
    create, drop = journal_guard_ddl_v2()
    conn = _attacker(path, key)
    for ddl in drop:
        conn.execute(ddl)
    for sql in statements:
        conn.execute(sql, params) if "?" in sql else conn.execute(sql)
    for ddl in create:
        conn.execute(ddl)
    conn.close()


def _alerts(store, actor):
    with store.read() as session:
        return journal_guard.unseen_alerts(session, actor)


def _chain(path):
    store = open_store(path)
    try:
        with store.read() as session:
            return journal.verify_chain(session)
    finally:
        store.close()


@pytest.mark.parametrize("also_remove", ["nothing", "pin file"])
def test_a_tail_truncation_is_detected_at_start_up_and_shown_to_supervisors_once(enc, also_remove):
    path, key, people = enc
    _tamper(path, key, "DELETE FROM journal WHERE id > 3")
    if also_remove == "pin file":
        journal_guard.pin_path(path).unlink()  # the keyring's pin remains out of reach
    assert _chain(path).ok  # the chain alone cannot see a cut tail: that was the hole
    store = open_app_store(path)
    try:
        alerts = _alerts(store, people["supervisor"])
        assert len(alerts) == 1 and "n° 4 à 6 ont disparu" in alerts[0].detail
        assert _alerts(store, people["agent"]) == []  # agents are not shown the journal
        with store.write() as session:
            journal_guard.mark_alerts_seen(session, people["supervisor"], alerts[-1].id)
        with store.write() as session:  # the next login: the pin has moved past the alert
            journal.record(session, people["agent"], "login")
    finally:
        store.close()
    again = open_app_store(path)
    try:
        assert _alerts(again, people["supervisor"]) == []  # raised once, kept in the journal
        with again.read() as session:
            assert session.execute(text("SELECT count(*) FROM journal WHERE action = 'journal_alert'")).scalar() == 1
            assert journal.verify_chain(session).ok
    finally:
        again.close()


def test_a_an_older_copy_put_in_place_of_the_store_is_detected(enc, tmp_path):
    path, key, people = enc
    older = tmp_path / "older.db"
    conn = _attacker(path, key)
    conn.execute("VACUUM INTO ?", (str(older),))  # same key: a copy of the file as it is now
    conn.close()
    store = open_app_store(path)
    with store.write() as session:
        journal.record(session, people["agent"], "usager_viewed", "usager:later")
    store.close()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    older.replace(path)
    store = open_app_store(path)
    try:
        (alert,) = _alerts(store, people["supervisor"])
        assert "remplacé par une copie plus ancienne" in alert.detail
    finally:
        store.close()


def test_a_plain_store_without_its_pin_file_falls_back_to_the_backup_manifest(tmp_path, frozen_clock):
    from app.store import backups

    store = open_app_store(tmp_path / "guichet.db")  # plain, no keyring: file pin and manifests only
    people = seed_site(store)
    with store.write() as session:
        for i in range(5):
            journal.record(session, people["agent"], "usager_viewed", f"usager:{i}")
    backups.create_backup(store, now=frozen_clock.now())
    store.close()
    _tamper(store.path, None, "DELETE FROM journal WHERE id > 2")
    journal_guard.pin_path(store.path).unlink()
    again = open_app_store(store.path)
    try:
        (alert,) = _alerts(again, people["supervisor"])
        assert "n° 3 à 5 ont disparu" in alert.detail and "sauvegarde guichet-" in alert.detail
    finally:
        again.close()


def test_a_removed_pin_with_nothing_else_to_compare_is_itself_reported(tmp_path):
    store = open_app_store(tmp_path / "guichet.db")
    people = seed_site(store)
    with store.write() as session:
        journal.record(session, people["agent"], "usager_viewed", "usager:1")
    store.close()
    journal_guard.pin_path(store.path).unlink()
    again = open_app_store(store.path)
    try:
        (alert,) = _alerts(again, people["supervisor"])
        assert "repère externe du journal est absent" in alert.detail
    finally:
        again.close()


def test_b_a_forged_backdated_row_blamed_on_a_supervisor_does_not_verify(enc):
    path, key, people = enc
    sup = people["supervisor"].agent_id
    row = (7, datetime(2026, 1, 5, 9, 0), sup, "usager_erased", "usager:" + "a" * 32, "")
    conn = _attacker(path, key)
    prev = conn.execute("SELECT hash FROM journal WHERE id = 6").fetchone()[0]
    conn.close()
    insert = ("INSERT INTO journal (id, at, agent_id, action, object_ref, detail, prev_hash, hash) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    stamp = row[1].strftime("%Y-%m-%d %H:%M:%S.%f")
    conn = _attacker(path, key)
    with pytest.raises(sqlcipher_error()):  # triggers in place: a backdated insert is refused
        conn.execute(insert, (row[0], stamp, *row[2:], prev, "0" * 64))
    conn.close()

    # Triggers dropped, hash computed the old way (no key): the HMAC does not match.
    unkeyed = journal.compute_hash(crypto.PLAIN_JOURNAL_KEY, prev, *row)
    _tamper(path, key, insert, params=(row[0], stamp, *row[2:], prev, unkeyed))
    report = _chain(path)
    assert not report.ok and report.first_broken_id == 7 and "forgée" in report.reason

    # Even with the right HMAC (the insider derived the key), the date gives the forgery away.
    keyed = journal.compute_hash(crypto.journal_key(key), prev, *row)
    _tamper(path, key, "UPDATE journal SET hash = ? WHERE id = 7", params=(keyed,))
    report = _chain(path)
    assert not report.ok and report.first_broken_id == 7 and "antérieure" in report.reason


def sqlcipher_error():
    import sqlcipher3.dbapi2 as dbapi

    return dbapi.IntegrityError


def test_b_rewriting_a_middle_row_and_every_later_hash_is_caught_by_the_pin(enc):
    path, key, people = enc
    chain_key = crypto.journal_key(key)
    conn = _attacker(path, key)
    rows = conn.execute("SELECT id, at, agent_id, action, object_ref, detail FROM journal ORDER BY id").fetchall()
    prev = conn.execute("SELECT anchor_hash FROM journal_anchor").fetchone()[0]
    updates = []
    for entry_id, at, agent_id, action, object_ref, detail in rows:
        if entry_id == 3:
            agent_id = people["supervisor"].agent_id  # blame someone else
        digest = journal.compute_hash(chain_key, prev, entry_id, datetime.fromisoformat(at), agent_id, action,
                                      object_ref, detail)
        updates.append((agent_id, prev, digest, entry_id))
        prev = digest
    conn.close()
    _tamper(path, key, *[f"UPDATE journal SET agent_id = {a}, prev_hash = '{p}', hash = '{h}' WHERE id = {i}"
                         for a, p, h, i in updates])
    assert _chain(path).ok  # a perfect forgery of the chain…
    store = open_app_store(path)
    try:
        (alert,) = _alerts(store, people["supervisor"])
        assert "ne correspond plus au repère" in alert.detail  # …but not of the pinned head
    finally:
        store.close()


def test_c_emptying_the_journal_through_the_anchor_is_refused_or_detected(enc):
    path, key, people = enc
    conn = _attacker(path, key)
    with pytest.raises(sqlcipher_error()):  # no trigger dropped: a row « from 2000 » cannot go in
        conn.execute("INSERT INTO journal (id, at, agent_id, action, object_ref, detail, prev_hash, hash) "
                     "VALUES (7, '2000-01-01 00:00:00.000000', NULL, 'x', '', '', 'p', 'h')")
    recent = conn.execute("SELECT hash FROM journal WHERE id = 6").fetchone()[0]
    with pytest.raises(sqlcipher_error()):  # nor can the anchor be moved over recent rows
        conn.execute("UPDATE journal_anchor SET cutoff_id = 6, anchor_hash = ? WHERE id = 1", (recent,))
    conn.close()

    _tamper(path, key,
            "INSERT INTO journal (id, at, agent_id, action, object_ref, detail, prev_hash, hash) "
            "VALUES (7, '2000-01-01 00:00:00.000000', NULL, 'x', '', '', 'p', 'h')",
            "UPDATE journal_anchor SET cutoff_id = 7, anchor_hash = 'h' WHERE id = 1",
            "DELETE FROM journal")
    report = _chain(path)
    assert not report.ok and "supprimé sans purge" in report.reason
    store = open_app_store(path)
    try:
        (alert,) = _alerts(store, people["supervisor"])
        assert "sans purge enregistrée" in alert.detail
    finally:
        store.close()


def test_d_a_raw_row_from_2000_makes_the_purge_remove_nothing_recent(enc):
    path, key, people = enc
    conn = _attacker(path, key)
    prev = conn.execute("SELECT hash FROM journal WHERE id = 6").fetchone()[0]
    conn.close()
    row = (7, datetime(2000, 1, 1), None, "usager_viewed", "usager:old", "")
    digest = journal.compute_hash(crypto.journal_key(key), prev, *row)
    _tamper(path, key, "INSERT INTO journal (id, at, agent_id, action, object_ref, detail, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            params=(7, "2000-01-01 00:00:00.000000", None, "usager_viewed", "usager:old", "", prev, digest))
    store = open_store(path)
    try:
        with store.write() as session:
            assert journal.purge_older_than(session, people["supervisor"]) == 0
        with store.read() as session:
            assert session.execute(text("SELECT count(*) FROM journal WHERE id <= 7")).scalar() == 7
            report = journal.verify_chain(session)
        assert not report.ok and report.first_broken_id == 7 and "antérieure" in report.reason
    finally:
        store.close()


def test_d_a_clock_set_back_once_cannot_stamp_an_entry_in_the_past(enc):
    path, _key, people = enc
    store = open_store(path)
    try:
        with store.write() as session:
            entry = journal.record(session, people["agent"], "login", now=datetime(2000, 1, 1))
            previous = session.execute(text("SELECT at FROM journal WHERE id = :i"), {"i": entry.id - 1}).scalar()
        assert entry.at == datetime.fromisoformat(previous)
        with store.read() as session:
            assert journal.verify_chain(session).ok
    finally:
        store.close()


def test_e_verification_runs_in_the_start_up_check_and_before_each_export(enc):
    path, key, people = enc
    _tamper(path, key, "UPDATE journal SET detail = 'retouché' WHERE id = 2")
    store = open_app_store(path)
    try:
        report = journal_guard.background_check(store)
        assert not report.ok and report.first_broken_id == 2
        journal_guard.background_check(store)  # the same break is not recorded twice
        with store.read() as session:
            alerts = session.execute(text("SELECT detail FROM journal WHERE action = 'journal_alert'")).all()
        assert len(alerts) == 1 and alerts[0][0].startswith("entrée n° 2")
        with store.write() as session:
            exported = journal_guard.export_journal(session, people["supervisor"])
        assert not exported.integrity.ok
        rows = list(csv.reader(io.StringIO(exported.text), delimiter=";"))
        assert rows[-1][0] == "intégrité vérifiée avant l'export" and rows[-1][1].startswith("ALTÉRÉ")
        with store.read() as session:
            last = session.execute(text("SELECT detail FROM journal ORDER BY id DESC LIMIT 1")).scalar()
        assert last.endswith("intégrité : ALTÉRÉE")
    finally:
        store.close()


def test_a_legitimate_purge_and_new_entries_keep_every_check_green(tmp_path, secure_keyring):
    store, _code = create_app_store(tmp_path / "guichet.db", encrypted=True)
    people = seed_site(store)
    old = utcnow() - timedelta(days=500)
    with store.write() as session:
        for i in range(4):
            journal.record(session, people["agent"], "usager_viewed", f"usager:{i}", now=old + timedelta(days=i))
        journal.record(session, people["agent"], "login")
    with store.write() as session:
        assert journal.purge_older_than(session, people["supervisor"]) == 4
    store.close()
    again = open_app_store(store.path)
    try:
        assert _alerts(again, people["supervisor"]) == []
        report = journal_guard.background_check(again)
        assert report.ok and report.checked == 2, report.problems
    finally:
        again.close()


def test_the_pin_never_moves_back_without_force(tmp_path):
    path = tmp_path / "guichet.db"
    key = crypto.PLAIN_JOURNAL_KEY
    journal_guard.write_pin(path, key, 9, "a" * 64)
    journal_guard.write_pin(path, key, 4, "b" * 64)  # a lagging writer
    assert [(p.id, p.source) for p in journal_guard.read_pins(path, key)] == [(9, "fichier")]
    journal_guard.write_pin(path, key, 4, "b" * 64, force=True)  # a restore
    assert journal_guard.read_pins(path, key)[0].id == 4
    forged = journal_guard.pin_path(path).read_text().replace('"id": 4', '"id": 40')
    journal_guard.pin_path(path).write_text(forged)
    assert journal_guard.read_pins(path, key) == []  # a pin edited by hand fails its MAC


def test_raw_sqlite_cannot_slip_a_row_in_on_a_plain_store_either(store, actor):
    with store.write() as session:
        journal.record(session, actor, "login")
    conn = raw_connect(store.path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO journal (id, at, agent_id, action, object_ref, detail, prev_hash, hash) "
                     "VALUES (5, '2099-01-01 00:00:00.000000', NULL, 'x', '', '', 'p', 'h')")  # not the head's id
    conn.close()


def test_the_purge_bound_is_never_later_than_the_triggers_twelve_calendar_months():
    """A year holding a 29 February is 366 days: 365 days back would name a row the anchor trigger
    (SQLite's « -12 months ») refuses, and retention would fail with an IntegrityError."""
    from datetime import datetime as dt

    assert journal.purge_limit(dt(2028, 3, 10, 10, 0)) == dt(2027, 3, 10, 10, 0)  # 366 days
    assert journal.purge_limit(dt(2026, 12, 1, 8, 0)) == dt(2025, 12, 1, 8, 0)  # 365 days either way
    assert journal.purge_limit(dt(2028, 2, 29, 12, 0)) == dt(2027, 2, 28, 12, 0)
