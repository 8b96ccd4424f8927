"""Issue 12, findings 3 and 4: a restore says what it loses, is journaled, and cannot bring an
erased person back; pre-restore copies are thinned like backups."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.core import backup_service, erasure_ledger, journal, journal_guard, retention, rights
from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.bootstrap import create_app_store, open_app_store
from app.core.usagers import UsagerInput
from app.models.errors import StoreError
from app.models.tables import Usager
from app.store import backups
from app.store.engine import open_store, raw_connect
from tests.store.conftest import seed_site


def _visit(store, actor, when=datetime(2026, 10, 14, 10), **kw):
    with store.write() as session:
        return open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine("CAF")], thematique="social_sante", occurred_at=when, **kw),
            now=when + timedelta(hours=1))


def _person(store, actor, last_name, when=datetime(2026, 10, 14, 10)) -> tuple[int, str]:
    acc = _visit(store, actor, when, new_usager=UsagerInput(first_name="Zoé", last_name=last_name))
    with store.read() as session:
        return acc.usager_id, session.get(Usager, acc.usager_id).uuid


def _names(store) -> set[str]:
    with store.read() as session:
        return {u.last_name for u in session.exec(select(Usager)) if u.last_name}


def _actions(store) -> list[tuple[str, str]]:
    with store.read() as session:
        return [tuple(r) for r in session.execute(text("SELECT action, detail FROM journal ORDER BY id"))]


@pytest.fixture(params=["plain", "encrypted"])
def desk(request, tmp_path, secure_keyring):
    if request.param == "plain":
        store = open_app_store(tmp_path / "guichet.db")
    else:
        store, _code = create_app_store(tmp_path / "guichet.db", encrypted=True)
    return store, seed_site(store)


def test_the_restore_screen_data_counts_the_rows_lost_per_table(desk):
    store, people = desk
    _person(store, people["agent"], "Avant")
    backup = backups.create_backup(store, now=datetime(2026, 11, 2, 9, 0))
    for name in ("Apres", "Encore", "Toujours"):
        _person(store, people["agent"], name)
    preview = backup_service.preview_restore(store, people["supervisor"], backup.path)
    store.close()
    assert preview.backup.created == datetime(2026, 11, 2, 9, 0)
    assert preview.lost["usager"] == 3 and preview.lost["accompaniment"] == 3
    assert preview.lost["accompaniment_procedure"] == 3 and preview.lost["journal"] >= 3
    assert "structure" not in preview.lost and preview.total_lost == sum(preview.lost.values())


def test_a_restore_is_journaled_and_an_erased_person_stays_erased(desk):
    store, people = desk
    sup = people["supervisor"]
    erased_id, erased_uuid = _person(store, people["agent"], "Effacee")
    _person(store, people["agent"], "Gardee")
    backup = backups.create_backup(store, now=datetime(2026, 11, 2, 9, 0))
    rights.erase_usager(store, sup, erased_id)
    assert erasure_ledger.load(store.path)["erased"][0]["uuid"] == erased_uuid
    path = store.path
    aside = backup_service.restore(store, sup, backup.path, now=datetime(2026, 11, 3, 9, 0))
    assert aside.exists()
    again = open_store(path)  # not through start-up: the restore itself re-applied the ledger
    try:
        assert _names(again) == {"Gardee"}  # the backup held her; the ledger erased her again
        actions = _actions(again)
        restored = [d for a, d in actions if a == "backup_restored"]
        assert len(restored) == 1 and restored[0].startswith("sauvegarde du 2026-11-02 09:00 ; ")
        assert "journal " in restored[0] and "journal remplacé : jusqu'à l'entrée n°" in restored[0]
        assert actions[-1][0] == "usager_erased" and actions[-1][1].startswith("réappliqué")
        with again.read() as session:
            assert journal_guard.unseen_alerts(session, sup) == []  # a restore is not tampering
            assert journal_guard.check(session).ok
    finally:
        again.close()


def test_a_backup_copied_over_the_store_by_hand_is_caught_and_corrected_at_start_up(desk):
    store, people = desk
    erased_id, _uuid = _person(store, people["agent"], "Effacee")
    backup = backups.create_backup(store, now=datetime(2026, 11, 2, 9, 0))
    rights.erase_usager(store, people["supervisor"], erased_id)
    path = store.path
    store.close()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup.path, path)  # a careless administrator's restore
    again = open_app_store(path)
    try:
        assert "Effacee" not in _names(again)
        with again.read() as session:
            (alert,) = journal_guard.unseen_alerts(session, people["supervisor"])
        assert "remplacé par une copie plus ancienne" in alert.detail
    finally:
        again.close()


def test_a_lost_ledger_is_rebuilt_from_the_journal_at_start_up(store, site):
    erased_id, erased_uuid = _person(store, site["agent"], "Effacee")
    backup = backups.create_backup(store, now=datetime(2026, 11, 2, 9, 0))
    rights.erase_usager(store, site["supervisor"], erased_id)
    store.close()
    erasure_ledger.ledger_path(store.path).unlink()  # lost, or never written (disk full)
    open_app_store(store.path).close()
    assert [e["uuid"] for e in erasure_ledger.load(store.path)["erased"]] == [erased_uuid]
    again = open_store(store.path)
    backup_service.restore(again, site["supervisor"], backup.path)
    restored = open_store(store.path)
    try:
        assert "Effacee" not in _names(restored)
    finally:
        restored.close()


def test_a_file_from_before_a_retention_run_gets_the_run_again(store, site):
    sup = site["supervisor"]
    old_id, _uuid = _person(store, site["agent"], "Ancienne", when=datetime(2024, 1, 10, 10))
    backup = backups.create_backup(store, now=datetime(2026, 11, 2, 9, 0))
    retention.run_retention(store, sup, today=date(2026, 11, 23))
    assert erasure_ledger.load(store.path)["retention"]["cutoff"] == "2024-11-23"
    backup_service.restore(store, sup, backup.path, now=datetime(2026, 11, 24, 9, 0))
    again = open_app_store(store.path)
    try:
        with again.read() as session:
            assert session.get(Usager, old_id).anonymous
        runs = [d for a, d in _actions(again) if a == "retention_run"]
        assert runs[-1].startswith("réappliquée") and "avant le 2024-11-23 : 1 usagers" in runs[-1]
    finally:
        again.close()
    reopened = open_app_store(store.path)  # and only once: the ledger now names the new run
    try:
        assert len([a for a, _d in _actions(reopened) if a == "retention_run"]) == len(runs)
    finally:
        reopened.close()


def test_recovery_mode_restores_are_journaled_too(store, site):
    backup = backups.create_backup(store, now=datetime(2026, 11, 2, 9, 0))
    store.close()
    data = bytearray(store.path.read_bytes())
    start = 4096 * (len(data) // 4096 // 2)
    data[start:start + 4096] = bytes([0x5A]) * 4096
    store.path.write_bytes(bytes(data))
    backup_service.restore_at_startup(store.path, backup.path)
    again = open_app_store(store.path)
    try:
        (detail,) = [d for a, d in _actions(again) if a == "backup_restored"]
        assert detail == "sauvegarde du 2026-11-02 09:00 ; lignes perdues : inconnu (fichier endommagé)"
    finally:
        again.close()


def test_a_backup_whose_journal_was_cut_after_it_was_made_is_refused(store, site):
    with store.write() as session:
        for i in range(4):
            journal.record(session, site["agent"], "usager_viewed", f"usager:{i}")
    backup = backups.create_backup(store, now=datetime(2026, 11, 2, 9, 0))
    conn = raw_connect(backup.path)
    from app.models.security import journal_guard_ddl_v2

    for ddl in journal_guard_ddl_v2()[1]:
        conn.execute(ddl)
    conn.execute("DELETE FROM journal WHERE id > 2")
    conn.close()
    with pytest.raises(StoreError, match="modifiée depuis sa création"):
        backup_service.preview_restore(store, site["supervisor"], backup.path)
    with pytest.raises(StoreError, match="modifiée depuis sa création"):
        backup_service.restore(store, site["supervisor"], backup.path)
    with store.read() as session:  # refused before anything was touched
        assert journal.verify_chain(session).ok


def test_pre_restore_copies_are_thinned_like_backups(tmp_path):
    store_path = tmp_path / "guichet.db"
    now = datetime(2026, 11, 30, 12, 0)
    stamps = [now - timedelta(days=d, hours=h) for d in range(0, 400, 3) for h in (1, 5)]
    for stamp in stamps:
        aside = tmp_path / f"guichet.db{backups.ASIDE_MARK}{stamp:%Y%m%d-%H%M%S}"
        aside.write_bytes(b"x")
        (tmp_path / f"{aside.name}-wal").write_bytes(b"w")
    backups.rotate(store_path, now)
    kept = {a.created for a in backups.list_asides(store_path)}
    assert kept == backups.thin(stamps, now)
    assert len(kept) < len(stamps)
    wals = {p.name[:-4] for p in tmp_path.glob("*-wal")}
    assert wals == {a.path.name for a in backups.list_asides(store_path)}  # no orphan -wal left


def test_the_erase_warning_says_how_long_backups_keep_the_data(store, site):
    from app.ui.journal_view import erase_warning

    assert "Aucune sauvegarde" in erase_warning(store.path)
    backups.create_backup(store, now=datetime(2026, 11, 2, 9, 0))
    oldest, months = backup_service.erasure_horizon(store.path)
    assert oldest == datetime(2026, 11, 2, 9, 0) and months == 12
    warning = erase_warning(store.path)
    assert "définitivement" not in warning
    assert "12 mois" in warning and "l'effacement est refait automatiquement" in warning


def test_the_ledger_forgets_an_erasure_once_no_copy_can_hold_it(tmp_path):
    path = tmp_path / "guichet.db"
    erasure_ledger.note_erasure(path, "a" * 32, now=datetime(2025, 1, 1))
    erasure_ledger.note_erasure(path, "b" * 32, now=datetime(2026, 11, 1))
    erasure_ledger.note_erasure(path, "b" * 32, now=datetime(2026, 11, 2))  # noted once
    assert erasure_ledger.prune(path, now=datetime(2026, 11, 30)) == 1
    assert [e["uuid"] for e in erasure_ledger.load(path)["erased"]] == ["b" * 32]
