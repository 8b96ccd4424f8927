"""Issue 12, finding 9: no keyring, still Guichet. On this Linux (keyring's fail backend, selected
explicitly), a store protected by a site passphrase: first run, restart, wrong passphrase, throttle,
recovery code with a new passphrase, token and journal pin sealed in the vault, tampering refused."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from app.core import auth, journal, journal_guard, passphrase, setup
from app.core.bootstrap import create_app_store, open_app_store
from app.models.errors import StoreError, ValidationError
from app.store import crypto, secrets, vault
from app.sync import settings as sync_settings

PHRASE = "cheval agrafe batterie correcte"
NEW_PHRASE = "soupe tiède au potiron du mardi"
TOKEN = "jeton-Zq7canary-service-national"
ADMIN_PASSWORD = "Motdepasse-Guichet-2026"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _grep(folder: Path, needles) -> list[str]:
    hits = []
    for name, data in _files(folder).items():
        for needle in needles:
            raw = needle if isinstance(needle, bytes) else None
            forms = [raw] if raw else [needle.encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be")]
            hits += [f"{name}: {needle!r}" for form in forms if form in data]
    return hits


def _restart():
    """A new process: nothing unlocked, no throttle count."""
    secrets.close_vault()
    passphrase.reset_throttle()


@pytest.fixture
def first_run(tmp_path, passphrase_mode, monkeypatch):
    """The first run as the app does it: store created with the passphrase, set-up with a token."""
    monkeypatch.setattr(auth, "HASH_PARAMETERS", __import__("argon2").profiles.CHEAPEST)
    path = tmp_path / "data" / "guichet.db"
    assert crypto.uses_passphrase(path)  # fail backend: passphrase mode is offered
    store, code = create_app_store(path, passphrase=PHRASE)
    answers = setup.SetupAnswers(matricule="100001", name="France services de Testville", login="admin",
                                 display_name="Admin", password=ADMIN_PASSWORD,
                                 service_url="https://suivi.example.org", token=TOKEN)
    result = setup.apply_setup(store, answers, save_token=sync_settings.save_token)
    assert result.token_saved
    store.close()
    _restart()
    return path, code


def test_first_run_creates_an_encrypted_store_a_recovery_file_and_a_passphrase_file(first_run):
    path, code = first_run
    assert crypto.file_kind(path) == "encrypted"
    data = json.loads(vault.vault_path(path).read_text("utf-8"))
    assert data["kdf"]["name"] == "argon2id" and data["cipher"] == "AES-256-GCM"
    assert set(data["secrets"]) >= {"sync_token"}
    assert json.loads(crypto.keyfile_path(path).read_text("utf-8"))["store_id"] == data["store_id"]
    assert vault.vault_path(path).stat().st_mode & 0o777 == 0o600
    crypto.normalise_recovery_code(code)


def test_restart_asks_the_passphrase_then_opens(first_run):
    path, _code = first_run
    assert passphrase.needs_passphrase(path)
    with pytest.raises(crypto.StoreKeyError) as refused:
        open_app_store(path)
    assert refused.value.reason == "passphrase_needed" and "phrase de passe du site" in refused.value.message
    passphrase.unlock(path, PHRASE)
    assert not passphrase.needs_passphrase(path)
    store = open_app_store(path)
    try:
        grant = auth.login(store, 1, ADMIN_PASSWORD)
        assert grant.display_name == "Admin"
    finally:
        store.close()
    assert sync_settings.load_token() == TOKEN  # the token comes back from the vault
    assert secrets.status()[0] and secrets.mode() == "passphrase"


def test_wrong_passphrase_is_refused_and_nothing_is_written(first_run):
    path, _code = first_run
    before = _files(path.parent)
    with pytest.raises(ValidationError) as wrong:
        passphrase.unlock(path, "pas la bonne phrase du tout")
    assert wrong.value.field == "passphrase" and wrong.value.message == "Phrase de passe incorrecte."
    assert secrets.active_vault() is None and passphrase.needs_passphrase(path)
    with pytest.raises(crypto.StoreKeyError):
        open_app_store(path)  # the store is not opened
    assert _files(path.parent) == before  # byte for byte: no file written, none created


def test_wrong_passphrases_are_throttled_like_the_login(first_run, monkeypatch):
    path, _code = first_run
    clock = {"t": 1000.0}
    monkeypatch.setattr(auth, "monotonic", lambda: clock["t"])
    for _ in range(auth.FREE_FAILURES - 1):
        with pytest.raises(ValidationError, match="^Phrase de passe incorrecte.$"):
            passphrase.unlock(path, "pas la bonne phrase du tout")
    with pytest.raises(ValidationError) as locked:
        passphrase.unlock(path, "pas la bonne phrase du tout")
    assert "réessayez dans 30 s" in locked.value.message
    clock["t"] += 10
    with pytest.raises(ValidationError) as during:  # even the right one waits: refused unchecked
        passphrase.unlock(path, PHRASE)
    assert "réessayez dans 20 s" in during.value.message and secrets.active_vault() is None
    clock["t"] += 21
    passphrase.unlock(path, PHRASE)  # the lock-out ended on the monotonic clock
    assert not passphrase.needs_passphrase(path)


def test_recovery_code_opens_and_sets_a_new_passphrase_keeping_token_and_pin(first_run):
    path, code = first_run
    passphrase.unlock(path, PHRASE)
    store = open_app_store(path)
    store.close()
    _restart()
    with pytest.raises(ValidationError) as weak:  # policy first: nothing is unwrapped or written
        passphrase.recover(path, code, "court")
    assert weak.value.field == "passphrase" and "16 caractères" in weak.value.message
    with pytest.raises(ValidationError) as differ:
        passphrase.recover(path, code, NEW_PHRASE, "autre chose encore plus long")
    assert differ.value.field == "confirm"
    with pytest.raises(ValidationError) as bad_code:
        passphrase.recover(path, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", NEW_PHRASE)
    assert bad_code.value.field == "recovery_code"
    passphrase.recover(path, code.lower().replace("-", " "), NEW_PHRASE, NEW_PHRASE)
    store = open_app_store(path)  # opened straight away with the recovered key
    store.close()
    assert sync_settings.load_token() == TOKEN
    _restart()
    with pytest.raises(ValidationError):
        passphrase.unlock(path, PHRASE)  # the old passphrase no longer opens
    passphrase.unlock(path, NEW_PHRASE)
    store = open_app_store(path)
    try:
        with store.read() as session:
            pins = journal_guard.read_pins(path, journal.chain_key(session))
        assert {p.source for p in pins} == {"fichier", "coffre de la phrase de passe"}
    finally:
        store.close()


def test_change_with_the_current_passphrase(first_run):
    path, _code = first_run
    with pytest.raises(ValidationError):
        passphrase.change(path, "pas la bonne phrase du tout", NEW_PHRASE, NEW_PHRASE)
    passphrase.change(path, PHRASE, NEW_PHRASE, NEW_PHRASE)
    _restart()
    passphrase.unlock(path, NEW_PHRASE)
    assert sync_settings.load_token() == TOKEN


def test_token_passphrase_and_key_never_plain_on_disk(first_run):
    path, _code = first_run
    passphrase.unlock(path, PHRASE)
    store = open_app_store(path)
    key = store.cipher_key
    from app.core import backup_service

    backup_service.backups.create_backup(store)
    store.close()
    assert (path.parent / "sauvegardes").is_dir()
    assert not (path.parent / "sauvegardes" / vault.vault_path(path).name).exists()  # passphrase wrap stays home
    needles = [TOKEN, TOKEN[6:20], PHRASE, key, key.hex().encode(), key.hex().upper().encode(),
               base64.b64encode(key)]
    assert _grep(path.parent, needles) == []
    assert _grep(path.parent, [b"sync_token"])  # the grep works: the entry's name is there, not its value


def test_tampered_wrapped_key_is_refused_with_a_clear_message(first_run):
    path, _code = first_run
    target = vault.vault_path(path)
    data = json.loads(target.read_text("utf-8"))
    wrapped = bytearray(base64.b64decode(data["wrapped_key"]))
    wrapped[5] ^= 0x01
    data["wrapped_key"] = base64.b64encode(bytes(wrapped)).decode()
    target.write_text(json.dumps(data), "utf-8")
    with pytest.raises(vault.VaultError) as refused:
        passphrase.unlock(path, PHRASE)  # right passphrase: the file itself was changed
    assert refused.value.reason == "damaged"
    assert "« guichet.db.coffre » a été modifié ou est endommagé" in refused.value.message
    assert "code de récupération" in refused.value.message
    assert secrets.active_vault() is None


@pytest.mark.parametrize("damage", ["truncated", "huge memory", "other store", "sealed token"])
def test_other_tampering_is_refused(first_run, damage):
    path, code = first_run
    target = vault.vault_path(path)
    data = json.loads(target.read_text("utf-8"))
    if damage == "truncated":
        target.write_text(target.read_text("utf-8")[:120], "utf-8")
    elif damage == "huge memory":
        data["kdf"]["memory_cost"] = 64 * 1024 * 1024  # 64 GiB: refused, never attempted
        target.write_text(json.dumps(data), "utf-8")
    elif damage == "other store":
        data["store_id"] = "0" * 32
        target.write_text(json.dumps(data), "utf-8")
    else:
        value = bytearray(base64.b64decode(data["secrets"]["sync_token"]["value"]))
        value[0] ^= 0x80
        data["secrets"]["sync_token"]["value"] = base64.b64encode(bytes(value)).decode()
        target.write_text(json.dumps(data), "utf-8")
    if damage == "sealed token":
        passphrase.unlock(path, PHRASE)  # the key is intact; the token is refused when read
        with pytest.raises(secrets.SecretStoreUnavailable, match="modifié ou est endommagé"):
            sync_settings.load_token()
        _restart()
    else:
        with pytest.raises(vault.VaultError) as refused:
            passphrase.unlock(path, PHRASE)
        assert refused.value.message.startswith("Le fichier de phrase de passe « guichet.db.coffre »")
    passphrase.recover(path, code, NEW_PHRASE)  # the recovery code always gets the desk back
    store = open_app_store(path)
    store.close()


def test_missing_passphrase_file_points_to_the_recovery_code(first_run):
    path, code = first_run
    vault.vault_path(path).unlink()
    with pytest.raises(crypto.StoreKeyError) as refused:
        open_app_store(path)
    assert refused.value.reason == "missing_entry" and "code de récupération" in refused.value.message
    from app.core.backup_service import diagnose

    assert diagnose(path).kind == "key_missing"
    passphrase.recover(path, code, NEW_PHRASE)
    store = open_app_store(path)
    store.close()
    assert vault.vault_path(path).exists()


def test_policy_is_enforced_before_anything_is_created(tmp_path, passphrase_mode):
    path = tmp_path / "guichet.db"
    for weak, words in (("court", "16 caractères"), ("aaaaaaaaaaaaaaaaaaaa", "16 caractères"),
                        ("phrase\u200bavec espace invisible", "invisible")):
        with pytest.raises(ValidationError) as refused:
            create_app_store(path, passphrase=weak)
        assert refused.value.field == "passphrase" and words in refused.value.message
    assert list(tmp_path.iterdir()) == []


def test_keyring_only_setting_refuses_the_passphrase(tmp_path, passphrase_mode, monkeypatch):
    monkeypatch.setenv("GUICHET_STORE_PROTECTION", "keyring")
    path = tmp_path / "guichet.db"
    assert not crypto.uses_passphrase(path)
    with pytest.raises(StoreError, match="GUICHET_STORE_PROTECTION=keyring"):
        create_app_store(path, passphrase=PHRASE)
    with pytest.raises(StoreError, match="trousseau"):  # the old refusal, nothing created
        create_app_store(path)
    assert list(tmp_path.iterdir()) == []


def test_passphrase_setting_wins_over_a_secure_keyring(tmp_path, passphrase_mode, secure_keyring, monkeypatch):
    monkeypatch.setenv("GUICHET_STORE_PROTECTION", "passphrase")
    path = tmp_path / "guichet.db"
    assert crypto.uses_passphrase(path)
    store, _code = create_app_store(path, passphrase=PHRASE)
    store.close()
    assert secure_keyring.items == {}  # nothing went to the keyring: the vault holds it all


def test_journal_tail_cut_is_caught_by_the_vault_pin(first_run):
    """The pin sealed in the vault plays the keyring's part: the file pin deleted too, a cut
    tail is still seen at start-up."""
    from tests.security.test_journal_attacks import _tamper

    path, _code = first_run
    passphrase.unlock(path, PHRASE)
    store = open_app_store(path)
    grant = auth.login(store, 1, ADMIN_PASSWORD)
    with store.write() as session:
        for i in range(4):
            journal.record(session, grant, "usager_viewed", f"usager:{i:032x}")
        head_id, _ = journal.head(session)
    key = store.cipher_key
    store.close()
    _tamper(path, key, f"DELETE FROM journal WHERE id > {head_id - 2}")
    journal_guard.pin_path(path).unlink()
    store = open_app_store(path)
    try:
        with store.read() as session:
            alerts = [e.detail for e in journal_guard.unseen_alerts(session, grant)]
        assert len(alerts) == 1 and "ont disparu (repère : coffre de la phrase de passe)" in alerts[0]
    finally:
        store.close()


def test_cli_prompt_unlocks_and_stops_after_three_wrong_tries(first_run):
    path, _code = first_run
    said = []
    answers = iter(["faux un faux un faux", "faux deux faux deux", "faux trois faux trois"])
    with pytest.raises(ValidationError, match="Phrase de passe incorrecte"):
        passphrase.cli_unlock(path, lambda _prompt: next(answers), say=said.append)
    assert said == ["Phrase de passe incorrecte."] * 2
    passphrase.reset_throttle()
    passphrase.cli_unlock(path, lambda _prompt: PHRASE)
    assert not passphrase.needs_passphrase(path)


def test_cli_sync_token_asks_the_passphrase_and_seals_the_new_token(first_run, monkeypatch, capsys):
    """`guichet sync --jeton` on a passphrase store: the first stdin line is the passphrase,
    the second the token, which ends up sealed in the vault (never plain on disk)."""
    import io

    from app.cli import main

    path, _code = first_run
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PHRASE}\nnouveau-jeton-Zq9canary\n"))
    assert main(["--db", str(path), "sync", "--jeton"]) == 0
    assert "chiffré sous la phrase de passe du site" in capsys.readouterr().out
    assert sync_settings.load_token() == "nouveau-jeton-Zq9canary"
    assert _grep(path.parent, ["nouveau-jeton-Zq9canary", "Zq9canary"]) == []
    _restart()
    monkeypatch.setattr("sys.stdin", io.StringIO("pas la bonne phrase\n" * 3))
    assert main(["--db", str(path), "sync", "--jeton"]) == 2
    assert "Phrase de passe incorrecte." in capsys.readouterr().err


def test_cli_new_passphrase_with_the_current_one_or_the_recovery_code(first_run, monkeypatch, capsys):
    import io

    from app.cli import main

    path, code = first_run
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PHRASE}\n{NEW_PHRASE}\n{NEW_PHRASE}\n"))
    assert main(["--db", str(path), "phrase-de-passe"]) == 0
    assert "l'ancienne ne fonctionne plus" in capsys.readouterr().out
    _restart()
    with pytest.raises(ValidationError):
        passphrase.unlock(path, PHRASE)
    passphrase.unlock(path, NEW_PHRASE)
    _restart()
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{code}\n{PHRASE}\ncourte\n"))
    assert main(["--db", str(path), "phrase-de-passe", "--code"]) == 2
    assert "pas identiques" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{code}\n{PHRASE}\n{PHRASE}\n"))
    assert main(["--db", str(path), "phrase-de-passe", "--code"]) == 0
    _restart()
    passphrase.unlock(path, PHRASE)
    assert sync_settings.load_token() == TOKEN


def test_concurrent_writers_in_one_process_lose_no_entry(first_run):
    """The pin is rewritten after each journaled commit (write pool) while the UI may save the
    token: read-modify-write of the vault is serialised, no entry is lost."""
    import threading

    path, _code = first_run
    passphrase.unlock(path, PHRASE)

    def write(prefix):
        for i in range(25):
            secrets.set_secret(f"{prefix}-{i}", f"valeur {prefix} {i}")

    threads = [threading.Thread(target=write, args=(p,)) for p in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(secrets.get_secret(f"{p}-{i}") == f"valeur {p} {i}" for p in "abc" for i in range(25))
    assert sync_settings.load_token() == TOKEN


def test_passphrase_setting_leaves_an_existing_keyring_store_openable(tmp_path, passphrase_mode, secure_keyring,
                                                                    monkeypatch):
    store, _code = create_app_store(tmp_path / "guichet.db")  # keyring mode
    store.close()
    monkeypatch.setenv("GUICHET_STORE_PROTECTION", "passphrase")
    assert not passphrase.needs_passphrase(store.path)
    open_app_store(store.path).close()  # its key still comes from the keyring
