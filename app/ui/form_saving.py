"""A form's « Enregistrer » off the UI thread (issue 11), for dialogs built like the counter form.

`save_in_background(write)` runs `write()` (a `desk.op`/`desk.save_…` call returning the saved
id) on the serial write pool (app/ui/workers.py), so writes apply in the order the agent made
them and the window keeps painting while SQLite waits on a busy file. Meanwhile the form is
greyed out, « Enregistrer » reads « Enregistrement… », a second Entrée and Échap do nothing.
The answer comes back on the UI thread: the saved id (`saved` signal, `accept()`), or the refusal
shown next to its field (`show_error`) with focus back where it was.

The dialog provides `errors`, `general_error`, `save_button`, `show_error(exc)`, `saved` and
`saved_id`.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.i18n import _
from app.models.errors import DomainError, ValidationError


class BackgroundSave:
    _saving = False
    _focus_before = None

    @property
    def saving(self) -> bool:
        return self._saving

    def save_in_background(self, write: Callable[[], int]) -> None:
        from app.ui.workers import run_op, write_pool

        self._set_saving(True)
        run_op(self, lambda _progress: write(), on_done=self._saved, on_error=self._save_failed, pool=write_pool())

    def reject(self) -> None:
        if self._saving:
            return  # the write is under way: its answer closes the form
        super().reject()

    def _set_saving(self, on: bool) -> None:
        self._saving = on
        if on:
            self._focus_before = self.focusWidget()
        for child in self.findChildren(QWidget, options=Qt.FindDirectChildrenOnly):
            child.setEnabled(not on)
        self.save_button.setText(_("Enregistrement…") if on else _("Enregistrer (Entrée)"))
        if not on and self._focus_before is not None:
            self._focus_before.setFocus()

    def _saved(self, saved_id: int) -> None:
        self._set_saving(False)
        self.saved_id = saved_id
        self.saved.emit(saved_id)
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        if isinstance(exc, ValidationError):
            self.show_error(exc)
        elif isinstance(exc, DomainError):
            self.general_error.setText("⚠ " + exc.message)
            self.general_error.show()
            reload = getattr(self, "reload_button", None)  # another desk changed the case (site store)
            if reload is not None:
                reload.setVisible(getattr(exc, "action", None) == "Recharger")
        else:
            from app.ui.workers import show_failure

            show_failure(self, exc)
