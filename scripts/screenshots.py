"""Regenerate the README screenshots of the main window and the accompaniment form from the
real application on the demo store (offscreen). Usage: .venv/bin/python scripts/screenshots.py [DEMO_DB]
Screenshots on a real X display (window manager, 1366×768, 200 % text): scripts/screenshots_x11.py."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GUICHET_CONFIG_DIR", tempfile.mkdtemp())

from PySide6.QtWidgets import QApplication  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    from app.core import auth
    from app.core.bootstrap import open_app_store
    from app.core.demo_cli import ensure_demo_store
    from app.core.desk import Desk
    from app.ui import look
    from app.ui.accompaniment_form import AccompanimentForm
    from app.ui.main_window import MainWindow

    app = QApplication(sys.argv)
    look.apply(app)  # the font floor, palette and stylesheet, as the app starts
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "demo.db"
    ensure_demo_store(db)
    store = open_app_store(db)
    camille = next(agent_id for agent_id, _name, login in auth.login_screen(store).choices if login == "camille")
    desk = Desk(store, auth.choose_agent(store, camille))  # the demo store has no passwords
    window = MainWindow(desk)
    window.resize(1280, 760)
    window.show()
    if window.loading:  # lists and figures load off the UI thread: wait for them (no busy loop)
        from PySide6.QtCore import QEventLoop

        loop = QEventLoop()
        window.refreshed.connect(loop.quit)
        loop.exec()
    app.processEvents()
    window.grab().save(str(OUT / "main-window.png"))

    form = AccompanimentForm(desk, parent=window)
    form.show()
    app.processEvents()
    form.demarche_edit.setText("carte gr")
    form._suggest("carte gr")
    form._pick(form._hits[next(iter(form._hits))])
    form.demarche_edit.setText("c2s")
    form._suggest("c2s")
    app.processEvents()
    form.adjustSize()
    app.processEvents()
    form.grab().save(str(OUT / "accompaniment-form.png"))
    popup = form.completer.popup()
    if popup.isVisible():
        popup.grab().save(str(OUT / "accompaniment-form-suggestions.png"))
    from shots_followups import capture  # « À relancer », « Noter un appel », « Feuille de route »

    driver = next(agent_id for agent_id, _name, login in auth.login_screen(store).choices if login == "yann")  # the bus
    capture(app, window, desk, OUT, bus_desk=Desk(store, auth.choose_agent(store, driver)))
    from app.ui.workers import drain

    drain()
    store.close()
    print("saved to", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
