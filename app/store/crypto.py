"""Store key management: a random 256-bit SQLCipher key kept in the OS keyring, plus a recovery path.

Design (docs/readme/store-security.md has the user-facing version):
- At set-up, 32 random bytes become the store key. SQLCipher gets it raw (`PRAGMA key = "x'…'"`),
  so opening costs no key derivation.
- The key lives in the OS keyring (app.store.secrets, which fails closed) under an entry named after
  a random store id. Never on disk in clear, never a plaintext fallback.
- Beside the store, a small key file `<store>.cle` (JSON) holds the store id and the key *wrapped*
  (AES-256-GCM) by a key derived with scrypt from a printable recovery code shown once to the
  supervisor. Without the code the file reveals nothing; with it, a lost keyring entry (new Windows
  profile, reinstalled PC) can be re-provisioned. A copy goes into the backups folder.
- No-keyring mode (app/store/vault.py): where no secure keyring exists, the key is wrapped by a
  site passphrase (Argon2id + AES-256-GCM) in `<store>.coffre` instead of the keyring; the
  recovery code still works and sets a new passphrase.
- Opening a file with its key (`dbapi_connect`, `verify_key`) lives here too, below the engine,
  so that recovery can check a key without importing the engine that imports this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets as _random
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from app import config
from app.models.errors import StoreError, ValidationError
from app.store import secrets, vault
from app.store.paths import backup_dir

KEY_BYTES = 32
KEYFILE_SUFFIX = ".cle"
KEYFILE_FORMAT = "guichet-cle-1"
_ENTRY_PREFIX = "store-key:"
# scrypt: 32 MiB, ~0.1 s. The code already has 160 bits of entropy; the KDF is defence in depth.
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CODE_CHARS = 32  # 20 random bytes in base32
SQLITE_HEADER = b"SQLite format 3\x00"


class StoreKeyError(StoreError):
    """The store key cannot be obtained. `reason`: no_keyring | missing_entry | no_keyfile | wrong_key
    | passphrase_needed (no-keyring mode: the site passphrase must be typed first)."""

    def __init__(self, message: str, reason: str, **params: object):
        super().__init__(message, **params)
        self.reason = reason


def keyfile_path(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + KEYFILE_SUFFIX)


def file_kind(path: Path) -> str:
    """'missing' (absent or empty), 'plain' (SQLite header) or 'encrypted' (anything else)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise StoreError("Fichier de données illisible ({strerror}) : {path}",
                         strerror=exc.strerror, path=path) from None
    if not header:
        return "missing"
    return "plain" if header == SQLITE_HEADER else "encrypted"


# Key of the journal's HMAC chain (app/core/journal.py). Derived, not stored: whoever can open the
# store can verify (and, being able to write it, extend) the chain; a file alone cannot. A plain
# store (demo, tests: fake data only) has no secret, so its chain key is this public constant.
PLAIN_JOURNAL_KEY = hashlib.sha256(b"guichet: plain store, public journal chain key").digest()


def journal_key(store_key: bytes | None) -> bytes:
    """The HMAC key of the audit journal's chain for a store opened with `store_key` (None: plain)."""
    if store_key is None:
        return PLAIN_JOURNAL_KEY
    return hmac.new(store_key, b"guichet/journal-chain/v1", hashlib.sha256).digest()


def journal_pin_mac(chain_key: bytes, entry_id: int, digest: str) -> str:
    """MAC of a pinned journal head (id, hash): a pin cannot be written without the chain key."""
    return hmac.new(chain_key, f"journal-head|{int(entry_id)}|{digest}".encode("ascii"), hashlib.sha256).hexdigest()


def pragma_key(key: bytes) -> str:
    # Hex digits only: nothing to quote, and the raw form skips SQLCipher's PBKDF2.
    return f"PRAGMA key = \"x'{key.hex()}'\""


# --- recovery code -----------------------------------------------------------------------------

