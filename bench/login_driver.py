"""Benchmark helper: runs the real app (`python -m app` equivalent) and types the password the
benchmark writes on stdin into the login dialog, then presses « Se connecter ».

    python bench/login_driver.py --db STORE

Nothing of this is in the app: the password travels on a pipe from bench/bench_ui.py, never in the
environment, and is typed into the same dialog an agent uses. The app prints `login_painted_ms=`
when the dialog is first painted and `painted_ms=` once the main window shows its data
(GUICHET_EXIT_AFTER_PAINT=1).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QSocketNotifier  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

qt = QApplication(sys.argv[:1])  # the app's run() reuses it


def _type_password() -> None:
    password = sys.stdin.readline().rstrip("\n")
    notifier.setEnabled(False)
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if type(w).__name__ == "LoginDialog" and w.isVisible())
    dialog.password_edit.setText(password)
    print("typed", flush=True)
    dialog.try_login()


notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Read)
notifier.activated.connect(_type_password)

from app.cli import main  # noqa: E402

raise SystemExit(main(sys.argv[1:]))
