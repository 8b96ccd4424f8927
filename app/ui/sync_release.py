"""Releasing a month held back under a wrong clock (issue 13), from the preflight dialog: the same
core function as `guichet sync --liberer AAAA-MM` (app.sync.state.release_month, which writes the
« libération » line of the sync journal with the supervisor's id), for supervisors only, after a
confirmation that says what the supervisor vouches for."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.i18n import _, format_month
from app.models.errors import DomainError


def question(month) -> str:
    return _("Libérer {m} ?\n\nCe mois a été retenu parce que l'horloge de l'ordinateur semblait fausse quand des "
             "accompagnements y ont été saisis. Vérifiez d'abord leurs dates (menu Accompagnements) : une fois "
             "libéré, le mois sera envoyé tel quel à la prochaine synchronisation, et la libération est inscrite "
             "au journal de synchronisation.").format(m=format_month(month))


def release_held_month(parent: QWidget, desk, month, ask=None) -> bool:
    """Ask, then release; True when released. Errors (not held any more, not a supervisor) are
    shown in a message box, in French. `ask(parent, title, text) -> bool` replaces the question
    box in tests."""
    from app.sync.state import release_month

    ask = ask or (lambda p, title, text: QMessageBox.question(
        p, title, text, QMessageBox.Yes | QMessageBox.No, QMessageBox.No) == QMessageBox.Yes)
    if not ask(parent, _("Libérer un mois retenu"), question(month)):
        return False
    try:
        desk.op(lambda session, actor: release_month(session, actor, actor.structure_id, month))
    except DomainError as exc:  # ValidationError and PermissionDenied included
        QMessageBox.warning(parent, _("Libérer un mois retenu"), exc.message)
        return False
    return True
