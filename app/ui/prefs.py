"""Per-user interface preferences (language, last agent, window geometry) in QSettings.

GUICHET_CONFIG_DIR redirects them (tests, portable installs) so a test run never touches the
user's real settings.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings


def settings() -> QSettings:
    folder = os.environ.get("GUICHET_CONFIG_DIR")
    if folder:
        return QSettings(os.path.join(folder, "guichet.ini"), QSettings.IniFormat)
    return QSettings("Guichet", "Guichet")


def get(key: str, default=None):
    value = settings().value(key, default)
    return default if value is None else value


def put(key: str, value) -> None:
    s = settings()
    s.setValue(key, value)
    s.sync()
