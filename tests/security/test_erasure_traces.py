"""Issue 12, finding 3: after retention runs and erasures, the name is in no table, no FTS shadow
table, no page of the file, no WAL frame (decrypted, for an encrypted store) and no log line."""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from app.core import erasure_ledger, retention, rights, usagers_contact
from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.bootstrap import create_app_store, open_app_store
from app.core.usagers import UsagerInput
from app.models.tables import Usager
from app.store import search_index
from tests.security.sqlcipher_pages import plaintext
from tests.store.conftest import seed_site

CANARY = "Zzqxcanaryzz"
NOTE = "Rappeler Xyzzycanarynote pour la CAF"


def _needles() -> list[bytes]:
    out = []
    for word in (CANARY, "Xyzzycanarynote", "698765432"):
        for variant in (word, word.lower()):
            out += [variant.encode("utf-8"), variant.encode("utf-16-le")]
    return out


def _visit(store, actor, when: datetime, **kw):
    with store.write() as session:
        return open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine("CAF", precision=kw.pop("precision", ""))], thematique="social_sante",
            occurred_at=when, **kw), now=when + timedelta(hours=1))


@pytest.fixture(params=["plain", "encrypted"])
def desk(request, tmp_path, secure_keyring):
    if request.param == "plain":
        store = open_app_store(tmp_path / "guichet.db")
    else:
        store, _code = create_app_store(tmp_path / "guichet.db", encrypted=True)
    people = seed_site(store)
    yield store, people
    store.close()


