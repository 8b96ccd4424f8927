"""Fichier › Sauvegardes…: list the verified backups, back up now, test a restore, restore.

install(window) also makes the automatic backups: at start-up and when the window closes, each in
a worker and only if the newest backup is older than the minimum interval (4 h). At close the
window waits, with a progress box, for the verified backup before it really closes.
Backups are store-level actions: they go through `desk.store_op` (the agent re-read, as for any
operation) or, for the automatic ones, use the desk's store directly.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QDialog, QHBoxLayout, QLabel, QMessageBox,
                               QProgressDialog, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout)

from app import config
from app.i18n import _, format_datetime, format_number
from app.ui.a11y import data_label
from app.ui.widgets import FieldError
from app.ui.workers import run_op

log = logging.getLogger(__name__)


def table_label(name: str) -> str:
    return {"structure": _("structures"), "agent": _("agents"), "usager": _("usagers"),
            "accompaniment": _("accompagnements"), "accompaniment_procedure": _("démarches"),
            "accompaniment_event": _("historique des dossiers"), "journal": _("journal des accès"),
            "setting": _("réglages"), "login_attempt": _("tentatives de connexion")}.get(name, name)


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return _("{n} Mo").format(n=format_number(size / (1024 * 1024), 1))
    return _("{n} ko").format(n=format_number(max(1, round(size / 1024))))


class BackupDialog(QDialog):
    def __init__(self, desk, parent=None, on_restored=None):
        super().__init__(parent)
        self.desk, self.on_restored = desk, on_restored
        actor = desk.actor
        self.setWindowTitle(_("Sauvegardes"))
        self.setAccessibleName(_("Sauvegardes"))
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Guichet sauvegarde automatiquement le fichier de données au démarrage et à la "
                         "fermeture (au plus toutes les 4 heures). Chaque sauvegarde est chiffrée comme "
                         "l'original et vérifiée avant d'être conservée."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table_label = QLabel(_("&Sauvegardes disponibles (la plus récente en premier) :"))
        layout.addWidget(self.table_label)
        self.table = QTableWidget(0, 3, self)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
        self.table.setHorizontalHeaderLabels([_("Date"), _("Taille"), _("Fichier")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setColumnWidth(0, 190)
        self.table.setAccessibleName(_("Liste des sauvegardes"))
        self.table_label.setBuddy(self.table)
        layout.addWidget(self.table)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        data_label(self.status, _("État"))
        layout.addWidget(self.status)
        self.error = FieldError(self)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.backup_button = self._button(_("Sauvegarder &maintenant"), self.backup_now, buttons)
        self.drill_button = self._button(_("&Tester la restauration"), self.drill, buttons)
        self.restore_button = self._button(_("&Restaurer la sauvegarde choisie…"), self.restore, buttons)
        buttons.addStretch(1)
        self.close_button = self._button(_("Fermer"), self.reject, buttons)
        layout.addLayout(buttons)
        supervisor = actor.can("restore_backup")
        self.drill_button.setVisible(supervisor)
        self.restore_button.setVisible(supervisor)
        if not supervisor:
            self.status.setText(_("La restauration est réservée aux superviseurs."))
        self.reload()

    def _button(self, text, slot, layout) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.clicked.connect(slot)
        layout.addWidget(button)
        return button

    def reload(self) -> None:
        from app.core import backup_service

        self.items = self.desk.store_op(backup_service.list_backups).value
        self.table.setRowCount(len(self.items))
        for row, info in enumerate(self.items):
            for col, text in enumerate((format_datetime(info.created, "medium"), format_size(info.size),
                                        info.path.name)):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
        if self.items:
            self.table.selectRow(0)
        else:
            self.status.setText(_("Aucune sauvegarde pour l'instant."))
        self.restore_button.setEnabled(bool(self.items))
        self.drill_button.setEnabled(bool(self.items))

    def _busy(self, on: bool, text: str = "") -> None:
        for button in (self.backup_button, self.drill_button, self.restore_button, self.close_button):
            button.setEnabled(not on)
        if text:
            self.status.setText(text)
        self.error.clear_error()

    def _failed(self, exc: BaseException) -> None:
        from app.models.errors import DomainError

        self._busy(False)
        self.restore_button.setEnabled(bool(self.items))
        self.drill_button.setEnabled(bool(self.items))
        if not isinstance(exc, DomainError):
            log.error("backup action failed:\n%s", getattr(exc, "__traceback_text__", repr(exc)))
        self.status.setText("")
        self.error.show_error(str(exc) if isinstance(exc, DomainError) else
                              _("Une erreur inattendue s'est produite. Le détail est dans le journal technique."))

    def backup_now(self) -> None:
        from app.core import backup_service

        self._busy(True, _("Sauvegarde en cours…"))

        def done(info):
            self._busy(False)
            self.reload()
            self.status.setText(_("Sauvegarde vérifiée et conservée : {name}").format(name=info.path.name))

        desk = self.desk
        run_op(self, lambda _p: desk.store_op(backup_service.backup_now).value, on_done=done, on_error=self._failed)

    def drill(self) -> None:
        from app.core import backup_service

        self._busy(True, _("Restauration d'essai dans un dossier temporaire…"))

        def done(report):
            self._busy(False)
            counts = ", ".join(f"{table_label(name)} : {format_number(n)}"
                               for name, n in report.restored_counts.items())
            verdict = _("conforme au fichier actuel") if report.matches else _(
                "différente du fichier actuel (des saisies ont eu lieu depuis la sauvegarde)")
            self.status.setText(_("Essai réussi avec la sauvegarde du {date} ({counts}) : {verdict}.").format(
                date=format_datetime(report.backup.created, "medium"), counts=counts, verdict=verdict))

        desk = self.desk
        run_op(self, lambda _p: desk.store_op(backup_service.restore_drill).value, on_done=done, on_error=self._failed)

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows else None

    def restore(self) -> None:
        """Compare the chosen backup with the current file (in a worker), then ask, showing what
        would be lost."""
        from app.core import backup_service

        info = self.selected()
        if info is None:
            self.error.show_error(_("Choisissez d'abord une sauvegarde dans la liste."), self.table)
            self.table.setFocus()
            return
        self._busy(True, _("Comparaison de la sauvegarde avec le fichier actuel…"))
        desk = self.desk
        run_op(self, lambda _p: desk.store_op(backup_service.preview_restore, info.path).value,
               on_done=self._confirm_restore, on_error=self._failed)

    def _confirm_restore(self, preview) -> None:
        from app.core import backup_service

        self._busy(False)
        self.status.setText("")
        answer = QMessageBox.question(self, _("Restaurer une sauvegarde"), restore_question(preview))
        if answer != QMessageBox.Yes:
            return
        self._busy(True, _("Restauration en cours…"))

        def done(aside):
            self._busy(False)
            self.status.setText(_("Sauvegarde restaurée."))
            if self.on_restored:
                self.on_restored(aside)
            self.accept()

        desk = self.desk
        run_op(self, lambda _p: desk.store_op(backup_service.restore, preview.backup.path).value,
               on_done=done, on_error=self._failed)


def restore_question(preview) -> str:
    """The confirmation text: the backup's date and, per table, the rows the current file would lose."""
    text = _("Remplacer le fichier de données par la sauvegarde du {date} ?").format(
        date=format_datetime(preview.backup.created, "medium")) + "\n\n"
    if preview.lost:
        text += _("Seraient perdues, car saisies (ou modifiées) depuis cette sauvegarde :") + "\n"
        text += "\n".join(_("  • {table} : {n}").format(table=table_label(name), n=format_number(n))
                          for name, n in sorted(preview.lost.items(), key=lambda kv: -kv[1]))
        text += "\n" + _("Total : {n} ligne(s).").format(n=format_number(preview.total_lost)) + "\n\n"
    else:
        text += _("Le fichier actuel ne contient rien que cette sauvegarde n'ait pas.") + "\n\n"
    text += _("Le fichier actuel est conservé à côté (« avant-restauration »). La restauration est inscrite "
              "au journal ; les usagers effacés depuis restent effacés. Guichet se fermera ensuite : "
              "relancez-le.")
    return text


