"""Auto-lock after inactivity and « Changer d'agent » on a shared counter PC.

- `SessionGuard` watches keyboard and mouse input for the whole application. After N minutes
  without any (store setting `autolock_minutes`, default 5) it locks the window: the central
  area, tool bars and every other open window are hidden, actions are disabled (shortcuts
  included) and a lock screen asks for the same agent's password. « Changer d'agent » closes
  everything the previous agent had open and attaches the next one.
- While locked, any window that appears (a dialog opened by a timer, a worker's message, a
  shortcut) is hidden at once: made transparent in its show event, hidden on the next turn of
  the event loop (hiding inside the show event would leave the native window on screen). A modal
  dialog is thereby closed as if cancelled; a non-modal one comes back at unlock for the same
  agent. Only the lock screen and the « Changer d'agent » dialog may show.
- Time comes from an injectable monotonic `clock` so tests can move it forward.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QApplication, QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QToolBar,
                               QDockWidget, QVBoxLayout, QWidget)
from shiboken6 import isValid

from app.i18n import _
from app.ui.widgets import FieldError

log = logging.getLogger(__name__)
_INPUT_EVENTS = {QEvent.KeyPress, QEvent.MouseButtonPress, QEvent.MouseMove, QEvent.Wheel, QEvent.TouchBegin}
CHECK_INTERVAL_MS = 5000


class LockScreen(QWidget):
    """Covers the main window; only the locked agent's password or « Changer d'agent » opens it."""

    def __init__(self, guard: "SessionGuard"):
        super().__init__(guard.window)
        self.guard = guard
        self.setObjectName("lockScreen")
        self.setAccessibleName(_("Session verrouillée"))
        self.setAutoFillBackground(True)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        box.setMinimumWidth(420)
        box.setMaximumWidth(560)
        inner = QVBoxLayout(box)
        self.title = QLabel()
        self.title.setObjectName("lockTitle")
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.title.setWordWrap(True)
        inner.addWidget(self.title)
        self.hint = hint = QLabel()
        hint.setWordWrap(True)
        inner.addWidget(hint)
        self.password_label = label = QLabel(_("&Mot de passe :"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.Password)
        self.password_edit.setAccessibleName(_("Mot de passe pour déverrouiller"))
        label.setBuddy(self.password_edit)
        inner.addWidget(label)
        inner.addWidget(self.password_edit)
        self.error = FieldError(self)
        inner.addWidget(self.error)
        buttons = QHBoxLayout()
        self.unlock_button = QPushButton(_("&Déverrouiller"))
        self.unlock_button.setAccessibleName(_("Déverrouiller"))
        self.unlock_button.setDefault(True)
        self.switch_button = QPushButton(_("&Changer d'agent…"))
        self.switch_button.setAccessibleName(_("Changer d'agent"))
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.switch_button)
        inner.addLayout(buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.password_edit.returnPressed.connect(self.try_unlock)
        self.switch_button.clicked.connect(guard.change_agent)
        self.hide()

    def show_for(self, actor) -> None:
        self.title.setText(_("Session de {agent} verrouillée").format(agent=actor.display_name))
        self.password_edit.clear()
        self.error.clear_error(self.password_edit)
        passwords = self.guard.passwords_on()
        # The label goes with its field: never « Mot de passe : » over nothing.
        self.password_edit.setVisible(passwords)
        self.password_label.setVisible(passwords)
        self.hint.setText(_("Les données sont masquées. Saisissez votre mot de passe pour reprendre, "
                            "ou changez d'agent.") if passwords else
                          _("Les données sont masquées. Aucun mot de passe n'est encore défini : « Reprendre » "
                            "rouvre la session (un administrateur peut en exiger un dans Agents et sécurité)."))
        self.unlock_button.setText(_("&Déverrouiller") if passwords else _("&Reprendre"))
        self.setGeometry(self.guard.window.rect())
        self.show()
        self.raise_()
        (self.password_edit if self.password_edit.isVisible() else self.unlock_button).setFocus(Qt.OtherFocusReason)

    def try_unlock(self) -> bool:
        from app.core import auth
        from app.models.errors import DomainError

        guard = self.guard
        try:
            auth.login(guard.window.desk.store, guard.window.desk.grant.agent_id, self.password_edit.text(),
                       now=guard.now(), action="unlock")
        except DomainError as exc:
            self.password_edit.clear()
            self.error.show_error(exc.message, self.password_edit)
            self.password_edit.setFocus(Qt.OtherFocusReason)
            return False
        self.password_edit.clear()
        guard.unlock()
        return True


class SessionGuard(QObject):
    """Idle watcher, lock and agent switch for one MainWindow."""

    def __init__(self, window, minutes: float, clock=time.monotonic, wall_clock=None):
        super().__init__(window)
        self.window, self.clock, self.wall_clock = window, clock, wall_clock
        self.timeout_s = minutes * 60
        self.last_input = clock()
        self.locked = False
        self._hidden: list[QWidget] = []
        self._disabled: list[QAction] = []
        self._allowed: list[QWidget] = []  # windows that may show while locked (« Changer d'agent »)
        self._faded: dict[QWidget, float] = {}  # window -> opacity to give back at unlock
        self.screen = LockScreen(self)
        self.timer = QTimer(self, interval=CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        QApplication.instance().installEventFilter(self)
        window.destroyed.connect(lambda *_: self._uninstall())

    def _uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def now(self):
        return self.wall_clock() if self.wall_clock else None

    def passwords_on(self) -> bool:
        from app.core import auth

        return auth.login_screen(self.window.desk.store).passwords_on

    def journal(self, action: str) -> None:
        """Journal a session event as the agent at the desk. A refusal (the agent was deactivated
        meanwhile) must not stop a lock or a change of agent: it is logged instead."""
        from app.core import auth
        from app.models.errors import DomainError

        try:
            self.window.desk.store_op(auth.record_event, action)
        except DomainError as exc:
            log.warning("session event %s not journaled: %s", action, exc.message)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt naming)
        if event.type() in _INPUT_EVENTS and not self.locked:
            self.last_input = self.clock()
        elif event.type() == QEvent.Resize and obj is self.window and self.locked:
            self.screen.setGeometry(self.window.rect())
        elif (event.type() == QEvent.Show and self.locked and isinstance(obj, QWidget)
              and self.window.isVisible() and self._must_hide(obj)):  # a closed window guards nothing
            self._hide_shown(obj)
        return False

    def _must_hide(self, widget: QWidget) -> bool:
        """A window, or a part of the main window that the lock hid, other than the lock's own."""
        window = self.window
        is_part = widget.parentWidget() is window and (widget is window.centralWidget()
                                                        or isinstance(widget, (QToolBar, QDockWidget)))
        if widget is window or not (widget.isWindow() or is_part):
            return False
        node = widget
        while node is not None:
            if node is self.screen or node in self._allowed:
                return False
            node = node.parentWidget()
        return True

    def _hide_shown(self, widget: QWidget) -> None:
        if QGuiApplication.platformName() not in ("offscreen", "minimal") and widget.isWindow():
            self._faded.setdefault(widget, widget.windowOpacity())
            widget.setWindowOpacity(0.0)  # nothing painted before the deferred hide below
        if widget not in self._hidden and not widget.isModal():  # a modal one is closed, not brought back
            self._hidden.append(widget)
        QTimer.singleShot(0, widget, lambda: widget.hide() if self.locked else None)

    def check(self) -> None:
        if not self.locked and self.clock() - self.last_input >= self.timeout_s:
            self.lock()

    # -- lock / unlock ----------------------------------------------------------------
    def lock(self) -> None:
        if self.locked or self.window.desk is None:
            return
        self.locked = True
        window = self.window
        others = [w for w in QApplication.topLevelWidgets() if w is not window and w.isVisible()]
        parts = [window.centralWidget(), *window.findChildren(QToolBar), *window.findChildren(QDockWidget)]
        self._hidden = [w for w in others + parts if w is not None and w.isVisible()]
        for w in self._hidden:
            w.hide()
        self._disabled = [a for a in window.findChildren(QAction) if a.isEnabled() and a not in self.own_actions()]
        for a in self._disabled:
            a.setEnabled(False)
        window.menuBar().setEnabled(False)
        self.screen.show_for(window.actor)
        self.journal("lock")

    def own_actions(self) -> list[QAction]:
        return [a for a in (getattr(self, "act_switch", None), getattr(self, "act_lock", None)) if a]

    def unlock(self) -> None:
        self.screen.hide()
        self.window.menuBar().setEnabled(True)
        for a in self._disabled:
            a.setEnabled(True)
        self.locked = False  # before show(): the windows below must not be caught again
        for w, opacity in self._faded.items():
            if isValid(w):
                w.setWindowOpacity(opacity)
        for w in self._hidden:
            if isValid(w):  # a window may have been deleted while hidden
                w.show()
        self._hidden, self._disabled, self._faded = [], [], {}
        self.last_input = self.clock()

    def change_agent(self) -> None:
        """Ask who comes next; on success nothing of the previous agent stays on screen."""
        from app.ui.login import LoginDialog

        window = self.window
        dialog = LoginDialog(window.desk.store, window, clock=self.wall_clock, title=_("Changer d'agent"))
        self._allowed.append(dialog)
        try:
            if dialog.exec() != QDialog.Accepted or dialog.actor is None:
                return
        finally:
            self._allowed.remove(dialog)
        self.journal("logout")  # as the previous agent: the desk is handed over below
        for w in self._hidden:  # windows hidden by the lock belong to the previous agent
            if w.isWindow():
                w.close()
                w.deleteLater()
        self._hidden = [w for w in self._hidden if not w.isWindow()]
        for w in QApplication.topLevelWidgets():
            if w is not window and w is not dialog and w.isVisible():
                w.close()
        switch_actor(window, dialog.actor)
        self.unlock()