def new_recovery_code() -> str:
    raw = base64.b32encode(_random.token_bytes(20)).decode("ascii")
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normalise_recovery_code(text: str) -> str:
    """The 32 base32 characters of a typed code (spaces, dashes, case ignored; 0/1/8 read as O/I/B)."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -\t\r\n")
    cleaned = cleaned.translate(str.maketrans("018", "OIB"))
    if len(cleaned) != _CODE_CHARS or any(ch not in _B32 for ch in cleaned):
        raise ValidationError(
            "Code de récupération invalide : 32 lettres et chiffres (8 groupes de 4), "
            "tel qu'imprimé lors de l'installation.", field="recovery_code")
    return cleaned


def _kek(code: str, salt: bytes, params: dict) -> bytes:
    return hashlib.scrypt(normalise_recovery_code(code).encode("ascii"), salt=salt, n=params["n"],
                          r=params["r"], p=params["p"], maxmem=128 * 1024 * 1024, dklen=32)


# --- key file ----------------------------------------------------------------------------------

@dataclass
class KeyFile:
    store_id: str
    salt: bytes
    scrypt: dict
    nonce: bytes
    wrapped: bytes

    @property
    def keyring_entry(self) -> str:
        return _ENTRY_PREFIX + self.store_id

    def to_json(self) -> str:
        b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
        return json.dumps({"format": KEYFILE_FORMAT, "store_id": self.store_id,
                           "kdf": {"name": "scrypt", **self.scrypt, "salt": b64(self.salt)},
                           "cipher": "AES-256-GCM", "nonce": b64(self.nonce),
                           "wrapped_key": b64(self.wrapped)}, indent=1)

    @classmethod
    def load(cls, path: Path) -> "KeyFile":
        try:
            data = json.loads(Path(path).read_text("utf-8"))
            if data.get("format") != KEYFILE_FORMAT:
                raise ValueError("format")
            kdf = data["kdf"]
            return cls(store_id=str(data["store_id"]), salt=base64.b64decode(kdf["salt"]),
                       scrypt={"n": int(kdf["n"]), "r": int(kdf["r"]), "p": int(kdf["p"])},
                       nonce=base64.b64decode(data["nonce"]), wrapped=base64.b64decode(data["wrapped_key"]))
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreKeyError("Fichier de clé illisible ou endommagé ({path}) : {error}", "no_keyfile",
                                path=path, error=exc) from None

    def unwrap(self, code: str) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            return AESGCM(_kek(code, self.salt, self.scrypt)).decrypt(
                self.nonce, self.wrapped, self.store_id.encode("ascii"))
        except InvalidTag:
            raise ValidationError("Ce code de récupération ne correspond pas à ce fichier de données.",
                                  field="recovery_code") from None


def _wrap(key: bytes, code: str, store_id: str) -> KeyFile:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    wrapped = AESGCM(_kek(code, salt, _SCRYPT)).encrypt(nonce, key, store_id.encode("ascii"))
    return KeyFile(store_id, salt, dict(_SCRYPT), nonce, wrapped)


def write_keyfile(path: Path, keyfile: KeyFile) -> None:
    """Atomic write (temp + fsync + replace): a half-written key file would strand the store."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(keyfile.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def find_keyfile(db_path: Path) -> Path | None:
    """The key file beside the store, else the copy kept in its backups folder."""
    for candidate in (keyfile_path(db_path), backup_dir(db_path) / keyfile_path(db_path).name):
        if candidate.exists():
            return candidate
    return None


def _load_keyfile(db_path: Path) -> KeyFile:
    found = find_keyfile(db_path)
    if found is None:
        raise StoreKeyError(
            "Le fichier de données {db_path} est chiffré (ou endommagé) et son fichier de clé « {name} » "
            "est introuvable. Replacez ce fichier à côté des données ou restaurez une sauvegarde.", "no_keyfile",
            db_path=db_path, name=keyfile_path(db_path).name)
    return KeyFile.load(found)


# --- opening a file with its key ----------------------------------------------------------------

def sqlcipher():
    try:
        import sqlcipher3.dbapi2 as dbapi  # lazy: only encrypted stores need it
    except ImportError:  # pragma: no cover - packaging error
        raise StoreError("Le module de chiffrement (sqlcipher3) est absent : réinstallez Guichet.") from None
    return dbapi


