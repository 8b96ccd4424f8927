"""Per-user interface preferences (language, last agent, report folder…) in QSettings.

Every key is declared in app/config.py (type, default, validation); this module only opens the
file. GUICHET_CONFIG_DIR redirects it (tests, portable installs) so a test run never touches the
user's real settings.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from app import config


def settings() -> QSettings:
    folder = config.CONFIG_DIR.get()
    if folder:
        return QSettings(str(folder / "guichet.ini"), QSettings.IniFormat)
    return QSettings("Guichet", "Guichet")


def _var(key: config.PrefVar | str) -> config.PrefVar:
    return key if isinstance(key, config.PrefVar) else config.pref(key)  # KeyError: declare it in app/config.py


def get(key: config.PrefVar | str):
    """The typed value, or the declared default when absent or unreadable."""
    return _var(key).get(settings())


def put(key: config.PrefVar | str, value) -> None:
    """Raises ValidationError (French, naming the preference) for a value the declaration refuses."""
    s = settings()
    _var(key).set(s, value)
    s.sync()
