"""No-keyring mode: the store key wrapped by a site passphrase, in `<store>.coffre` beside the store.

Where no secure OS keyring exists (keyring's fail backend on many Linux desktops, locked-down
Windows profiles), the store key cannot live in a keyring. It is then kept in this file, never in
clear (docs/readme/store-security.md, « Mode sans trousseau »):

- KEK: Argon2id(passphrase, 16-byte random salt) through argon2-cffi's `hash_secret_raw`, 64 bytes:
  the first 32 wrap the store key (AES-256-GCM, AAD = format + store id), the last 32 make `check`,
  an HMAC over the file's header (store id, KDF parameters, salt). `check` tells a wrong passphrase
  (HMAC differs: nothing else is tried) from a file altered after it was written (HMAC right, but
  the GCM tag of the wrapped key fails).
- Parameters: t=3, m=256 MiB, p=4 (KDF_PARAMETERS). RFC 9106 §4 recommends t=3, m=64 MiB, p=4
  where memory is short; we take 4× the memory because the passphrase is asked once a day, not
  at each login, and is all that stands between a stolen disk and the data. 0.8 s on this 2-core VM.
- Secrets of the adapter (app/store/secrets.py): the national service token and the journal's
  pinned head are sealed in the same file with AES-256-GCM under a key derived (HKDF) from the
  store key, AAD = store id + entry name. Only the passphrase (or the recovery code) reaches the
  store key, so only they reach these; and a new passphrase (after a recovery) keeps them.
- The file is written atomically (temp + fsync + replace) and is NOT copied into `sauvegardes/`:
  a copied backups folder then carries only the recovery-code wrap (160 random bits), which an
  offline guesser cannot brute-force, and not this passphrase wrap, which it could try.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from app.models.errors import StoreError, ValidationError

VAULT_SUFFIX = ".coffre"
VAULT_FORMAT = "guichet-coffre-1"
# Production parameters (see the module docstring). Tests lower them through tests/plugins/fast_kdf.py;
# product code never reads them from the environment.
KDF_PARAMETERS = {"time_cost": 3, "memory_cost": 256 * 1024, "parallelism": 4}
# A file asking for more than this is refused as damaged (a multi-GiB KDF would hang the desk).
_KDF_CEILING = {"time_cost": 10, "memory_cost": 2 * 1024 * 1024, "parallelism": 16}
KDF_FLOOR = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
_SECRETS_INFO = b"guichet/coffre/secrets/v1"
# Policy: an offline guesser holding the disk is slowed by Argon2 only; 16 characters (four
# ordinary words) with 8 different ones puts a dictionary of common phrases out of reach.
MIN_LENGTH = 16
MIN_DISTINCT = 8
MAX_LENGTH = 256


class VaultError(StoreError):
    """The passphrase file cannot be used. `reason`: damaged | other_store | missing."""

    def __init__(self, message: str, reason: str, **params: object):
        super().__init__(message, **params)
        self.reason = reason


def vault_path(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + VAULT_SUFFIX)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_passphrase(passphrase: str) -> None:
    """Raise ValidationError(field="passphrase") unless the site passphrase meets the policy."""
    import unicodedata

    if not isinstance(passphrase, str) or not passphrase.strip():
        raise ValidationError("Saisissez la phrase de passe du site.", field="passphrase")
    if any(0xD800 <= ord(c) <= 0xDFFF or unicodedata.category(c) in ("Cc", "Cf") for c in passphrase):
        raise ValidationError("Phrase de passe : caractère invisible ou de contrôle (copier-coller ?). "
                              "Ressaisissez-la au clavier.", field="passphrase")
    text = unicodedata.normalize("NFC", passphrase)
    if len(text) > MAX_LENGTH:
        raise ValidationError("Phrase de passe trop longue ({max} caractères au plus).", field="passphrase",
                              max=MAX_LENGTH)
    if len(text) < MIN_LENGTH or len(set(text.casefold())) < MIN_DISTINCT:
        raise ValidationError("Phrase de passe trop courte : {min} caractères au moins, dont {distinct} "
                              "différents (par exemple quatre mots sans rapport entre eux).",
                              field="passphrase", min=MIN_LENGTH, distinct=MIN_DISTINCT)


def _secret_bytes(passphrase: str) -> bytes:
    import unicodedata

    # NFC: the same phrase typed on another keyboard layout (é composed or not) gives the same key.
    return unicodedata.normalize("NFC", passphrase or "").encode("utf-8", "surrogatepass")


def derive(passphrase: str, salt: bytes, params: dict) -> tuple[bytes, bytes]:
    """(wrap key, check key) from the passphrase: Argon2id, 64 bytes split in two."""
    from argon2.low_level import Type, hash_secret_raw  # lazy: C extension

    raw = hash_secret_raw(_secret_bytes(passphrase), salt, time_cost=params["time_cost"],
                          memory_cost=params["memory_cost"], parallelism=params["parallelism"],
                          hash_len=64, type=Type.ID)
    return raw[:32], raw[32:]


def secrets_key(store_key: bytes) -> bytes:
    """Key sealing the adapter's entries: HKDF-SHA256 of the store key (domain-separated)."""
    prk = hmac.new(b"guichet-coffre", store_key, hashlib.sha256).digest()
    return hmac.new(prk, _SECRETS_INFO + b"\x01", hashlib.sha256).digest()


