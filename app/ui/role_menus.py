"""Menu entries the agent's role does not allow are greyed out, with the reason, not refused
after a click.

An action says which use case it needs with the Qt property « permission » (e.g. the Supervision
entries of journal_view.py and agents_dialog.py); `apply(window)` enables it only when the agent
at the desk may run that use case (`Actor.can`, the core's own permission table), and runs again
whenever another agent takes the desk. It runs each time a menu is about to open, so entries added
by any feature module, in any order, are covered; those entries have no shortcut, so the menu is
the only way to them. Menus show the tooltip « Réservé aux superviseurs… » so the greyed entry
explains itself.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from app.i18n import _

PROPERTY = "permission"


def apply(window) -> None:
    actor = window.actor
    if actor is None:
        return
    for action in window.findChildren(QAction):
        needed = action.property(PROPERTY)
        if not needed:
            continue
        allowed = actor.can(needed)
        action.setEnabled(allowed)
        action.setToolTip("" if allowed else _("Réservé aux superviseurs ou aux administrateurs."))


def install(window) -> None:
    for menu in window.menuBar().findChildren(QMenu):
        menu.setToolTipsVisible(True)
        menu.aboutToShow.connect(lambda: apply(window))
    QTimer.singleShot(0, window, lambda: apply(window))  # once every feature has added its entries
    window.actor_changed.connect(lambda _actor: apply(window))
