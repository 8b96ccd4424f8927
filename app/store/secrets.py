"""Secrets in the OS keyring (service token, store key). Never in plain text, never a fallback.

On a machine without a secure backend (keyring's `fail` or `null` backends, or the plaintext
backends of keyrings.alt), every call raises SecretStoreUnavailable with a French explanation.
Tests select a backend explicitly with PYTHON_KEYRING_BACKEND or `use_backend()`.
"""

from __future__ import annotations

from app.models.errors import DomainError

SERVICE = "Guichet"
_INSECURE = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt.file", "keyrings.alt.Gnome")


class SecretStoreUnavailable(DomainError):
    pass


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


# What an agent knows these keyrings as; the Python class name (backend_name()) is for the log only.
_HUMAN_NAMES = (
    ("keyring.backends.Windows", "Gestionnaire d'identification Windows"),
    ("keyring.backends.macOS", "Trousseau macOS"),
    ("keyring.backends.SecretService", "Trousseau du bureau (Secret Service)"),
    ("keyring.backends.libsecret", "Trousseau du bureau (Secret Service)"),
    ("keyring.backends.kwallet", "Portefeuille KDE (KWallet)"),
)


def human_backend_name() -> str:
    """The keyring in the words of its system, never a Python class name."""
    name = backend_name()
    for prefix, human in _HUMAN_NAMES:
        if name.startswith(prefix):
            return human
    return "trousseau sécurisé du système"


def status() -> tuple[bool, str]:
    """(secure?, message for the user)."""
    if is_secure_backend():
        return True, f"Trousseau sécurisé disponible : {human_backend_name()}."
    return False, UNAVAILABLE_MESSAGE


def _require() -> None:
    if not is_secure_backend():
        raise SecretStoreUnavailable(UNAVAILABLE_MESSAGE)


def set_secret(name: str, value: str) -> None:
    _require()
    try:
        _keyring().set_password(SERVICE, name, value)
    except Exception as exc:  # backend-specific errors (locked keyring, D-Bus down…)
        raise SecretStoreUnavailable("Le trousseau a refusé l'enregistrement : {error}", error=exc) from exc


def get_secret(name: str) -> str | None:
    _require()
    try:
        return _keyring().get_password(SERVICE, name)
    except Exception as exc:
        raise SecretStoreUnavailable("Le trousseau n'a pas pu être lu : {error}", error=exc) from exc


def delete_secret(name: str) -> None:
    _require()
    try:
        _keyring().delete_password(SERVICE, name)
    except Exception:
        pass  # already absent


def use_backend(backend) -> None:
    """Select a keyring backend explicitly (tests, or an admin-chosen backend)."""
    _keyring().set_keyring(backend)
