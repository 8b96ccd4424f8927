"""Start-up on a store with passwords: the login dialog first, the store opening while the agent types.

The production case (an encrypted store, every agent with a password) used to paint an empty main
window, import the ORM and open the store, and only then ask for the password. Now:

1. the login dialog is the first thing painted (nothing but Qt and this module are imported);
2. while the agent picks their name and types, a worker thread imports the ORM, reads the key,
   opens and checks the store, lists the agents, compiles the first screen's queries for a
   structure that does not exist (app/core/warmup.py: no case is read) and imports the main
   window's modules;
3. on « Se connecter » the password is checked (at once, or as soon as the store is open), and only
   then is the main window created and filled. No window holding data exists before the login.

Which stores start this way: the one where passwords were on at the last login on this computer
(`config.LOGIN_FIRST_STORE`, written by `login.remember_login_first`). Any other start (first run, demo, a store
without passwords, set-up, recovery) takes the usual path in app/ui/app.py, which the hint never
changes; a stale hint only costs the dialog closing itself once the store says otherwise.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QDialog

from app import config
from app.ui import prefs
from app.ui.login import LoginDialog, remember_login_first
from app.ui.workers import run_op

log = logging.getLogger(__name__)


def wants_login_first(path: Path) -> bool:
    return bool(path) and prefs.get(config.LOGIN_FIRST_STORE) == str(path) and path.exists()


def open_for_login(path: Path):
    """Worker thread: everything the login and the first paint after it need. Returns (store, screen)."""
    from app.core import auth
    from app.core.bootstrap import open_app_store

    store = open_app_store(path)
    try:
        screen = auth.login_screen(store)
        from app.core.warmup import warm_first_screen

        warm_first_screen(store)  # compiles the first screen's queries for structure -1: no case is read
        from app.core import desk  # noqa: F401  (imported now rather than after « Se connecter »)
        from app.ui import main_window  # noqa: F401  (module import only: widgets are built on the UI thread)
    except BaseException:
        store.close()
        raise
    return store, screen


class _Painted(QObject):
    """Measurement mode: report the login dialog's first paint."""

    def __init__(self, start: float, parent):
        super().__init__(parent)
        self.started_at = start

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Paint:
            print(f"login_painted_ms={(time.perf_counter() - self.started_at) * 1000:.1f}", flush=True)
            obj.removeEventFilter(self)
        return False


class LoginFirst(QObject):
    """Drives steps 1–3. `on_login(store, grant)` builds the main window; `on_fallback(error)` hands
    over to the usual start-up (error=None: the store turned out not to need the dialog first;
    else the store could not be opened, and the usual path shows why or offers recovery)."""

    def __init__(self, path: Path, on_login, on_fallback, *, start: float | None = None):
        super().__init__()
        self.path, self.on_login, self.on_fallback = path, on_login, on_fallback
        self.started_at = start
        self.store = self.screen = None
        self.cancelled = False
        wanted = config.AGENT.get() or prefs.get(config.LAST_AGENT_LOGIN)
        self.dialog = LoginDialog(None, None, preselect_login=wanted)
        if start is not None and config.EXIT_AFTER_PAINT.get():
            self.dialog.installEventFilter(_Painted(start, self.dialog))
        self.dialog.finished.connect(self._finished)

    def start(self) -> None:
        self.dialog.show()
        run_op(self, lambda _report: open_for_login(self.path), on_done=self._opened, on_error=self._failed)

    def _opened(self, result) -> None:
        self.store, self.screen = result
        if self.cancelled:  # the agent cancelled while the store was opening: the app is quitting
            self.store.close()
            return
        from app.core.setup import needs_setup

        if needs_setup(self.store) or not self.screen.passwords_on or not self.screen.choices:
            remember_login_first(self.path, False)
            self._hand_over(None)
            return
        if self.dialog.isVisible():
            self.dialog.set_store(self.store, self.screen)

    def _failed(self, exc: BaseException) -> None:
        self._hand_over(exc)

    def _hand_over(self, exc: BaseException | None) -> None:
        """Close the dialog without quitting and let the usual start-up take over."""
        self.dialog.finished.disconnect(self._finished)
        self.dialog.close()
        self.dialog.deleteLater()
        self.on_fallback(self.store if exc is None else None, exc)

    def _finished(self, result: int) -> None:
        grant = self.dialog.actor if result == QDialog.Accepted else None
        self.dialog.deleteLater()
        if grant is None:  # cancelled: on_login(store, None) closes an open store and quits
            self.cancelled = True  # a store still opening is closed by _opened
            self.on_login(self.store, None)
            return
        if self.started_at is not None and config.EXIT_AFTER_PAINT.get():  # measurement: password checked
            print(f"login_checked_ms={(time.perf_counter() - self.started_at) * 1000:.1f}", flush=True)
        login = next((c[2] for c in self.screen.choices if c[0] == grant.agent_id), "")
        prefs.put(config.LAST_AGENT_LOGIN, login)
        self.on_login(self.store, grant)
