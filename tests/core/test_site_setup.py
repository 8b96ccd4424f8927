"""`guichet site init` and `guichet site import` on the test cluster (tests/pg.py)."""

from __future__ import annotations

import hashlib
import io
import hmac
from datetime import date

import pytest
from sqlalchemy import text

from app.cli import main
from app.core import auth, demo, journal, site_import
from app.core.bootstrap import open_app_store
from app.store import crypto
from tests.pg import open_site

pytestmark = pytest.mark.postgresql
TODAY = date(2026, 10, 14)


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory):
    """The demo store, with a few journal entries (the demo builder journals nothing)."""
    path = demo.build_demo_store(tmp_path_factory.mktemp("demo") / "demo.db", today=TODAY)
    store = open_app_store(path)
    with store.write() as session:
        for action in ("login", "usager_viewed", "lock", "unlock"):
            journal.record(session, 1, action, "usager:" + "a" * 32 if action == "usager_viewed" else "")
    store.close()
    return path


def _counts(store):
    with store.read() as session:
        return site_import.counts(session)


def test_site_init_prepares_roles_schema_and_a_first_administrator(pg_cluster, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("Correct-cheval-9-batterie\n"))  # a script pipes it
    args = ["site", "init", "--admin", pg_cluster.url(), "--base", "site_init", "--structure-matricule", "100001",
            "--structure-nom", "France services de Testville", "--admin-login", "chef"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "rôle des postes « site_init_app »" in out and 'guichet --db "postgresql+psycopg://site_init_app@' in out
    assert "Mot de passe du rôle site_init_app (affiché une seule fois" in out
    store = open_site(pg_cluster.url("site_init", user="site_init_app"), tmp_path)
    try:
        with store.read() as session:
            [(agent_id, role)] = session.execute(text("SELECT id, role FROM agent WHERE login = 'chef'")).all()
            assert role == "administrateur" and journal.verify_chain(session).ok
            owner = session.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'journal'")).scalar()
            assert owner == "site_init_proprietaire"
        assert auth.login(store, agent_id, "Correct-cheval-9-batterie").role == "administrateur"
    finally:
        store.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("Correct-cheval-9-batterie\n"))
    assert main(args) == 0  # again: idempotent, no second structure, the desks' password kept
    out = capsys.readouterr().out
    assert "aucun administrateur n'est créé" in out and "son mot de passe n'a pas changé" in out


def test_site_import_of_the_demo_store_keeps_every_count_id_and_the_journal(pg_cluster, demo_source, tmp_path, capsys):
    source = open_app_store(demo_source)
    before = _counts(source)
    with source.read() as session:
        settings = session.execute(text("SELECT key, value FROM setting ORDER BY key")).all()
        ids = session.execute(text("SELECT id, uuid FROM accompaniment ORDER BY id")).all()
        source_journal = session.execute(text("SELECT id, at, agent_id, action, object_ref, detail, prev_hash, hash "
                                              "FROM journal ORDER BY id")).all()
        hits = sorted(session.execute(text("SELECT rowid FROM accompaniment_fts WHERE accompaniment_fts "
                                           "MATCH '\"dup\"*'")).scalars())
    source.close()
    assert main(["site", "init", "--admin", pg_cluster.url(), "--base", "site_demo", "--depuis", str(demo_source)]) == 0
    assert f"Importé : {before['accompaniment']} accompagnements" in capsys.readouterr().out
    url = pg_cluster.url("site_demo", user="site_demo_app")
    site = open_site(url, tmp_path)
    try:
        assert _counts(site) == before
        with site.read() as session:
            assert session.execute(text("SELECT id, uuid FROM accompaniment ORDER BY id")).all() == ids
            # the desk's settings (its national device id among them) become the site's
            assert session.execute(text("SELECT key, value FROM setting ORDER BY key")).all() == settings
            assert journal.verify_chain(session).ok
            [entry] = session.execute(text("SELECT object_ref, detail FROM journal WHERE action = 'site_imported'")).all()
            assert entry[0].startswith("import:") and f"{len(source_journal)} entrées du journal de demo.db" in entry[1]
            assert "chaîne vérifiée" in entry[1]
            copied = session.execute(text("SELECT id, at, agent_id, action, object_ref, detail, prev_hash, hash "
                                          "FROM journal_import ORDER BY id")).all()
            from app.store import search_index

            assert sorted(search_index.search_accompaniment_ids(session, "dup", limit=100000)) == hits
        assert [(r[0], str(r[1]), *r[2:]) for r in copied] == [tuple(r) for r in source_journal]
        prev = copied[0].prev_hash  # the imported chain still verifies with its own (plain) key
        for row in copied:
            assert row.prev_hash == prev
            assert hmac.compare_digest(journal.compute_hash(crypto.PLAIN_JOURNAL_KEY, prev, row.id, row.at,
                                                            row.agent_id, row.action, row.object_ref, row.detail),
                                       row.hash)
            prev = row.hash
        # a new visit gets the next id, not an imported one
        with site.write() as session:
            next_id = session.execute(text("SELECT nextval(pg_get_serial_sequence('accompaniment', 'id'))")).scalar()
        assert next_id == ids[-1][0] + 1
    finally:
        site.close()
    # run again: nothing is done twice
    assert main(["site", "import", "--depuis", str(demo_source), "--db", url]) == 0
    assert "déjà importé" in capsys.readouterr().out
    site = open_site(url, tmp_path)
    try:
        assert _counts(site) == before
        with site.read() as session:
            assert session.execute(text("SELECT count(*) FROM journal WHERE action = 'site_imported'")).scalar() == 1
    finally:
        site.close()


def test_an_import_into_a_site_that_already_has_cases_is_refused(pg_url, demo_source, tmp_path, site_with_a_structure):
    from app.models.errors import StoreError

    with pytest.raises(StoreError, match="déjà des structures"):
        site_import.import_store(site_with_a_structure, demo_source)


@pytest.fixture
def site_with_a_structure(pg_url, tmp_path):
    from app.core import structures

    store = open_site(pg_url, tmp_path)
    with store.write() as session:
        structures.create_structure(session, "100001", "France services de Testville")
    yield store
    store.close()


def test_source_ids_differ_between_files_and_stay_for_one(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert site_import.source_id(a) == site_import.source_id(a) != site_import.source_id(b)
    assert len(site_import.source_id(a)) <= 40 and hashlib  # noqa
