"""Disk full and read-only store (reliability D4): a clear French StoreError, no crash, no partial
record, integrity intact, and writing works again once the cause is gone."""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlmodel import func, select

from app.core.bootstrap import create_app_store
from app.core.usagers import UsagerInput, create_usager
from app.models.errors import StoreError
from app.models.tables import Usager
from app.store.engine import open_store
from tests.store.conftest import seed_site


def _usagers(store) -> int:
    with store.read() as session:
        return session.exec(select(func.count()).select_from(Usager)).one()


def _write_batch(store, actor, n=40, name="Lot"):
    with store.write() as session:
        for i in range(n):
            create_usager(session, actor, UsagerInput(first_name="Jean", last_name=name + chr(97 + i % 26),
                                                      email=f"{'x' * 50}{i}@example.org"))


def _integrity(store) -> str:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA integrity_check").scalar()


def _on_every_connection(store, sql: str) -> None:
    """Apply a per-connection pragma to pooled connections and to those opened later."""
    event.listen(store.engine, "checkout", lambda dbapi_conn, rec, proxy: dbapi_conn.execute(sql))


def test_disk_full_rolls_back_whole_transaction_then_recovers(enc_store):
    actor = seed_site(enc_store)["agent"]
    before = _usagers(enc_store)
    with enc_store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    enc_store.engine.dispose()
    limit = {"pages": pages}
    event.listen(enc_store.engine, "checkout", lambda c, r, p: c.execute(f"PRAGMA max_page_count={limit['pages']}"))
    with pytest.raises(StoreError) as err:
        _write_batch(enc_store, actor, n=200)
    assert err.value.message.startswith("Le disque est plein : l'enregistrement n'a pas été fait.")
    assert _usagers(enc_store) == before  # not one of the 200
    assert _integrity(enc_store) == "ok"
    limit["pages"] = 10**6  # space freed
    _write_batch(enc_store, actor, n=200)
    assert _usagers(enc_store) == before + 200


def test_read_only_connection_refuses_cleanly(enc_store):
    actor = seed_site(enc_store)["agent"]
    before = _usagers(enc_store)
    enc_store.engine.dispose()
    _on_every_connection(enc_store, "PRAGMA query_only=ON")
    with pytest.raises(StoreError, match="lecture seule : l'enregistrement n'a pas été fait"):
        _write_batch(enc_store, actor)
    assert _usagers(enc_store) == before


def test_store_opened_read_only_refuses_writes(enc_store):
    seed_site(enc_store)
    path = enc_store.path
    enc_store.close()
    ro = open_store(path, read_only=True)
    with pytest.raises(StoreError, match="lecture seule"):
        with ro.write():
            pass
    assert ro.quick_check() == "ok"
    ro.close()


@contextmanager
def _small_filesystem(folder, size="3m"):
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_real_full_filesystem_and_read_only_remount(tmp_path, secure_keyring):
    with _small_filesystem(tmp_path / "petit") as folder:
        store, _code = create_app_store(folder / "guichet.db", encrypted=True)
        try:
            actor = seed_site(store)["agent"]
            before = _usagers(store)
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            (folder / "remplissage").write_bytes(b"\0" * (free - 8192))
            with pytest.raises(StoreError, match="Le disque est plein|Erreur du disque"):
                _write_batch(store, actor, n=300)
            assert _usagers(store) == before and _integrity(store) == "ok"
            (folder / "remplissage").unlink()
            _write_batch(store, actor, n=10)
            assert _usagers(store) == before + 10

            store.close()
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
            with pytest.raises(StoreError) as err:  # opening on a read-only disk: a sentence, not a trace
                open_store(folder / "guichet.db")
            assert "lecture seule" in err.value.message
            store = open_store(folder / "guichet.db", read_only=True)  # consultation still works
            assert _usagers(store) == before + 10
            with pytest.raises(StoreError, match="lecture seule"):
                _write_batch(store, actor, n=1)
            store.close()
            subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True)
            store = open_store(folder / "guichet.db")
            assert _usagers(store) == before + 10 and _integrity(store) == "ok"
        finally:
            store.close()
