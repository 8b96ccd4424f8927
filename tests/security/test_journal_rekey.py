"""Migration 0012: a journal written with the old unkeyed SHA-256 chain is checked, then re-signed."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from sqlalchemy import text

from app.core import journal
from app.core.bootstrap import create_app_store
from app.core.journal import _canonical
from app.models.security import GENESIS_HASH
from app.store.engine import open_store
from app.store.migrate import downgrade, upgrade

BEFORE = "0009_drop_status_index"


def _legacy_rows(conn, times, break_at=None):
    prev = GENESIS_HASH
    for i, at in enumerate(times, start=1):
        row = (i, at, 1, "usager_viewed", f"usager:{i}", "")
        digest = hashlib.sha256(prev.encode() + _canonical(*row)).hexdigest()
        if i == break_at:
            digest = "f" * 64
        conn.execute(text("INSERT INTO journal VALUES (:i, :a, 1, 'usager_viewed', :o, '', :p, :h)"),
                     {"i": i, "a": at.strftime("%Y-%m-%d %H:%M:%S.%f"), "o": f"usager:{i}", "p": prev, "h": digest})
        prev = digest


def _store_at_0009(path, key=None):
    store = open_store(path, migrate=False, key=key)
    upgrade(store.engine, BEFORE)
    return store


@pytest.mark.parametrize("encrypted", [False, True])
def test_an_intact_old_chain_is_re_signed_and_a_clock_set_back_is_straightened(tmp_path, secure_keyring, encrypted):
    path = tmp_path / "guichet.db"
    key = None
    if encrypted:  # an encrypted store made before 0012
        made, _code = create_app_store(path, encrypted=True)
        key = made.cipher_key
        downgrade(made.engine, BEFORE)
        made.close()
        store = open_store(path, migrate=False)
    else:
        store = _store_at_0009(path)
    times = [datetime(2026, 5, 1, 9), datetime(2026, 5, 1, 10), datetime(2026, 4, 1, 8), datetime(2026, 5, 2, 9)]
    with store.engine.begin() as conn:
        _legacy_rows(conn, times)
    upgrade(store.engine)
    with store.read() as session:
        report = journal.verify_chain(session)
        rows = session.execute(text("SELECT id, at, action, object_ref, detail FROM journal ORDER BY id")).all()
    store.close()
    assert report.ok and report.checked == 5
    assert rows[2][1].startswith("2026-05-01 10:00")  # the row « before » its predecessor now shares its time
    assert rows[-1][2:] == ("journal_rekeyed", "journal:0",
                            "chaîne du journal désormais signée avec la clé du fichier ; ancienne chaîne intacte ; "
                            "1 date(s) ramenée(s) à l'ordre chronologique")
    # Signed with the key derived from this store's key (the public one for a plain store).
    from app.store import crypto

    store = open_store(path, key=key) if encrypted else open_store(path)
    with store.read() as session:
        entry_id, at, agent_id, action, ref, detail, prev, digest = session.execute(text(
            "SELECT id, at, agent_id, action, object_ref, detail, prev_hash, hash FROM journal WHERE id = 1")).one()
    store.close()
    assert digest == journal.compute_hash(crypto.journal_key(key), prev, entry_id, datetime.fromisoformat(at),
                                          agent_id, action, ref, detail)


def test_a_broken_old_chain_is_re_signed_but_the_break_stays_on_record(tmp_path):
    store = _store_at_0009(tmp_path / "guichet.db")
    with store.engine.begin() as conn:
        _legacy_rows(conn, [datetime(2026, 5, 1, h) for h in range(8, 12)], break_at=2)
    upgrade(store.engine)
    with store.read() as session:
        assert journal.verify_chain(session).ok
        detail = session.execute(text("SELECT detail FROM journal WHERE action = 'journal_rekeyed'")).scalar()
    store.close()
    assert "ancienne chaîne rompue à l'entrée n° 2" in detail


def test_downgrade_restores_the_unkeyed_chain(tmp_path):
    store = _store_at_0009(tmp_path / "guichet.db")
    with store.engine.begin() as conn:
        _legacy_rows(conn, [datetime(2026, 5, 1, h) for h in range(8, 11)])
    upgrade(store.engine)
    downgrade(store.engine, BEFORE)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, at, agent_id, action, object_ref, detail, prev_hash, hash "
                                 "FROM journal ORDER BY id")).all()
    store.close()
    prev = GENESIS_HASH
    for entry_id, at, agent_id, action, object_ref, detail, prev_hash, digest in rows:
        assert prev_hash == prev
        assert digest == hashlib.sha256(prev.encode() + _canonical(
            entry_id, datetime.fromisoformat(at), agent_id, action, object_ref, detail)).hexdigest()
        prev = digest
