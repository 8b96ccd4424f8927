"""Where and how to reach the national service: URL in the store's settings, token in the OS
keyring (app.store.secrets: fails closed, never a plain-text fallback)."""

from __future__ import annotations

from sqlmodel import Session

from app import config
from app.store import secrets
from app.core.context import Actor
from app.models.errors import DomainError, ValidationError

URL_KEY = config.SYNC_SERVICE_URL.name
NEEDS_TOKEN_KEY = config.SYNC_NEEDS_TOKEN.name
TOKEN_NAME = "sync_token"  # keyring entry, not a setting: a secret never goes in the store
LOCAL_HOSTS = config.LOCAL_HOSTS


def service_url(session: Session) -> str:
    return config.SYNC_SERVICE_URL.get(session) or ""


def validate_url(url: str) -> str:
    """The cleaned address. Raises ValidationError(field="url"): https, or http on 127.0.0.1 only."""
    return config.SYNC_SERVICE_URL.validate(url or "")


def set_service_url(session: Session, actor: Actor, url: str) -> str:
    actor.require("configure_sync")
    return config.SYNC_SERVICE_URL.set(session, url or "")


def needs_token(session: Session) -> bool:
    return config.SYNC_NEEDS_TOKEN.get(session)


def set_needs_token(session: Session, value: bool) -> None:
    config.SYNC_NEEDS_TOKEN.set(session, value)


def keyring_status() -> tuple[bool, str]:
    return secrets.status()


def save_token(token: str) -> None:
    """Store the token in the OS keyring. Raises ValidationError, SecretStoreUnavailable."""
    from app.i18n import _

    token = (token or "").strip()
    if len(token) < 8 or any(ch.isspace() for ch in token):
        raise ValidationError(_("Jeton : 8 caractères au moins, sans espace."), field="token")
    secrets.set_secret(TOKEN_NAME, token)


def load_token() -> str:
    """The token, from the keyring. Raises SecretStoreUnavailable, DomainError (no token yet)."""
    from app.i18n import _

    token = secrets.get_secret(TOKEN_NAME)
    if not token:
        raise DomainError(_("Aucun jeton du service national n'est enregistré : un superviseur doit le saisir."))
    return token


def http_transport(session: Session, timeout: float | None = None):
    """The configured HTTP transport. Raises DomainError with a French message when not configured."""
    from app.i18n import _
    from app.sync.transport import HttpTransport

    url = service_url(session)
    if not url:
        raise DomainError(_("L'adresse du service national n'est pas configurée."))
    from app.sync.transport import READ_TIMEOUT

    return HttpTransport(url, load_token(), timeout=timeout or READ_TIMEOUT)