def _damaged(path: Path, detail: object) -> VaultError:
    return VaultError(
        "Le fichier de phrase de passe « {name} » a été modifié ou est endommagé ({detail}) : Guichet refuse "
        "de l'utiliser. Un superviseur peut rétablir l'accès avec le code de récupération imprimé lors de "
        "l'installation, puis choisir une nouvelle phrase de passe.", "damaged", name=Path(path).name, detail=detail)


@dataclass
class VaultFile:
    store_id: str
    salt: bytes
    kdf: dict
    check: str
    nonce: bytes
    wrapped: bytes
    entries: dict[str, dict] = field(default_factory=dict)  # name -> {"nonce", "value"} (base64)

    def header(self) -> bytes:
        return "|".join([VAULT_FORMAT, self.store_id, str(self.kdf["time_cost"]), str(self.kdf["memory_cost"]),
                         str(self.kdf["parallelism"]), _b64(self.salt)]).encode("ascii")

    def _aad(self) -> bytes:
        return f"{VAULT_FORMAT}|{self.store_id}|store-key".encode("ascii")

    def to_json(self) -> str:
        return json.dumps({"format": VAULT_FORMAT, "store_id": self.store_id,
                           "kdf": {"name": "argon2id", "version": 19, **self.kdf, "salt": _b64(self.salt)},
                           "check": self.check, "cipher": "AES-256-GCM", "nonce": _b64(self.nonce),
                           "wrapped_key": _b64(self.wrapped), "secrets": self.entries}, indent=1)

    @classmethod
    def load(cls, path: Path) -> "VaultFile":
        path = Path(path)
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("format") != VAULT_FORMAT or data["kdf"].get("name") != "argon2id":
                raise ValueError("format")
            kdf = {k: int(data["kdf"][k]) for k in ("time_cost", "memory_cost", "parallelism")}
            for name, value in kdf.items():
                if not KDF_FLOOR[name] <= value <= _KDF_CEILING[name]:
                    raise ValueError(f"{name}={value}")
            entries = data.get("secrets") or {}
            if not isinstance(entries, dict):
                raise ValueError("secrets")
            vault = cls(str(data["store_id"]), base64.b64decode(data["kdf"]["salt"], validate=True), kdf,
                        str(data["check"]), base64.b64decode(data["nonce"], validate=True),
                        base64.b64decode(data["wrapped_key"], validate=True), entries)
            vault.store_id.encode("ascii")
        except FileNotFoundError:
            raise VaultError("Le fichier de phrase de passe « {name} » est introuvable.", "missing",
                             name=path.name) from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _damaged(path, exc) from None
        return vault

    # -- the store key ----------------------------------------------------------------------
    def unwrap(self, passphrase: str, path: Path) -> bytes:
        """The store key. Raises ValidationError (wrong passphrase, field "passphrase") or
        VaultError("damaged") when the passphrase is right but the wrapped key was altered."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        wrap_key, check_key = derive(passphrase, self.salt, self.kdf)
        expected = hmac.new(check_key, self.header(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.check):
            raise ValidationError("Phrase de passe incorrecte.", field="passphrase")
        try:
            return AESGCM(wrap_key).decrypt(self.nonce, self.wrapped, self._aad())
        except (InvalidTag, ValueError):
            raise _damaged(path, "clé enveloppée") from None

    # -- sealed entries ---------------------------------------------------------------------
    def _entry_aad(self, name: str) -> bytes:
        return f"{VAULT_FORMAT}|{self.store_id}|secret|{name}".encode("utf-8")

    def open_entry(self, store_key: bytes, name: str, path: Path) -> str | None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        item = self.entries.get(name)
        if item is None:
            return None
        try:
            plain = AESGCM(secrets_key(store_key)).decrypt(base64.b64decode(item["nonce"]),
                                                           base64.b64decode(item["value"]), self._entry_aad(name))
            return plain.decode("utf-8")
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise _damaged(path, f"secret « {name} »") from None

    def seal_entry(self, store_key: bytes, name: str, value: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(12)
        sealed = AESGCM(secrets_key(store_key)).encrypt(nonce, value.encode("utf-8"), self._entry_aad(name))
        self.entries[name] = {"nonce": _b64(nonce), "value": _b64(sealed)}


def wrap(store_key: bytes, passphrase: str, store_id: str, entries: dict | None = None) -> VaultFile:
    """A new vault file content: fresh salt and nonce, production (or test-lowered) parameters."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce, params = os.urandom(16), os.urandom(12), dict(KDF_PARAMETERS)
    wrap_key, check_key = derive(passphrase, salt, params)
    vault = VaultFile(store_id, salt, params, "", nonce, b"", dict(entries or {}))
    vault.check = hmac.new(check_key, vault.header(), hashlib.sha256).hexdigest()
    vault.wrapped = AESGCM(wrap_key).encrypt(nonce, store_key, vault._aad())
    return vault


