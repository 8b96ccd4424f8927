"""Issue 12, finding 6: a plain file swapped in beside the key file, and a damaged file, are
refused before Guichet writes anything into them."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from app.core.backup_service import diagnose
from app.core.bootstrap import open_app_store
from app.models.errors import StoreError
from app.store import backups, crypto
from app.store.engine import open_store
from tests.store.conftest import seed_site


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_plain_file_in_place_of_the_encrypted_store_is_refused_with_a_clear_message(enc_store, tmp_path):
    seed_site(enc_store)
    good = backups.create_backup(enc_store)
    path = enc_store.path
    enc_store.close()
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    impostor = open_app_store(tmp_path / "impostor.db")  # a valid Guichet store, in clear
    seed_site(impostor)
    impostor.close()
    (tmp_path / "impostor.db").replace(path)
    assert crypto.keyfile_path(path).exists()
    before = _digest(path)
    with pytest.raises(StoreError) as err:
        open_app_store(path)
    assert "n'est pas chiffré" in err.value.message and "a pris la place" in err.value.message
    assert _digest(path) == before
    crypto.keyfile_path(path).rename(path.with_name("ailleurs.cle"))  # removing the key file is not enough:
    with pytest.raises(StoreError, match="a pris la place"):          # its copy is in the backups folder
        open_app_store(path)
    path.with_name("ailleurs.cle").rename(crypto.keyfile_path(path))
    # At start-up this sends the supervisor to recovery mode, which offers the last good backup.
    diagnosis = diagnose(path)
    assert diagnosis.kind == "corrupt" and "a pris la place" in diagnosis.message
    assert diagnosis.latest_good.path == good.path


def test_a_plain_demo_store_without_a_key_file_still_opens(tmp_path):
    store = open_app_store(tmp_path / "demo.db")
    store.close()
    open_app_store(tmp_path / "demo.db").close()


def _flip_one_byte_in_a_middle_page(path, page_size=4096) -> None:
    data = bytearray(path.read_bytes())
    middle = page_size * (len(data) // page_size // 2) + 100
    data[middle] ^= 0x01
    path.write_bytes(bytes(data))


def _fold_wal(store) -> None:
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def test_a_byte_flipped_in_an_encrypted_store_is_caught_before_any_write(enc_store):
    seed_site(enc_store)
    _fold_wal(enc_store)
    path = enc_store.path
    enc_store.close()
    _flip_one_byte_in_a_middle_page(path)
    before = _digest(path)
    with pytest.raises(StoreError) as err:
        open_app_store(path)
    assert "endommagé" in err.value.message
    assert _digest(path) == before  # no migration, no reference data, no journal entry written
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_damaged_page_in_a_plain_store_is_caught_before_any_write(store, site):
    _fold_wal(store)
    path = store.path
    store.close()
    data = bytearray(path.read_bytes())
    start = 4096 * (len(data) // 4096 // 2)
    data[start:start + 4096] = bytes([0x5A]) * 4096
    path.write_bytes(bytes(data))
    before = _digest(path)
    with pytest.raises(StoreError):
        open_app_store(path)
    assert _digest(path) == before
    conn = sqlite3.connect(path)
    try:  # it really is damaged: SQLite either complains or refuses to read
        assert conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok"
    except sqlite3.DatabaseError:
        pass
    finally:
        conn.close()


def test_quick_check_is_skipped_for_a_new_file_and_read_only_opening(tmp_path):
    path = tmp_path / "new.db"
    store = open_store(path, check=True)  # nothing to check yet
    store.close()
    open_store(path, read_only=True, check=True).close()
