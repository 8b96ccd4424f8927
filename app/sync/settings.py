"""Where and how to reach the national service: URL in the store's settings, token in the OS
keyring (app.core.secrets: fails closed, never a plain-text fallback)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from sqlmodel import Session

from app.core import secrets
from app.core.context import Actor
from app.core.structures import get_setting, set_setting
from app.models.errors import DomainError, ValidationError

URL_KEY = "sync_service_url"
NEEDS_TOKEN_KEY = "sync_needs_token"
TOKEN_NAME = "sync_token"
# Test-only: lets subprocess tests hand a token to `guichet sync` on machines without a keyring.
# Never documented to users; the app itself never reads a token from anywhere but the keyring.
TEST_TOKEN_ENV = "GUICHET_SYNC_TOKEN_TEST_ONLY"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def service_url(session: Session) -> str:
    return get_setting(session, URL_KEY) or ""


def validate_url(url: str) -> str:
    from app.i18n import _

    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Adresse du service : une adresse https://… est attendue."), field="url")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        # A token must never cross the network in clear; plain http is for the local stand-in only.
        raise ValidationError(_("Adresse du service : https est obligatoire (http seulement pour 127.0.0.1)."),
                              field="url")
    return url


def set_service_url(session: Session, actor: Actor, url: str) -> str:
    actor.require("configure_sync")
    url = validate_url(url)
    set_setting(session, URL_KEY, url)
    return url


def needs_token(session: Session) -> bool:
    return get_setting(session, NEEDS_TOKEN_KEY) == "1"


def set_needs_token(session: Session, value: bool) -> None:
    set_setting(session, NEEDS_TOKEN_KEY, "1" if value else "0")


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

    env = os.environ.get(TEST_TOKEN_ENV)
    if env:
        return env
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