def _rows_holding(session, needles: list[bytes]) -> list[str]:
    """Every table, FTS shadow tables included (accompaniment_fts_data, _content, _idx…)."""
    found = []
    tables = [r[0] for r in session.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND sql NOT LIKE 'CREATE VIRTUAL%'"))]
    for table in tables:
        for row in session.execute(text(f'SELECT * FROM "{table}"')):
            for value in row:
                raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
                if any(n in raw for n in needles):
                    found.append(table)
    return sorted(set(found))


def _on_disk(store) -> dict[str, list[bytes]]:
    hits = {}
    for where, blob in plaintext(store.path, store.cipher_key).items():
        present = [n for n in _needles() if n in blob]
        if present:
            hits[where] = present
    return hits


def test_after_two_retention_runs_a_month_apart_the_name_is_nowhere(desk, caplog):
    store, people = desk
    agent, sup = people["agent"], people["supervisor"]
    caplog.set_level(logging.DEBUG)
    older = _visit(store, agent, datetime(2024, 9, 10, 10), note=NOTE, precision=f"dossier {CANARY}",
                   new_usager=UsagerInput(first_name="Zoé", last_name=CANARY, phone="0698765432"))
    newer = _visit(store, agent, datetime(2024, 10, 20, 10), usager_id=older.usager_id)
    _visit(store, agent, datetime(2026, 10, 15, 10), new_usager=UsagerInput(first_name="Jean", last_name="Autre"))
    assert _on_disk(store), "the canary must be on disk first, or this test proves nothing"

    retention.run_retention(store, sup, today=date(2026, 10, 1))  # the older case is stripped and
    with store.read() as session:                                  # re-indexed, the name still in it:
        assert set(search_index.search_accompaniment_ids(session, CANARY)) == {older.id, newer.id}  # right then

    retention.run_retention(store, sup, today=date(2026, 11, 1))  # now the usager goes anonymous
    with store.read() as session:
        assert session.get(Usager, older.usager_id).anonymous
        assert search_index.search_accompaniment_ids(session, CANARY) == []
        assert search_index.search_usager_ids(session, CANARY) == []
        assert _rows_holding(session, _needles()) == []
    assert _on_disk(store) == {}
    assert (store.path.with_name(store.path.name + "-wal")).stat().st_size == 0
    assert CANARY.lower() not in caplog.text.lower()


def test_erasure_leaves_the_name_in_no_page_of_an_encrypted_store(tmp_path, secure_keyring):
    store, _code = create_app_store(tmp_path / "guichet.db", encrypted=True)
    people = seed_site(store)
    try:
        acc = _visit(store, people["agent"], datetime(2026, 10, 14, 10), note=NOTE, precision=f"dossier {CANARY}",
                     new_usager=UsagerInput(first_name="Zoé", last_name=CANARY, phone="0698765432"))
        assert _on_disk(store)
        store.path.read_bytes()  # encrypted on disk: a plain grep would prove nothing
        assert not any(n in store.path.read_bytes() for n in _needles())
        rights.erase_usager(store, people["supervisor"], acc.usager_id)
        assert _on_disk(store) == {}
        with store.read() as session:
            assert _rows_holding(session, _needles()) == []
    finally:
        store.close()


def test_a_visit_date_moved_forward_keeps_the_usager_identified(store, site):
    acc = _visit(store, site["agent"], datetime(2024, 9, 1, 10),
                 new_usager=UsagerInput(first_name="Paul", last_name="Recentname"))
    with store.write() as session:  # an edit that forgets the cached last contact
        session.execute(text("UPDATE accompaniment SET occurred_at = '2026-09-01 10:00:00.000000' WHERE id = :i"),
                        {"i": acc.id})
    with store.read() as session:
        assert session.get(Usager, acc.usager_id).last_contact_on == date(2024, 9, 1)
        assert retention.due(session, site["supervisor"], today=date(2026, 11, 23)).usagers == 0
    retention.run_retention(store, site["supervisor"], today=date(2026, 11, 23))
    with store.read() as session:
        usager = session.get(Usager, acc.usager_id)
        assert not usager.anonymous and usager.last_name == "Recentname"
        assert usager.last_contact_on == date(2026, 9, 1)


def test_refresh_last_contact_follows_the_visit_dates_both_ways(store, site):
    acc = _visit(store, site["agent"], datetime(2026, 3, 1, 10),
                 new_usager=UsagerInput(first_name="Ana", last_name="Dates"))
    for stamp, expected in (("2026-06-02 09:00:00.000000", date(2026, 6, 2)),
                            ("2025-01-05 09:00:00.000000", date(2025, 1, 5))):
        with store.write() as session:
            session.execute(text("UPDATE accompaniment SET occurred_at = :t WHERE id = :i"), {"t": stamp, "i": acc.id})
            assert usagers_contact.refresh_last_contact(session, acc.usager_id) == expected
    with store.write() as session:
        assert usagers_contact.refresh_last_contact(session, None) is None
        assert usagers_contact.refresh_all(session) == 0  # already in step


def _canary(store, actor) -> int:
    return _visit(store, actor, datetime(2026, 10, 14, 10), note=NOTE, precision=f"dossier {CANARY}",
                  new_usager=UsagerInput(first_name="Zoé", last_name=CANARY, phone="0698765432")).usager_id


def _reader(path):
    reader = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM usager").fetchone()  # holds a snapshot from before the erasure
    return reader


def test_an_erasure_blocked_by_a_reader_fails_loudly_and_is_finished_at_the_next_start(store, site):
    usager_id = _canary(store, site["agent"])
    reader = _reader(store.path)
    with pytest.raises(rights.WalBusy) as err:
        rights.erase_usager(store, site["supervisor"], usager_id)
    assert "prochain démarrage" in err.value.message
    with store.read() as session:
        assert session.get(Usager, usager_id) is None  # the erasure itself is saved
    assert erasure_ledger.load(store.path)["wal_pending"]
    assert _on_disk(store), "old pages are still on disk while the reader holds them"
    reader.close()
    store.close()
    again = open_app_store(store.path)
    try:
        assert not erasure_ledger.load(store.path)["wal_pending"]
        assert _on_disk(again) == {}
    finally:
        again.close()


def test_a_reader_that_lets_go_during_the_retries_lets_the_erasure_finish(store, site):
    usager_id = _canary(store, site["agent"])
    reader = _reader(store.path)
    threading.Timer(0.3, reader.close).start()
    rights.erase_usager(store, site["supervisor"], usager_id)
    assert _on_disk(store) == {}
    assert not erasure_ledger.load(store.path)["wal_pending"]
