"""Where the store lives: --db PATH, else $GUICHET_DB, else the platformdirs user-data folder."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "GUICHET_DB"
APP_NAME = "Guichet"
BACKUP_DIR_NAME = "sauvegardes"


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


def default_store_path() -> Path:
    return data_dir() / "guichet.db"


def demo_store_path() -> Path:
    return data_dir() / "demo.db"


def backup_dir(store_path: Path) -> Path:
    """The backups folder beside a store (also where a copy of its key file is kept)."""
    return Path(store_path).parent / BACKUP_DIR_NAME


def resolve_store_path(cli_path: str | os.PathLike | None = None) -> Path:
    if cli_path:
        return Path(cli_path).expanduser().resolve()
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser().resolve()
    return default_store_path()