def switch_actor(window, grant) -> None:
    """Hand the window's desk to another agent: lists, search and today's panel are rebuilt."""
    window.switch_actor(grant)


def install(window, clock=time.monotonic, wall_clock=None) -> SessionGuard:
    from app.core import auth

    minutes = window.desk.query(lambda session, _actor: auth.autolock_minutes(session))
    guard = getattr(window, "session_guard", None)
    if guard is not None:  # already installed (MainWindow.install_features): tests re-install with their own clock
        guard.clock, guard.wall_clock, guard.timeout_s = clock, wall_clock, minutes * 60
        guard.last_input = clock()
        return guard
    guard = SessionGuard(window, minutes, clock, wall_clock)
    window.session_guard = guard
    guard.act_switch = QAction(_("Changer d'a&gent…"), window)
    guard.act_switch.setShortcut(QKeySequence("Ctrl+Shift+L"))
    guard.act_switch.setShortcutContext(Qt.ApplicationShortcut)
    guard.act_switch.triggered.connect(guard.change_agent)
    guard.act_lock = QAction(_("&Verrouiller"), window)
    guard.act_lock.setShortcut(QKeySequence("Ctrl+Shift+K"))
    guard.act_lock.triggered.connect(guard.lock)
    for action in (guard.act_switch, guard.act_lock):
        window.addAction(action)
    first = window.menu_file.actions()[0] if window.menu_file.actions() else None
    window.menu_file.insertAction(first, guard.act_switch)
    window.menu_file.insertAction(first, guard.act_lock)
    if first is not None:
        window.menu_file.insertSeparator(first)
    return guard
