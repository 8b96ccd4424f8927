"""Opening the store for the app or the CLI: migrate, load reference data, pick the structure."""

from __future__ import annotations

from pathlib import Path

from app.core import changes
from app.core.catalogue import sync_reference_data
from app.store.engine import Store, open_store


def open_app_store(path: Path, read_only: bool = False, encrypted: bool | None = None) -> Store:
    """Open and migrate the store, then upsert the bundled catalogues. Raises StoreError, CatalogueError.
    An existing encrypted store is detected and opened with its keyring key; `encrypted=None`
    creates a missing file in clear (demo, tests, benchmarks: fake data only)."""
    store = open_store(path, read_only=read_only, encrypted=encrypted)
    store.write_hooks.append(changes.install)
    if not read_only:
        with store.write() as session:
            sync_reference_data(session)
    return store


def create_app_store(path: Path, encrypted: bool = True) -> tuple[Store, str | None]:
    """Set-up wizard: create a new store, encrypted by default (key into the OS keyring).
    Returns the store and the recovery code to show once and print for the supervisor (None when
    not encrypted). Raises StoreError (file exists, no secure keyring: nothing is created)."""
    from app.store import crypto

    code = crypto.provision_store_key(path) if encrypted else None
    try:
        return open_app_store(path, encrypted=encrypted), code
    except BaseException:
        if code is not None and crypto.file_kind(path) == "missing":
            crypto.keyfile_path(path).unlink(missing_ok=True)  # no orphan key file for a store never made
        raise
