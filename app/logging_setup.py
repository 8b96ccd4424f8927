"""Log file in the user's log folder; programming errors land there with their traceback."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app import config


def log_file() -> Path:
    from app.store.paths import log_dir

    folder = config.LOG_DIR.get() or log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "guichet.log"


def setup_logging(level: int = logging.INFO) -> Path:
    path = log_file()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    return path