def write(path: Path, vault: VaultFile) -> None:
    """Atomic write, private to the user (0600): a half-written file would strand the store."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(vault.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


# One writer at a time in this process: the journal pin is rewritten after each journaled commit
# (write pool) while the UI may save the token; read-modify-write must not lose either. Another
# process writing at the same millisecond (a `guichet sync --jeton` beside the open app) can still
# lose one update: documented in docs/readme/store-security.md.
_WRITE_LOCK = threading.Lock()


@dataclass
class UnlockedVault:
    """A vault opened with its passphrase (or the recovery code) for this process: the adapter's
    backend in no-keyring mode. The key stays in memory only, never logged."""
    path: Path
    store_id: str
    key: bytes = field(repr=False)

    def get(self, name: str) -> str | None:
        return VaultFile.load(self.path).open_entry(self.key, name, self.path)

    def set(self, name: str, value: str) -> None:
        with _WRITE_LOCK:
            vault = VaultFile.load(self.path)
            vault.seal_entry(self.key, name, value)
            write(self.path, vault)

    def delete(self, name: str) -> None:
        with _WRITE_LOCK:
            vault = VaultFile.load(self.path)
            if vault.entries.pop(name, None) is not None:
                write(self.path, vault)


def unlock(path: Path, passphrase: str, store_id: str) -> UnlockedVault:
    """Open the vault at `path` for the store `store_id`. Reads only: a wrong passphrase writes
    nothing anywhere. Raises ValidationError (wrong passphrase), VaultError."""
    vault = VaultFile.load(path)
    if vault.store_id != store_id:
        raise VaultError("Le fichier de phrase de passe « {name} » appartient à un autre fichier de données.",
                         "other_store", name=Path(path).name)
    return UnlockedVault(Path(path), store_id, vault.unwrap(passphrase, Path(path)))


def rewrap(path: Path, store_key: bytes, passphrase: str, store_id: str) -> UnlockedVault:
    """Write the vault anew under `passphrase` (creation, or a new phrase after a recovery). Entries
    of an existing, readable vault of the same store that still open with the key are kept."""
    path = Path(path)
    kept: dict[str, dict] = {}
    try:
        old = VaultFile.load(path)
        if old.store_id == store_id:
            for name in list(old.entries):
                try:
                    old.open_entry(store_key, name, path)
                    kept[name] = old.entries[name]
                except VaultError:
                    pass  # altered entry: dropped (the token can be typed again)
    except VaultError:
        pass  # missing or unreadable: start empty
    with _WRITE_LOCK:
        write(path, wrap(store_key, passphrase, store_id, kept))
    return UnlockedVault(path, store_id, store_key)
