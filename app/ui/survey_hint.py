"""The survey offer after a visit: a bar in the main window, never a dialog.

« Accompagnement clos. Proposer l'enquête de satisfaction à l'usager ? F6 » appears under the
Today panel when the counter saves a case the core says is due for it
(app/core/survey_offer.py: closed, face to face, just now, site setting on). F6 starts usager
mode for that case. There is nothing to dismiss: the next key press or click anywhere in the
app (other than F6) hides it, so Ctrl+N for the next usager works as if it were not there, and
it hides itself after `HINT_MS` anyway. A bar that takes no focus cannot swallow a reflex Entrée.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel

from app.i18n import _

KEY = "F6"
HINT_MS = 120_000  # the usager has left by then


class SurveyHint(QFrame):
    """The bar; `offer(case_id)` shows it, `accept()` (F6) launches the survey."""

    def __init__(self, window, launch):
        super().__init__(window)
        self.window_, self._launch = window, launch
        self.case_id: int | None = None
        self.setObjectName("surveyHint")
        self.setFrameShape(QFrame.StyledPanel)
        self.setFocusPolicy(Qt.NoFocus)
        self.setStyleSheet("#surveyHint { background: #e3e3fd; border: 1px solid #000091; border-radius: 4px; }"
                           "#surveyHint QLabel { color: #000091; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel(_("Accompagnement clos. Proposer l'enquête de satisfaction à l'usager ?  "
                              "<b>{key}</b>").format(key=KEY))
        self.label.setTextFormat(Qt.RichText)
        self.label.setAccessibleName(_("Proposer l'enquête de satisfaction : touche {key}").format(key=KEY))
        row.addWidget(self.label, 1)
        self.hide()
        self.action = QAction(_("Lancer l'enquête proposée"), window)
        self.action.setShortcut(QKeySequence(KEY))
        self.action.setShortcutContext(Qt.WindowShortcut)
        self.action.setEnabled(False)  # a disabled action's key is free: F6 does nothing without a hint
        self.action.triggered.connect(self.accept)
        window.addAction(self.action)
        self._timer = QTimer(self, singleShot=True, interval=HINT_MS)
        self._timer.timeout.connect(self.withdraw)
        self._watcher = _NextAction(self)

    def offer(self, case_id: int) -> None:
        self.case_id = case_id
        self.show()
        self.action.setEnabled(True)
        self._timer.start()
        self._watcher.watch()
        self.window_.statusBar().showMessage(
            _("Accompagnement enregistré. {key} : proposer l'enquête de satisfaction.").format(key=KEY), 8000)

    def withdraw(self) -> None:
        if self.case_id is None and not self.isVisible():
            return
        self.case_id = None
        self.hide()
        self.action.setEnabled(False)
        self._timer.stop()
        self._watcher.stop()

    def accept(self) -> None:
        case_id = self.case_id
        self.withdraw()
        if case_id is not None:
            self._launch(self.window_, case_id)


class _NextAction(QObject):
    """Hides the hint at the agent's next key press or click, wherever it lands in the app.
    F6 itself fires the shortcut before any key press is delivered, so it is not seen here."""

    def __init__(self, hint: SurveyHint):
        super().__init__(hint)
        self.hint, self.on = hint, False

    def watch(self) -> None:
        if not self.on:
            QApplication.instance().installEventFilter(self)
            self.on = True

    def stop(self) -> None:
        if self.on:
            QApplication.instance().removeEventFilter(self)
            self.on = False

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind == QEvent.KeyPress and event.key() == Qt.Key_F6 and not event.modifiers():
            return False  # the shortcut's own press, when a widget asked to see it first
        if kind in (QEvent.KeyPress, QEvent.MouseButtonPress):
            QTimer.singleShot(0, self.hint, self.hint.withdraw)  # not while Qt delivers this event
        return False


def install(window, launch) -> SurveyHint:
    """Put the bar under the Today panel (hidden until a visit ends); F6 calls
    `launch(window, case_id)` (app.ui.survey_launch.launch)."""
    hint = SurveyHint(window, launch)
    layout = window.centralWidget().layout()
    layout.insertWidget(layout.indexOf(window.today_panel) + 1, hint)
    window.survey_hint = hint
    window.actor_changed.connect(lambda _actor: hint.withdraw())
    return hint
