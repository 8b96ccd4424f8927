"""Where the store lives: --db PATH, else $GUICHET_DB, else the platformdirs user-data folder."""

from __future__ import annotations

import os
from pathlib import Path

from app import config

ENV_DB = config.DB_PATH.name
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
    env = config.DB_PATH.get()
    if env:
        return env.resolve()
    return default_store_path()
