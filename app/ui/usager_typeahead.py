"""The form's usager field: type a few letters of a followed usager's name or phone, pick them.

The search waits for a pause in typing (DELAY_MS) and runs off the UI thread through the Desk
(scoped: an agent finds only their structure's usagers). Each search carries a number; an
answer that arrives after the agent typed on (a newer search started, or the field changed) is
dropped, so a slow answer never replaces a fresher one.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QStringListModel, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit

from app.core.usagers import display_name, search_usagers
from app.i18n import _
from app.ui.workers import query_op

DELAY_MS = 250
MIN_CHARS = 2
LIMIT = 10


class UsagerTypeahead(QObject):
    """Debounced, background usager search on a QLineEdit. `usager_id` is the picked usager
    (None while nothing is picked); `searched(text)` is emitted when a search starts."""

    searched = Signal(str)
    answered = Signal()

    def __init__(self, desk, edit: QLineEdit, parent=None):
        super().__init__(parent)
        self.desk, self.edit = desk, edit
        self.usager_id: int | None = None
        self.hits: dict[str, int] = {}
        self._generation = 0
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCompletionMode(QCompleter.UnfilteredPopupCompletion)
        self.completer.popup().setAccessibleName(_("Usagers trouvés"))
        self.completer.setWidget(edit)
        self.completer.activated[str].connect(self.pick)
        self.timer = QTimer(self, singleShot=True, interval=DELAY_MS)
        self.timer.timeout.connect(self.search)
        edit.textEdited.connect(self._edited)

    def _edited(self, text: str) -> None:
        self.usager_id = None
        self._generation += 1  # whatever is on its way now answers an older text
        if len(text.strip()) < MIN_CHARS:
            self.timer.stop()
            self.model.setStringList([])
            return
        self.timer.start()  # restarted by each keystroke: one search per pause

    def search(self) -> None:
        text = self.edit.text()
        if len(text.strip()) < MIN_CHARS:
            return
        self._generation += 1
        generation = self._generation
        self.searched.emit(text)
        query_op(self, self.desk, search_usagers, text, LIMIT,
                 on_done=lambda found: self._show(generation, found))

    def _show(self, generation: int, found: list) -> None:
        if generation != self._generation:
            return  # stale: the agent typed on meanwhile
        self.hits = {f"{display_name(u)} ({u.phone or _('sans téléphone')})": u.id for u in found}
        self.model.setStringList(list(self.hits))
        if found:
            self.completer.complete()
        self.answered.emit()

    def pick(self, text: str) -> None:
        self.usager_id = self.hits.get(text)
        if self.usager_id is not None:
            self.edit.setText(text)

    def set_usager(self, usager_id: int, name: str) -> None:
        """Show an already chosen usager (the case being edited)."""
        self.usager_id = usager_id
        self.edit.setText(name)
