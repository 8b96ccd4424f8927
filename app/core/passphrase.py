"""The site passphrase (no-keyring mode): unlock at start of day, throttled like the login;
a new passphrase with the recovery code or the current one; the command line's prompt.

The key handling itself is in app/store/vault.py and app/store/crypto.py. This module adds what
a person typing a passphrase needs:
- Throttling, with the login's rule (app.core.auth.delay_after: 5 free failures, then 30 s
  doubling up to 15 min), on the process's monotonic clock. A try during a lock-out is refused
  unchecked but counted (it raises the next delay). Nothing is written on a failure: the store is
  not open yet (no journal to write to) and the files stay byte-identical; failures go to the
  technical log. Quitting Guichet resets the count; each guess still costs an Argon2id derivation
  (0.8 s here), and a guesser who has copied the files is not slowed by any counter at all
  (docs/readme/security.md, threat model).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from app.core import auth
from app.models.errors import ValidationError
from app.store import crypto, vault

log = logging.getLogger(__name__)

check_passphrase = vault.check_passphrase
needs_passphrase = crypto.needs_passphrase
uses_passphrase = crypto.uses_passphrase


@dataclass
class _Tries:
    failures: int = 0
    until: float = 0.0  # monotonic end of the current lock-out


_TRIES: dict[str, _Tries] = {}


def _key(path) -> str:
    return str(Path(path).resolve())


def reset_throttle() -> None:
    """Forget every count (tests)."""
    _TRIES.clear()


def unlock(path, passphrase: str) -> None:
    """Open the store's vault with the site passphrase for this process. Raises ValidationError
    (field "passphrase": wrong, or too many tries), VaultError / StoreKeyError (file damaged)."""
    tries = _TRIES.setdefault(_key(path), _Tries())
    now = auth.monotonic()
    if tries.until > now:
        tries.failures += 1
        log.warning("site passphrase: try during a lock-out (failure %d)", tries.failures)
        wait = math.ceil(tries.until - now)
        raise ValidationError("Trop d'essais infructueux : réessayez dans {wait} s.", field="passphrase", wait=wait)
    try:
        crypto.unlock_store(path, passphrase if isinstance(passphrase, str) else "")
    except ValidationError:
        tries.failures += 1
        wait = auth.delay_after(tries.failures)
        log.warning("site passphrase: wrong (failure %d)", tries.failures)
        if wait:
            tries.until = now + wait
            raise ValidationError("Phrase de passe incorrecte. Trop d'essais : réessayez dans {wait} s.",
                                  field="passphrase", wait=wait) from None
        raise
    _TRIES.pop(_key(path), None)


def check_new(new: str, confirm: str | None) -> None:
    """Policy (field "passphrase"), then the confirmation (field "confirm"). Raises ValidationError."""
    check_passphrase(new)
    if confirm is not None and new != confirm:
        raise ValidationError("Les deux phrases de passe ne sont pas identiques.", field="confirm")


def recover(path, code: str, new: str, confirm: str | None = None) -> None:
    """The recovery code opens the store and a new site passphrase replaces the old one (the
    token and the journal pin sealed in the vault are kept). Raises ValidationError."""
    check_new(new, confirm)
    crypto.recover_store_key(Path(path), code, new)


def change(path, current: str, new: str, confirm: str | None = None) -> None:
    """A new site passphrase, given the current one (throttled like the unlock)."""
    check_new(new, confirm)
    unlock(path, current)
    from app.store import secrets

    unlocked = secrets.active_vault()
    secrets.open_vault(vault.rewrap(unlocked.path, unlocked.key, new, unlocked.store_id))


def cli_unlock(path, ask: Callable[[str], str], tries: int = 3, say: Callable[[str], None] = print) -> None:
    """Command line: ask the passphrase (up to `tries` times) when the store needs one.
    Raises the last ValidationError when every try failed."""
    from app.i18n import _

    if not needs_passphrase(path):
        return
    for attempt in range(tries):
        try:
            unlock(path, ask(_("Phrase de passe du site : ")))
            return
        except ValidationError as exc:
            if attempt == tries - 1:
                raise
            say(exc.message)


def prompt(text: str) -> str:
    """The passphrase from the terminal (not echoed), else one line of standard input."""
    import getpass
    import sys

    if sys.stdin.isatty():
        return getpass.getpass(text)
    return sys.stdin.readline().rstrip("\r\n")


def open_cli_store(path):
    """The command line's `open_app_store`: asks the site passphrase first where the store needs it
    (terminal without echo, else the first line of standard input)."""
    import sys

    from app.core.bootstrap import open_app_store

    cli_unlock(path, prompt, say=lambda text: print(f"guichet : {text}", file=sys.stderr))
    return open_app_store(path)
