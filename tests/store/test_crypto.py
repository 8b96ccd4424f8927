"""Encryption at rest: key in the keyring, fail closed, wrong key, recovery code."""

from __future__ import annotations

import os

import pytest

from app.core.bootstrap import create_app_store, open_app_store
from app.models.errors import StoreError, ValidationError
from app.store import crypto
from app.store.engine import open_store
from tests.store.conftest import seed_site


def test_store_created_by_setup_is_encrypted_and_reopens_from_keyring(enc_store, secure_keyring):
    seed_site(enc_store)
    path = enc_store.path
    enc_store.close()
    assert crypto.file_kind(path) == "encrypted"
    assert path.read_bytes()[:16] != crypto.SQLITE_HEADER
    keys = {k: v for k, v in secure_keyring.items.items() if k[1].startswith("store-key:")}
    assert len(keys) == 1  # one key, 64 hex digits; the other entry is the journal's pinned head
    assert {k[1].split(":")[0] for k in secure_keyring.items} == {"store-key", "journal-head"}
    (value,) = keys.values()
    assert len(bytes.fromhex(value)) == 32
    assert value not in crypto.keyfile_path(path).read_text()  # key file holds only the wrapped key
    again = open_app_store(path)
    assert again.encrypted and again.quick_check() == "ok"
    again.close()


def test_connection_pragmas_hold_on_encrypted_store(enc_store):
    with enc_store.engine.connect() as conn:
        get = lambda p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()  # noqa: E731
        assert get("journal_mode") == "wal"
        assert get("synchronous") == 2
        assert get("foreign_keys") == 1
        assert get("secure_delete") == 1
        assert get("temp_store") == 2
        assert conn.exec_driver_sql("PRAGMA cipher_version").scalar().startswith("4.")


def test_wrong_key_is_a_clean_store_error(enc_store):
    path = enc_store.path
    enc_store.close()
    with pytest.raises(crypto.StoreKeyError) as err:
        open_store(path, key=os.urandom(32))
    assert err.value.reason == "wrong_key"
    assert "clé ne correspond pas" in err.value.message


def test_no_secure_keyring_fails_closed_with_french_message(tmp_path, secure_keyring, no_keyring):
    path = tmp_path / "guichet.db"
    with pytest.raises(StoreError) as err:
        create_app_store(path)
    assert "trousseau sécurisé" in err.value.message
    assert not path.exists() and not crypto.keyfile_path(path).exists()  # nothing half-made


def test_existing_encrypted_store_refuses_to_open_without_keyring(tmp_path, secure_keyring, monkeypatch):
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    store, _code = create_app_store(tmp_path / "guichet.db")
    store.close()
    keyring.set_keyring(FailKeyring())
    # Where a site passphrase is allowed (the default), the recovery code and a passphrase are offered.
    with pytest.raises(crypto.StoreKeyError) as err:
        open_app_store(store.path)
    assert err.value.reason == "missing_entry"
    assert "code de récupération" in err.value.message and "phrase de passe" in err.value.message
    monkeypatch.setenv("GUICHET_STORE_PROTECTION", "keyring")  # keyring only: the plain refusal
    with pytest.raises(crypto.StoreKeyError) as err:
        open_app_store(store.path)
    assert err.value.reason == "no_keyring"
    assert "n'enregistre jamais un secret en clair" in err.value.message


def test_lost_keyring_entry_is_restored_with_the_recovery_code(enc_store, secure_keyring):
    seed_site(enc_store)
    path, code = enc_store.path, enc_store.recovery_code
    enc_store.close()
    secure_keyring.items.clear()  # new Windows profile
    with pytest.raises(crypto.StoreKeyError) as err:
        open_store(path)
    assert err.value.reason == "missing_entry"
    with pytest.raises(ValidationError) as bad:
        crypto.recover_store_key(path, crypto.new_recovery_code())
    assert bad.value.field == "recovery_code"
    with pytest.raises(ValidationError):
        crypto.recover_store_key(path, "pas un code")
    typed = code.lower().replace("-", " ").replace("o", "0")  # sloppy typing still works
    crypto.recover_store_key(path, typed)
    store = open_store(path)
    assert store.quick_check() == "ok"
    store.close()


def test_key_file_copy_in_backups_folder_allows_recovery(enc_store, secure_keyring):
    from app.store import backups

    backups.create_backup(enc_store)
    path, code = enc_store.path, enc_store.recovery_code
    enc_store.close()
    crypto.keyfile_path(path).unlink()
    secure_keyring.items.clear()
    with pytest.raises(crypto.StoreKeyError):
        open_store(path)
    crypto.recover_store_key(path, code)
    assert crypto.keyfile_path(path).exists()
    open_store(path).close()


def test_plain_store_stays_plain_by_default_and_flags_are_enforced(tmp_path, secure_keyring, enc_store):
    plain = open_app_store(tmp_path / "demo.db")
    assert not plain.encrypted
    plain.close()
    assert crypto.file_kind(plain.path) == "plain"
    with pytest.raises(StoreError, match="n'est pas chiffré"):
        open_store(plain.path, encrypted=True)
    with pytest.raises(StoreError, match="est chiffré"):
        open_store(enc_store.path, encrypted=False)


def test_garbage_file_without_key_file_is_refused_plainly(tmp_path):
    path = tmp_path / "guichet.db"
    path.write_bytes(b"PK\x03\x04 not a database at all" * 50)
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert "chiffré (ou endommagé)" in err.value.message


def test_setup_refuses_to_overwrite_an_existing_store(enc_store):
    with pytest.raises(StoreError, match="existe déjà"):
        crypto.provision_store_key(enc_store.path)


def test_recovery_code_format():
    code = crypto.new_recovery_code()
    groups = code.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert crypto.normalise_recovery_code(code.lower()) == code.replace("-", "")
    for bad in ("", "ABCD", code + "A", code.replace(code[0], "é", 1), "９" * 32):
        with pytest.raises(ValidationError):
            crypto.normalise_recovery_code(bad)


def test_encrypted_creation_without_setup_says_to_use_the_wizard(tmp_path, secure_keyring):
    with pytest.raises(crypto.StoreKeyError, match="assistant de configuration"):
        open_store(tmp_path / "nouveau.db", encrypted=True)
    assert not (tmp_path / "nouveau.db").exists()
