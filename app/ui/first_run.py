"""What a new agent sees first: the window title, the demo warning, the empty list's next step,
and a start-up progress box that fits its text.

- Title « Guichet — <structure> », with « (démonstration — données fictives) » on a demo store,
  re-read when another agent takes the desk. The application display name is not set
  (app/ui/app.py), so the window system does not append a second « — Guichet ».
- An empty case list says what to do next (« Ctrl+N : enregistrer le premier accompagnement »),
  or that a search found nothing, instead of showing an empty grid.
- `startup_progress()`: the progress box of the demo build, wide enough for its sentence.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QProgressDialog, QWidget

from app.i18n import _


def window_title(session, actor) -> tuple[str, bool]:
    """(structure name, is this a demo store?) — a read use case for `desk.query`."""
    from app import config
    from app.core.structures import get_structure

    return get_structure(session, actor.structure_id).name, config.DEMO_SEED.get(session) is not None


def apply_title(window) -> None:
    name, demo = window.desk.query(window_title)
    title = _("Guichet — {structure}").format(structure=name)
    if demo:
        title += " " + _("(démonstration — données fictives)")
    window.setWindowTitle(title)


class EmptyState(QObject):
    """A sentence over the empty case list: the next step, or « aucun résultat »."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        viewport = window.case_view.viewport()
        self.label = QLabel(viewport)
        self.label.setObjectName("emptyState")
        self.label.setAlignment(Qt.AlignCenter)
        self.label.setWordWrap(True)
        self.label.setStyleSheet("#emptyState { color: #3a3a3a; font-size: 12pt; padding: 24px; }")
        self.label.hide()
        viewport.installEventFilter(self)
        window.case_model.loaded.connect(self.update)
        window.case_model.modelReset.connect(self.update)
        window.case_model.rowsInserted.connect(self.update)

    def text(self) -> str:
        search = self.window.search_edit.text().strip()
        if search:
            return _("Aucun accompagnement ne correspond à « {text} ».\nVérifiez l'orthographe, ou Échap puis "
                     "Ctrl+N pour enregistrer un nouvel accompagnement.").format(text=search)
        return _("Aucun accompagnement enregistré pour l'instant.\n\nProchaine étape : Ctrl+N (ou « Nouvel "
                 "accompagnement » dans la barre d'outils) pour enregistrer le premier.\nTapez quelques lettres "
                 "de la démarche (« carte gr », « apl »), Entrée pour la choisir, Entrée pour enregistrer.")

    def update(self) -> None:
        model = self.window.case_model
        empty = model.rowCount() == 0 and not model.loading
        if empty:
            self.label.setText(self.text())
            self._fit()
        self.label.setVisible(empty)

    def _fit(self) -> None:
        self.label.setGeometry(self.window.case_view.viewport().rect())

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Resize:
            self._fit()
        return False


def startup_progress(parent: QWidget | None, text: str, title: str) -> QProgressDialog:
    """A busy box whose sentence is never clipped: the label wraps and the box is wide enough
    for it at the current font (a bare QProgressDialog sizes itself for a short label)."""
    progress = QProgressDialog(parent)
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
    progress.setLabel(label)
    progress.setCancelButton(None)
    progress.setRange(0, 0)
    progress.setWindowTitle(title)
    progress.setMinimumDuration(0)
    width = min(label.fontMetrics().horizontalAdvance(text) + 80, 640)
    progress.setMinimumWidth(max(width, 360))
    return progress


def install(window) -> None:
    from app.ui import role_menus

    role_menus.install(window)  # greys out menu entries by role, each time a menu opens
    apply_title(window)
    window.empty_state = EmptyState(window)
    window.empty_state.update()
    window.actor_changed.connect(lambda _actor: apply_title(window))