def dbapi_connect(path: Path, key: bytes | None = None, read_only: bool = False):
    """A DB-API connection to `path`: SQLCipher keyed with `key`, or plain sqlite3 when key is None.
    The key is applied and checked first: a wrong key fails here, not in the middle of a query."""
    module = sqlcipher() if key is not None else sqlite3
    target = f"file:{quote(Path(path).as_posix())}?mode=ro" if read_only else str(path)
    try:
        return _connect_keyed(module, target, read_only, key)
    except module.OperationalError:
        if not (read_only and not os.access(Path(path).parent, os.W_OK)):
            raise
        # A WAL store on a read-only disk: no -shm can be created. Nobody can write there either,
        # so "immutable" (no locking, no WAL index) is true and lets us read it.
        return _connect_keyed(module, target + "&immutable=1", True, key)


def _connect_keyed(module, target: str, uri: bool, key: bytes | None):
    conn = module.connect(target, uri=uri, check_same_thread=False, timeout=10, isolation_level=None)
    try:
        if key is not None:
            conn.execute("PRAGMA cipher_log_level = NONE")  # wrong-key noise on stderr
            conn.execute(pragma_key(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except module.DatabaseError:
        conn.close()
        raise
    return conn


def wrong_key(path: Path) -> StoreKeyError:
    return StoreKeyError(
        "Impossible de déchiffrer {path} : la clé ne correspond pas à ce fichier, ou le fichier est "
        "endommagé. Restaurez une sauvegarde ou utilisez le code de récupération.", "wrong_key", path=path)


def verify_key(path: Path, key: bytes) -> None:
    """Raise StoreKeyError('wrong_key') unless `key` opens the encrypted file at `path`."""
    try:
        dbapi_connect(path, key, read_only=True).close()
    except sqlcipher().DatabaseError:
        raise wrong_key(path) from None


# --- keyring -----------------------------------------------------------------------------------

def _keyring_call(fn, *args):
    try:
        return fn(*args)
    except secrets.SecretStoreUnavailable as exc:
        raise StoreKeyError(
            "Le fichier de données est chiffré mais sa clé est inaccessible. {cause}",
            "no_keyring", cause=exc) from None


def provision_store_key(db_path: Path, passphrase: str | None = None) -> str:
    """Set-up: new random key, key file beside the (future) store. The key goes to the OS keyring,
    or, given a site `passphrase` (no-keyring mode), into `<store>.coffre` wrapped by it (the vault
    is then open for this process). Returns the recovery code, to be shown once and printed."""
    db_path = Path(db_path)
    if file_kind(db_path) != "missing" or keyfile_path(db_path).exists() or vault.vault_path(db_path).exists():
        raise StoreError("Un fichier de données existe déjà ici : {db_path}. Choisissez un autre dossier.",
                         db_path=db_path)
    if passphrase is not None:
        vault.check_passphrase(passphrase)
        if config.KEY_PROTECTION.get() == "keyring":
            raise StoreKeyError("La protection par phrase de passe est désactivée sur ce poste "
                                "(GUICHET_STORE_PROTECTION=keyring).", "no_keyring")
    elif not secrets.is_secure_backend():  # probe before anything is written
        # The cause is an error, not text, so that it is translated along with the message.
        raise StoreKeyError("Impossible de chiffrer le fichier de données. {cause}", "no_keyring",
                            cause=secrets.SecretStoreUnavailable(secrets.UNAVAILABLE_MESSAGE))
    key, code, store_id = _random.token_bytes(KEY_BYTES), new_recovery_code(), uuid.uuid4().hex
    keyfile = _wrap(key, code, store_id)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if passphrase is not None:
        secrets.open_vault(vault.rewrap(vault.vault_path(db_path), key, passphrase, store_id))
    else:
        _keyring_call(secrets.set_secret, keyfile.keyring_entry, key.hex())
    write_keyfile(keyfile_path(db_path), keyfile)
    return code


def uses_passphrase(db_path: Path) -> bool:
    """True when this store's key is (or, recovered here, would be) protected by a site passphrase:
    its `.coffre` file exists, or no secure keyring is available and the setting allows it."""
    if vault.vault_path(db_path).exists():
        return True
    return config.KEY_PROTECTION.get() != "keyring" and (
        config.KEY_PROTECTION.get() == "passphrase" or not secrets.is_secure_backend())


def needs_passphrase(db_path: Path) -> bool:
    """True when the store's vault exists and is not unlocked in this process yet."""
    db_path = Path(db_path)
    if not vault.vault_path(db_path).exists() or find_keyfile(db_path) is None:
        return False
    unlocked = secrets.active_vault()
    try:
        return unlocked is None or unlocked.store_id != _load_keyfile(db_path).store_id
    except StoreKeyError:
        return True


def unlock_store(db_path: Path, passphrase: str) -> None:
    """Open the store's vault with the site passphrase for this process. Reads only (a wrong
    passphrase writes nothing). Raises ValidationError (wrong passphrase), VaultError, StoreKeyError."""
    db_path = Path(db_path)
    keyfile = _load_keyfile(db_path)
    secrets.open_vault(vault.unlock(vault.vault_path(db_path), passphrase, keyfile.store_id))


def load_store_key(db_path: Path) -> bytes:
    """The key of an encrypted store, from the keyring or the unlocked passphrase vault.
    Raises StoreKeyError with a French message (reason passphrase_needed: ask the site passphrase)."""
    keyfile = _load_keyfile(Path(db_path))
    unlocked = secrets.active_vault()
    if unlocked is not None and unlocked.store_id == keyfile.store_id:
        return unlocked.key
    if vault.vault_path(db_path).exists():
        raise StoreKeyError("Ce fichier de données est protégé par la phrase de passe du site : saisissez-la.",
                            "passphrase_needed")
    if not secrets.is_secure_backend() and config.KEY_PROTECTION.get() != "keyring":
        # No keyring here, and no passphrase file (deleted, or the store came from another PC).
        raise StoreKeyError(
            "Aucun trousseau sécurisé sur cet ordinateur, et le fichier de phrase de passe « {name} » est "
            "absent. Un superviseur peut rétablir l'accès avec le code de récupération imprimé lors de "
            "l'installation, puis choisir une phrase de passe du site.", "missing_entry",
            name=vault.vault_path(db_path).name)
    value = _keyring_call(secrets.get_secret, keyfile.keyring_entry)
    if not value:
        raise StoreKeyError(
            "La clé de chiffrement de ce fichier de données n'est pas dans le trousseau de cet ordinateur "
            "(nouveau profil Windows, trousseau réinitialisé…). Un superviseur peut la rétablir avec le "
            "code de récupération imprimé lors de l'installation.", "missing_entry")
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise StoreKeyError("La clé enregistrée dans le trousseau est endommagée. Utilisez le code de "
                            "récupération pour la rétablir.", "missing_entry")
    return key


def recover_store_key(db_path: Path, code: str, new_passphrase: str | None = None) -> bytes:
    """Recovery: unwrap the key with the supervisor's code, check it opens the store, put it back
    in the keyring, or (no-keyring mode) wrap it under `new_passphrase`, keeping the vault's
    sealed token and pin. Raises ValidationError (bad code, weak passphrase), StoreKeyError."""
    db_path = Path(db_path)
    if new_passphrase is not None:
        vault.check_passphrase(new_passphrase)  # before the slow KDF, and before anything is written
    keyfile = _load_keyfile(db_path)
    key = keyfile.unwrap(code)
    if file_kind(db_path) == "encrypted":
        verify_key(db_path, key)
    if new_passphrase is not None:
        secrets.open_vault(vault.rewrap(vault.vault_path(db_path), key, new_passphrase, keyfile.store_id))
    else:
        _keyring_call(secrets.set_secret, keyfile.keyring_entry, key.hex())
    if not keyfile_path(db_path).exists():  # it came from the backups folder: put it back
        write_keyfile(keyfile_path(db_path), keyfile)
    return key


def forget_store_key(db_path: Path) -> None:
    """Remove the keyring entry (decommissioning a PC; tests). The key file stays."""
    keyfile = _load_keyfile(Path(db_path))
    _keyring_call(secrets.delete_secret, keyfile.keyring_entry)
