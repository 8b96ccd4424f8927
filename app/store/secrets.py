"""Secrets (service token, store key, journal pin): in the OS keyring, or in the site-passphrase
vault. Never in plain text, never a silent fallback.

Two backends behind the same calls (`set_secret`, `get_secret`, `delete_secret`, `status`):
- the OS keyring, when it is secure;
- in no-keyring mode, the passphrase vault of the open store (app/store/vault.py), once it was
  unlocked with the site passphrase or the recovery code (`open_vault`). While a vault is open,
  every secret goes to it, even where a keyring exists: the store decided its mode at set-up.
Neither: every call raises SecretStoreUnavailable with a French explanation.
`is_secure_backend()` answers for the OS keyring alone; `available()` for either backend.
Tests select a keyring backend explicitly with PYTHON_KEYRING_BACKEND or `use_backend()`.
"""

from __future__ import annotations

from app.models.errors import DomainError

SERVICE = "Guichet"
_INSECURE = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt.file", "keyrings.alt.Gnome")


class SecretStoreUnavailable(DomainError):
    pass


# The passphrase vault unlocked in this process (app.store.vault.UnlockedVault), or None.
_vault = None


UNAVAILABLE_MESSAGE = (
    "Aucun trousseau sécurisé n'est disponible sur cet ordinateur (Trousseau Windows, "
    "Trousseau macOS ou Secret Service/KWallet sous Linux). Guichet n'enregistre jamais un secret "
    "en clair : demandez à votre service informatique d'activer un trousseau, puis recommencez."
)


def _keyring():
    import keyring  # lazy: ~80 ms

    return keyring


def backend_name() -> str:
    backend = _keyring().get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def is_secure_backend() -> bool:
    backend = _keyring().get_keyring()
    module = type(backend).__module__
    if module.startswith(_INSECURE):
        return False
    # A chainer with no secure member behaves like the fail backend.
    return getattr(backend, "priority", 1) > 0


def open_vault(unlocked) -> None:
    """No-keyring mode: from now on secrets go to this unlocked vault (one store per process)."""
    global _vault
    _vault = unlocked


def close_vault() -> None:
    """Forget the unlocked vault (and the key it holds): tests, or a store closed for good."""
    global _vault
    _vault = None


def active_vault():
    return _vault


def mode() -> str:
    """'passphrase' (a vault is open), 'keyring' (secure OS keyring) or 'none'."""
    if _vault is not None:
        return "passphrase"
    return "keyring" if is_secure_backend() else "none"


def available() -> bool:
    return mode() != "none"


def status() -> tuple[bool, str]:
    """(secure?, message for the user)."""
    if _vault is not None:
        return True, "Secrets protégés par la phrase de passe du site (fichier « {name} »).".format(
            name=_vault.path.name)
    if is_secure_backend():
        return True, f"Trousseau sécurisé disponible ({backend_name()})."
    return False, UNAVAILABLE_MESSAGE


def _require() -> None:
    if not is_secure_backend():
        raise SecretStoreUnavailable(UNAVAILABLE_MESSAGE)


def _vault_call(fn, *args):
    from app.store.vault import VaultError

    try:
        return fn(*args)
    except VaultError as exc:
        raise SecretStoreUnavailable(exc.msgid, **exc.params) from None  # same words, this error class
    except OSError as exc:
        raise SecretStoreUnavailable("Le fichier de phrase de passe n'a pas pu être lu ou écrit : {error}",
                                     error=exc.strerror or exc) from None


def set_secret(name: str, value: str) -> None:
    if _vault is not None:
        return _vault_call(_vault.set, name, value)
    _require()
    try:
        _keyring().set_password(SERVICE, name, value)
    except Exception as exc:  # backend-specific errors (locked keyring, D-Bus down…)
        raise SecretStoreUnavailable("Le trousseau a refusé l'enregistrement : {error}", error=exc) from exc


def get_secret(name: str) -> str | None:
    if _vault is not None:
        return _vault_call(_vault.get, name)
    _require()
    try:
        return _keyring().get_password(SERVICE, name)
    except Exception as exc:
        raise SecretStoreUnavailable("Le trousseau n'a pas pu être lu : {error}", error=exc) from exc


def delete_secret(name: str) -> None:
    if _vault is not None:
        return _vault_call(_vault.delete, name)
    _require()
    try:
        _keyring().delete_password(SERVICE, name)
    except Exception:
        pass  # already absent


def use_backend(backend) -> None:
    """Select a keyring backend explicitly (tests, or an admin-chosen backend)."""
    _keyring().set_keyring(backend)
