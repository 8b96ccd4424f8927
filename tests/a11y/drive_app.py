"""The app side of the AT-SPI walk (tests/a11y/test_atspi.py): run with the project's venv,
under Xvfb and a D-Bus session, accessibility on. It opens each screen in turn, prints
`READY <screen> <json>` (the window's accessible name, the texts its controls show, the table
to Tab out of) and waits for a command on stdin: NEXT, or SAVE / SEARCH / REPORT (an action
whose announcement the walker must hear), then NEXT.

The store is a real SQLite file in a temporary folder: a France services, an administrator
(every menu and the settings are open to them), two visits, one follow-up due today.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="guichet-a11y-"))
BREAK = os.environ.get("GUICHET_A11Y_BREAK") == "1"  # re-creates three known faults (the test of the test)
os.environ.setdefault("GUICHET_CONFIG_DIR", str(TMP / "config"))
os.environ.setdefault("GUICHET_LOG_DIR", str(TMP / "log"))

from PySide6.QtCore import QEventLoop, QSocketNotifier, Qt, QTimer  # noqa: E402
from PySide6 import QtGui  # noqa: E402
from PySide6.QtGui import QAccessible, QTextDocument  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QToolButton, QWidget  # noqa: E402


def shown_texts(window: QWidget) -> list[str]:
    """What the controls of `window` show in words (buttons, check boxes, checkable groups)."""
    texts = []
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w.window() is not window:
            continue  # a message box over the window is a window of its own
        if isinstance(w, QAbstractButton) and not isinstance(w, QToolButton):
            text = w.text()
        elif isinstance(w, QGroupBox) and w.isCheckable():
            text = w.title()
        else:
            continue
        text = text.replace("&", "").split("\n")[-1].split("  ")[-1].strip()
        text = text.split(" (")[0].rstrip(" …").strip()  # « Enregistrer (Entrée) »: the key is a hint
        text = text.strip("◀▶ ")  # arrows are decoration, not words a screen reader should say
        if len(text) > 1:
            texts.append(text)
    return sorted(set(texts))


def drawn_texts(window: QWidget) -> list[str]:
    """What the visible labels of `window` draw, as plain text (a screen reader must get it)."""
    texts = []
    for label in window.findChildren(QLabel):
        if not label.isVisible() or label.window() is not window or not label.text().strip():
            continue
        text = label.text()
        if label.textFormat() == Qt.RichText or (label.textFormat() == Qt.AutoText and QtGui.Qt.mightBeRichText(text)):
            doc = QTextDocument()
            doc.setHtml(text)
            text = doc.toPlainText()
        if label.buddy() is not None:
            text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
        texts.append(" ".join(text.split()))
    return sorted(set(texts))


def ready(screen: str, window: QWidget, **extra) -> str:
    window.raise_()
    window.activateWindow()
    pump(150)
    iface = QAccessible.queryAccessibleInterface(window)
    info = {"window": iface.text(QAccessible.Name), "shown": shown_texts(window), "drawn": drawn_texts(window), **extra}
    print(f"READY {screen} {json.dumps(info, ensure_ascii=False)}", flush=True)
    return wait_command()


def wait_command() -> str:
    """The walker's next command, Qt's event loop running meanwhile (workers, announcements).
    Event-driven, not a polling loop: with shiboken6 6.12 on Python 3.11 every void call made
    from Python drops a reference to None, and a polling loop ran out of them in seconds."""
    loop = QEventLoop()
    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(loop.quit)
    loop.exec()
    notifier.setEnabled(False)
    line = sys.stdin.readline()
    if not line:
        sys.exit(0)  # the walker is gone
    return line.strip()


def pump(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def seed(store):
    from app.core import structures
    from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
    from app.core.context import Actor
    from app.models.enums import Role

    with store.write() as session:
        site = structures.create_structure(session, "100001", "France services de Testville")
        admin = structures.create_agent(session, site.id, "ada", "Ada Admin", Role.ADMINISTRATEUR)
        actor = Actor(admin.id, site.id, Role.ADMINISTRATEUR, admin.display_name)
        first = open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine("CAF", "CAF-RSA")], canal="guichet", note="Pièces à apporter",
            follow_up_on=date.today(), status="ouvert"))
        open_accompaniment(session, actor, AccompanimentInput(procedures=[ProcedureLine("ANTS")], canal="telephone"))
    return actor, first.id


def main() -> int:
    from app import i18n
    from app.core.bootstrap import open_app_store
    from app.resources import resource_path
    from app.ui.a11y import install_qt_translations

    app = QApplication(sys.argv)
    app.setApplicationName("Guichet")
    app.setApplicationDisplayName("Guichet")
    i18n.install("fr")
    install_qt_translations(app, "fr")
    font = app.font()
    font.setPointSizeF(10.5)
    app.setFont(font)
    app.setStyleSheet(resource_path("styles", "guichet.qss").read_text(encoding="utf-8"))

    store = open_app_store(TMP / "guichet.db")
    actor, case_id = seed(store)

    from app.core.surveys import SurveyInput
    from app.ui.accompaniment_form import AccompanimentForm, matcher
    from app.ui.case_detail import CaseDetailDialog
    from app.ui.login import LoginDialog
    from app.ui.main_window import MainWindow
    from app.ui.report_dialog import ReportDialog
    from app.ui.settings_dialog import SettingsDialog
    from app.ui.survey_mode import SurveyScreen
    from app.ui.workers import drain
    from tests.desks import desk_for

    login = LoginDialog(store)
    login.show()
    ready("login", login)
    login.close()

    desk = desk_for(store, actor)
    window = MainWindow(desk)
    window.resize(1366, 740)
    window.show()
    pump(300)
    if BREAK:  # negative control: the walker must see this trap
        window.case_view.setTabKeyNavigation(True)
    window.case_view.setFocus()
    window.case_view.selectRow(0)
    command = ready("main", window, tab_from=window.case_view.accessibleName())
    if command == "SEARCH":
        window.search_edit.setText("caf")
        wait_command()

    form = AccompanimentForm(desk, parent=window)
    form.show()
    command = ready("form", form)
    if command == "SAVE":
        form._pick(matcher().get("CAF-RSA"))
        form.save()
        wait_command()
    pump(200)

    detail = CaseDetailDialog(desk, case_id, parent=window)
    if BREAK:  # negative control: a fixed name on a data label, an unnamed focusable control
        detail.summary.setAccessibleName("Résumé de l'accompagnement")
        detail.follow_date.setAccessibleName("")
    detail.show()
    ready("case", detail)
    detail.close()

    window.show_followups()
    window.followup_view.selectRow(0)
    window.followup_view.setFocus()
    ready("followups", window, tab_from=window.followup_view.accessibleName())

    survey = SurveyScreen(desk, SurveyInput(structure_id=actor.structure_id))
    survey.resize(1366, 768)
    survey.show()
    survey.show_question(1)
    ready("survey", survey)
    survey.leave()

    settings = SettingsDialog(desk, window)
    settings.show()
    ready("settings", settings)
    settings.close()

    report = ReportDialog(desk, window)
    report.folder.setText(str(TMP / "reports"))
    (TMP / "reports").mkdir()
    report.open_after.setChecked(False)
    report.show()
    command = ready("report", report)
    if command == "REPORT":
        report.start()
        wait_command()
    report.close()
    print("DONE", flush=True)
    drain()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
