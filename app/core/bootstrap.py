"""Opening the store for the app or the CLI: migrate, load reference data, pick the structure."""

from __future__ import annotations

from pathlib import Path

from app.core.catalogue import sync_reference_data
from app.store.engine import Store, open_store


def open_app_store(path: Path, read_only: bool = False) -> Store:
    """Open and migrate the store, then upsert the bundled catalogues. Raises StoreError, CatalogueError."""
    store = open_store(path, read_only=read_only)
    if not read_only:
        with store.write() as session:
            sync_reference_data(session)
    return store