class _CloseBackup(QObject):
    """Event filter: a verified backup when the main window closes (if the last one is old enough).
    The first close is held back while the backup runs in a worker, with a progress box; when it
    is done (or failed: closing is never blocked by a backup problem) the window closes for real."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.restored = False
        self.state = "idle"  # → "running" → "done"
        self.box: QProgressDialog | None = None

    def eventFilter(self, obj, event) -> bool:
        if obj is not self.window or event.type() != QEvent.Close or self.restored or self.state == "done":
            return False
        desk = getattr(self.window, "desk", None)
        if desk is None:
            return False
        event.ignore()  # closed again by _finish once the backup is done
        if self.state == "idle":
            self.state = "running"
            self._start(desk.store)
        return True

    def _start(self, store) -> None:
        from app.core import backup_service

        self.box = QProgressDialog(_("Sauvegarde du fichier de données avant de fermer…"), None, 0, 0, self.window)
        self.box.setWindowTitle(_("Sauvegarde"))
        self.box.setWindowModality(Qt.WindowModal)
        self.box.setMinimumDuration(0)
        self.box.show()
        run_op(self, lambda _p: backup_service.auto_backup(store), on_done=lambda _info: self._finish(),
               on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        log.error("backup at close failed:\n%s", getattr(exc, "__traceback_text__", repr(exc)))
        self._finish()

    def _finish(self) -> None:
        self.state = "done"
        if self.box is not None:
            self.box.close()
        self.window.close()


def auto_enabled() -> bool:
    """GUICHET_AUTO_BACKUP=0 turns automatic backups off (test suites and benchmarks only)."""
    return config.AUTO_BACKUP.get()


def install(window) -> None:
    closer = _CloseBackup(window)
    if auto_enabled():
        window.installEventFilter(closer)

    def restored(aside):
        closer.restored = True  # the store object now points at the replaced file: no backup of it
        QMessageBox.information(window, _("Restauration terminée"), _(
            "La sauvegarde a été restaurée. L'ancien fichier est conservé : {path}\n"
            "Guichet va se fermer ; relancez-le.").format(path=aside or "—"))
        QApplication.quit()

    def open_dialog():
        BackupDialog(window.desk, window, on_restored=restored).exec()

    action = QAction(_("&Sauvegardes…"), window)
    action.setStatusTip(_("Sauvegarder, tester ou restaurer le fichier de données"))
    action.triggered.connect(open_dialog)
    actions = window.menu_file.actions()
    window.menu_file.insertAction(actions[-1] if actions else None, action)
    window.action_backups = action

    def startup_failed(exc):
        log.warning("start-up backup failed: %s", exc)
        window.statusBar().showMessage(_("Sauvegarde automatique impossible : {error}").format(error=exc), 15000)

    if auto_enabled():
        from app.core import backup_service

        store = window.desk.store
        run_op(window, lambda _p: backup_service.auto_backup(store), on_error=startup_failed)
