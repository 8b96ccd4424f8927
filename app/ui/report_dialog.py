"""« Rapport mensuel… » (menu Supervision): choose a month, structures, formats and a folder;
the files are made in the background (app.ui.workers.run_op) with a progress bar, then the
PDF (or the first file) opens. Errors appear as text under the field concerned."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QProgressBar,
                               QPushButton, QVBoxLayout, QWidget)

from app import config
from app.i18n import _, format_month
from app.ui.a11y import DataLabel, announce, data_label
from app.models.errors import DomainError, PermissionDenied, ValidationError
from app.models.month import Month
from app.ui import prefs
from app.ui.widgets import with_error
from app.ui.workers import run_op

log = logging.getLogger(__name__)
FOLDER_PREF = config.REPORTS_FOLDER
MONTHS_OFFERED = 36


def _months(today: date) -> list[date]:
    current = Month.of(today)
    return [(current - i).first_day for i in range(MONTHS_OFFERED)]


def open_with_system(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ReportDialog(QDialog):
    def __init__(self, desk, parent=None, today: date | None = None):
        super().__init__(parent)
        self.desk = desk
        actor = desk.actor
        self.open_file = open_with_system  # tests replace it
        self.result_paths: list[Path] = []
        self.setWindowTitle(_("Rapport d'activité mensuel"))
        self.setMinimumWidth(520)
        form = QFormLayout()

        self.month = QComboBox()
        self.month.setAccessibleName(_("Mois du rapport"))
        months = _months(today or date.today())
        for m in months:
            self.month.addItem(format_month(m), m)
        self.month.setCurrentIndex(1)  # last month: the one a supervisor reports on
        box, self.month_error = with_error(self.month)
        form.addRow(self._label(_("&Mois :"), self.month), box)

        self.all_structures = QCheckBox(_("&Toutes les structures"))
        self.all_structures.setAccessibleName(_("Toutes les structures"))
        self.structures = QListWidget()
        self.structures.setAccessibleName(_("Structures du rapport"))
        self.structures.setMaximumHeight(110)
        self._load_structures()
        self.all_structures.toggled.connect(lambda on: self.structures.setEnabled(not on))
        self.all_structures.setChecked(True)
        column = QWidget()
        col = QVBoxLayout(column)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.all_structures)
        col.addWidget(self.structures)
        box, self.structures_error = with_error(column)
        form.addRow(self._label(_("&Structures :"), self.structures), box)

        formats = QWidget()
        row = QHBoxLayout(formats)
        row.setContentsMargins(0, 0, 0, 0)
        self.formats = {}
        for code, text, on in (("pdf", _("PD&F"), True), ("xlsx", _("&XLSX (tableur)"), True), ("csv", _("CS&V"), False)):
            check = QCheckBox(text)
            check.setAccessibleName(_("Format {f}").format(f=code.upper()))
            check.setChecked(on)
            row.addWidget(check)
            self.formats[code] = check
        row.addStretch(1)
        box, self.formats_error = with_error(formats)
        form.addRow(QLabel(_("Formats :")), box)

        self.detail = QCheckBox(_("Ajouter la feuille dét&aillée"))
        self.detail.setAccessibleName(_("Ajouter la feuille détaillée"))
        allowed = actor.can("export_raw_report")
        self.detail.setEnabled(allowed)
        explain = _("Une ligne par accompagnement, usagers pseudonymisés (aucun nom).")
        if not allowed:
            explain += " " + _("Réservé aux superviseurs.")
        self.detail.setAccessibleDescription(explain)
        detail_box = QWidget()
        db = QVBoxLayout(detail_box)
        db.setContentsMargins(0, 0, 0, 0)
        db.setSpacing(0)
        db.addWidget(self.detail)
        note = QLabel(explain)
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        db.addWidget(note)
        form.addRow("", detail_box)

        folder_row = QWidget()
        fr = QHBoxLayout(folder_row)
        fr.setContentsMargins(0, 0, 0, 0)
        self.folder = QLineEdit(prefs.get(FOLDER_PREF) or
                                QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation) or str(Path.home()))
        self.folder.setAccessibleName(_("Dossier de destination"))
        browse = QPushButton(_("Pa&rcourir…"))
        browse.setAccessibleName(_("Parcourir : choisir le dossier de destination"))
        browse.clicked.connect(self._browse)
        fr.addWidget(self.folder, 1)
        fr.addWidget(browse)
        box, self.folder_error = with_error(folder_row)
        form.addRow(self._label(_("&Dossier :"), self.folder), box)

        self.open_after = QCheckBox(_("&Ouvrir le rapport une fois créé"))
        self.open_after.setAccessibleName(_("Ouvrir le rapport une fois créé"))
        self.open_after.setChecked(True)
        form.addRow("", self.open_after)

        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Avancement du rapport"))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.hide()  # shown once a report is under way
        self.status = DataLabel("")  # takes no focus while empty: no unnamed focusable object
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)  # the path can be copied
        data_label(self.status, _("État du rapport"))

        self.buttons = QDialogButtonBox()
        self.buttons.setAccessibleName(_("Boutons de la fenêtre"))
        self.create_button = self.buttons.addButton(_("&Créer le rapport"), QDialogButtonBox.AcceptRole)
        self.create_button.setAccessibleName(_("Créer le rapport"))
        self.create_button.setDefault(True)
        close = self.buttons.addButton(QDialogButtonBox.Close)
        close.setText(_("Fermer"))
        close.setAccessibleName(_("Fermer"))
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._inputs = [self.month, self.all_structures, self.structures, formats, self.detail, folder_row, self.open_after]

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _load_structures(self) -> None:
        from app.core.structures import structures

        rows = self.desk.query(lambda session, _actor: [(s.id, s.matricule, s.name) for s in structures(session)])
        for sid, matricule, name in rows:
            item = QListWidgetItem(f"{matricule} — {name}")
            item.setData(Qt.UserRole, sid)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if sid == self.desk.actor.structure_id else Qt.Unchecked)
            self.structures.addItem(item)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Dossier de destination"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def chosen_structures(self) -> list[int] | None:
        if self.all_structures.isChecked():
            return None
        return [self.structures.item(i).data(Qt.UserRole) for i in range(self.structures.count())
                if self.structures.item(i).checkState() == Qt.Checked]

    def _clear_errors(self) -> None:
        for error, widget in ((self.month_error, self.month), (self.structures_error, self.structures),
                              (self.formats_error, None), (self.folder_error, self.folder)):
            error.clear_error(widget)
        self.status.clear()

    def _show_error(self, field: str | None, message: str) -> None:
        targets = {"month": (self.month_error, self.month), "structure": (self.structures_error, self.structures),
                   "format": (self.formats_error, self.formats["pdf"]), "folder": (self.folder_error, self.folder)}
        error, widget = targets.get(field, (None, None))
        if error is None:
            self.status.setText("⚠ " + message)
            self.create_button.setFocus()
            announce(self.status, self.status.text(), assertive=True)
            return
        error.show_error(message, widget)
        widget.setFocus()

    def start(self) -> None:
        self._clear_errors()
        ids = self.chosen_structures()
        formats = [code for code, check in self.formats.items() if check.isChecked()]
        if ids == []:
            return self._show_error("structure", _("Cochez au moins une structure, ou « Toutes les structures »."))
        if not formats:
            return self._show_error("format", _("Choisissez au moins un format."))
        if not self.folder.text().strip():
            return self._show_error("folder", _("Indiquez le dossier où enregistrer le rapport."))
        month, folder, detail = self.month.currentData(), Path(self.folder.text().strip()), self.detail.isChecked()
        self._set_running(True)
        desk = self.desk

        def work(progress):
            from app.reports.export import produce
            return desk.store_op(produce, month, folder, formats=formats, structure_ids=ids, detail=detail,
                                 progress=progress).value
        run_op(self, work, on_done=self._done, on_error=self._failed, on_progress=self._progress)

    def _set_running(self, running: bool) -> None:
        for widget in self._inputs:
            widget.setEnabled(not running)
        if not running:
            self.structures.setEnabled(not self.all_structures.isChecked())
            self.detail.setEnabled(self.desk.actor.can("export_raw_report"))
        self.create_button.setEnabled(not running)
        self.progress.setRange(0, 0 if running else 1)  # busy until the first step arrives
        if running:
            self.progress.show()
            self.status.setText(_("Préparation du rapport…"))

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(text)

    def _done(self, paths: list[Path]) -> None:
        self._set_running(False)
        self.progress.setValue(self.progress.maximum())
        self.result_paths = list(paths)
        prefs.put(FOLDER_PREF, self.folder.text().strip())
        names = ", ".join(p.name for p in paths)
        self.status.setText(_("Rapport créé dans {folder} : {names}").format(folder=paths[0].parent, names=names))
        self.create_button.setFocus()
        announce(self.status, self.status.text())  # done while the agent may be elsewhere: say it
        if self.open_after.isChecked() and paths:
            self.open_file(paths[0])

    def _failed(self, exc: BaseException) -> None:
        self._set_running(False)
        self.progress.setValue(0)
        if isinstance(exc, ValidationError):
            self._show_error(getattr(exc, "field", None), str(exc))
        elif isinstance(exc, (PermissionDenied, DomainError)):
            self._show_error(None, str(exc))
        else:
            log.error("report failed:\n%s", getattr(exc, "__traceback_text__", exc))
            self._show_error(None, _("Le rapport n'a pas pu être créé (erreur inattendue, détails dans le journal "
                                     "de l'application)."))


def show_report_dialog(window) -> ReportDialog:
    dialog = ReportDialog(window.desk, window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    return dialog


def install(window) -> None:
    action = QAction(_("Rapport mensuel…"), window)
    action.setToolTip(_("Rapport d'activité du mois en PDF, XLSX ou CSV"))
    action.triggered.connect(lambda: show_report_dialog(window))
    window.menu_supervision.addAction(action)
    window.report_action = action
