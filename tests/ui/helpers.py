"""Driving modal dialogs from pytest-qt: schedule the interaction, then trigger the dialog."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget
from PySide6.QtGui import QAccessible


def on_modal(cls, fn, timeout_ms: int = 5000):
    """Run fn(dialog) as soon as a modal dialog of class `cls` is shown."""
    state = {"waited": 0, "error": None}

    def poll():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, cls) and dialog.isVisible():
            try:
                fn(dialog)
            except BaseException as exc:  # re-raised by the test via state["error"]
                state["error"] = exc
                dialog.reject()
            return
        state["waited"] += 20
        if state["waited"] < timeout_ms:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return state


def focusable_widgets_without_name(root: QWidget) -> list[str]:
    """Focusable, visible widgets whose accessible name is empty (A1 of reliability.md)."""
    from PySide6.QtCore import Qt

    missing = []
    for w in [root] + root.findChildren(QWidget):
        if w.focusPolicy() == Qt.NoFocus or not w.isVisibleTo(root) or not w.isEnabled():
            continue
        parent = w.parentWidget()
        if parent is not None and (parent.focusProxy() is w or isinstance(parent, (QAbstractSpinBox, QComboBox))):
            w = parent  # e.g. a spin box's inner line edit: assistive tech reads the spin box
        iface = QAccessible.queryAccessibleInterface(w)
        name = iface.text(QAccessible.Name) if iface else ""
        if not name:
            missing.append(f"{type(w).__name__} {w.objectName()!r}")
    return missing


def wait_refreshed(qtbot, window, timeout: int = 5000) -> None:
    """Until the lists and the Today panel show the store (they load off the UI thread)."""
    qtbot.waitUntil(lambda: not window.loading, timeout=timeout)


def refresh(qtbot, window, timeout: int = 5000) -> None:
    """What F5 does, then wait for the answers (for tests that wrote to the store directly)."""
    with qtbot.waitSignal(window.refreshed, timeout=timeout):
        window.refresh()
