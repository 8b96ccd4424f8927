"""Opening the store for the app or the CLI: migrate, load reference data, pick the structure."""

from __future__ import annotations

from pathlib import Path

from app.core import changes
from app.core.catalogue import sync_reference_data
from app.store import crypto
from app.store.engine import Store, open_store


def open_app_store(path: Path | str, read_only: bool = False, encrypted: bool | None = None,
                   anchor: Path | None = None, site_role: str | None = None) -> Store:
    """Open and migrate the store, then upsert the bundled catalogues. Raises StoreError, CatalogueError.
    An existing encrypted store is detected and opened with its keyring key; `encrypted=None`
    creates a missing file in clear (demo, tests, benchmarks: fake data only).

    Order matters: `quick_check` runs before the migration and every other write (a damaged
    file goes to recovery untouched); the journal's pinned head is compared before anything is
    journaled (app/core/journal_guard.py); then erasures noted outside the file are re-applied, in
    case the file was replaced by an older copy (app/core/erasure_ledger.py).
    `path` may be a site store's `postgresql://` URL (app/store/site_store.py); `anchor` is then
    the desk-local file its journal pin is kept in (default: the user data folder), and `site_role`
    a role to act as (`guichet site init`: the administrator's connection as the desks' role)."""
    from app.core import erasure_ledger, erasure_replay, journal_guard
    from app.store import site_store

    if site_store.is_site_url(path):  # `--db postgresql://…`: the site's shared store
        store = site_store.open_site_store(str(path), anchor=anchor, role=site_role)
    else:
        if not read_only and crypto.file_kind(path) == "missing":
            erasure_ledger.forget_companions(path)  # a new store inherits no pin or ledger of an old one
        store = open_store(path, read_only=read_only, encrypted=encrypted, check=True)
    store.write_hooks.append(changes.install)
    if not read_only:
        try:
            journal_guard.check_at_open(store)
            with store.write() as session:
                sync_reference_data(session)
            erasure_replay.reapply(store)
        except BaseException:
            store.close()
            raise
    return store


def create_app_store(path: Path, encrypted: bool = True, passphrase: str | None = None) -> tuple[Store, str | None]:
    """Set-up wizard: create a new store, encrypted by default (key into the OS keyring, or, given
    a site `passphrase` where no secure keyring exists, wrapped by it in `<store>.coffre`).
    Returns the store and the recovery code to show once and print for the supervisor (None when
    not encrypted). Raises StoreError, ValidationError (weak passphrase): nothing is created then."""
    from app.store import crypto, secrets, vault

    code = crypto.provision_store_key(path, passphrase) if encrypted else None
    try:
        return open_app_store(path, encrypted=encrypted), code
    except BaseException:
        if code is not None and crypto.file_kind(path) == "missing":
            crypto.keyfile_path(path).unlink(missing_ok=True)  # no orphan key file for a store never made
            if passphrase is not None:
                vault.vault_path(path).unlink(missing_ok=True)
                secrets.close_vault()
        raise
