"""Issue 22 / issue 15 §9: every window the menus open is walked — unique Alt+letter keys, every
focusable control named with (at least) its visible label, no table that traps Tab."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QDialog, QGroupBox, QMessageBox,
                               QTableView, QWidget)

from app.core import structures
from app.models.enums import Role
from app.ui.a11y import mnemonic_clashes
from tests.desks import desk_for
from tests.ui.helpers import focusable_widgets_without_name, wait_refreshed

# actions that leave the window (quit, lock, usager mode, agent change) or open the OS
SKIP = ("Quitter", "Verrouiller", "Changer d'agent", "Mode usager", "enquête à l'usager", "Lancer l'enquête",
        "English", "Français", "Synchroniser", "Ouvrir le dossier", "Enquête de satisfaction")


def _visible_text(widget: QWidget) -> str:
    if isinstance(widget, QAbstractButton):
        return widget.text().replace("&", "").strip()
    if isinstance(widget, QGroupBox) and widget.isCheckable():
        return widget.title().replace("&", "").strip()
    return ""


def names_lacking_label(window: QWidget) -> list[str]:
    """A control whose accessible name does not contain the words it shows (EN 301 549 / WCAG
    2.5.3 « label in name »): speech users say what they see."""
    bad = []
    for w in window.findChildren(QWidget):
        text = _visible_text(w)
        if not text or not w.isVisibleTo(window) or len(text) < 2:
            continue
        iface = QAccessible.queryAccessibleInterface(w)
        name = iface.text(QAccessible.Name) if iface else ""
        shown = re.sub(r"\s*\([^)]*\)$", "", text.split("\n")[0].split("  ")[-1]).rstrip(" …").strip("◀▶ ")
        if shown.lower() not in name.lower():
            bad.append(f"{type(w).__name__}: shows {text!r}, named {name!r}")
    return bad


def tab_traps(window: QWidget) -> list[str]:
    return [f"{type(v).__name__} {v.accessibleName()!r}" for v in window.findChildren(QAbstractItemView)
            if isinstance(v, QTableView) and v.tabKeyNavigation() and v.isVisibleTo(window)
            and v.editTriggers() == QAbstractItemView.NoEditTriggers]


def check_window(window: QWidget, where: str, problems: list[str]) -> None:
    for key, texts in mnemonic_clashes(window).items():
        problems.append(f"{where}: Alt+{key.upper()} on {texts}")
    for name in focusable_widgets_without_name(window):
        problems.append(f"{where}: unnamed {name}")
    for text in names_lacking_label(window):
        problems.append(f"{where}: {text}")
    for text in tab_traps(window):
        problems.append(f"{where}: Tab trap in {text}")


def _menu_actions(menu, path=""):
    for action in menu.actions():
        if action.isSeparator():
            continue
        label = f"{path} › {action.text().replace('&', '')}" if path else action.text().replace("&", "")
        if action.menu() is not None:
            yield from _menu_actions(action.menu(), label)
        elif action.isEnabled() and action.isVisible():
            yield label, action


def _open_and_check(qtbot, trigger, where: str, problems: list[str]) -> list[QWidget]:
    """Trigger, then check and close every dialog that shows up within 1.5 s (actions such as
    « Actualiser » open none)."""
    before = set(QApplication.topLevelWidgets())
    seen: list[QWidget] = []
    state = {"left": 50}

    def poll():
        new = [w for w in QApplication.topLevelWidgets()
               if w not in before and w.isVisible() and isinstance(w, QDialog) and w not in seen]
        for w in new:
            seen.append(w)
            check_window(w, f"{where} [{w.windowTitle()}]", problems)
            w.reject() if not isinstance(w, QMessageBox) else w.done(0)
        state["left"] -= 1
        if not seen and state["left"] > 0:
            QTimer.singleShot(30, poll)

    QTimer.singleShot(30, poll)
    trigger()
    qtbot.waitUntil(lambda: bool(seen) or state["left"] <= 0, timeout=5000)
    qtbot.wait(10)
    return seen


@pytest.fixture
def admin(site, store):
    with store.write() as session:
        agent = structures.create_agent(session, site["fixed"].id, "ada", "Ada Admin", Role.ADMINISTRATEUR)
    from app.core.context import Actor

    return Actor(agent.id, site["fixed"].id, Role.ADMINISTRATEUR, agent.display_name)


def test_every_menu_dialog_has_unique_mnemonics_and_named_controls(qtbot, store, admin, frozen_clock, monkeypatch):
    from app.ui.main_window import MainWindow

    monkeypatch.setattr("app.ui.report_dialog.open_with_system", lambda _p: True)
    window = MainWindow(desk_for(store, admin))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_refreshed(qtbot, window)
    window.install_features() if not window._features_installed else None
    problems: list[str] = []
    check_window(window, "fenêtre principale", problems)
    walked = []
    for label, action in _menu_actions(window.menuBar()):
        if any(s in label for s in SKIP):
            continue
        if _open_and_check(qtbot, action.trigger, label, problems):
            walked.append(label)
    _open_and_check(qtbot, window.new_accompaniment, "Nouvel accompagnement", problems)
    print("walked:", walked)
    assert len(walked) >= 10, walked
    assert problems == [], "\n".join(problems)
