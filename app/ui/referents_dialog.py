"""Outils › Annuaire des référents (issue 20): the partner référents of the agent's structures,
edited in a small form, imported from and exported to XLSX/CSV. Reads and writes go through the
Desk (app/core/referents.py, app/core/referents_io.py); no SQL here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMessageBox, QPlainTextEdit, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app.i18n import _, format_date
from app.models.errors import DomainError
from app.ui.widgets import field_row, select_data, with_error
from app.ui.workers import collection_op


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def combo(items, accessible: str) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(accessible)
    for code, text in items:
        box.addItem(text, code)
    return box


class ReferentEditor(QDialog):
    """Add or change one entry; each refused field says why beside it."""

    def __init__(self, desk, referent_id: int | None = None, parent=None):
        from app.core import referents
        from app.models.referents import ReferentChannel, ReferentScope

        super().__init__(parent)
        self.desk, self.referent_id = desk, referent_id
        self.setWindowTitle(_("Référent") if referent_id else _("Nouveau référent"))
        self.setAccessibleName(self.windowTitle())
        form = QFormLayout(self)
        self.partner = combo(desk.query(referents.partners), _("Partenaire"))
        self.scope = combo([(s.value, referents.scope_label(s)) for s in ReferentScope], _("Portée"))
        select_data(self.scope, ReferentScope.DEPARTEMENTAL.value)
        self.name = QLineEdit()
        self.name.setAccessibleName(_("Nom ou fonction"))
        self.channel = combo([(c.value, referents.channel_label(c)) for c in ReferentChannel], _("Canal"))
        self.contact = QLineEdit()
        self.contact.setAccessibleName(_("Coordonnée : téléphone, courriel, portail ou créneau visio"))
        self.hours = QLineEdit()
        self.hours.setAccessibleName(_("Horaires"))
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(70)
        self.notes.setAccessibleName(_("Notes"))
        self.verified_check = QCheckBox(_("&Vérifié le"))
        self.verified = QDateEdit(qdate(date.today()))
        self.verified.setDisplayFormat("dd/MM/yyyy")
        self.verified.setAccessibleName(_("Date de vérification"))
        self.verified_check.setChecked(True)
        self.verified_check.toggled.connect(self.verified.setEnabled)
        self.errors = {}
        for field, text, widget in (("partner", _("&Partenaire :"), self.partner), ("scope", _("P&ortée :"), self.scope),
                                    ("name", _("&Nom ou fonction :"), self.name), ("channel", _("&Canal :"), self.channel),
                                    ("contact", _("Coo&rdonnée :"), self.contact), ("hours", _("&Horaires :"), self.hours),
                                    ("notes", _("No&tes :"), self.notes)):
            self.errors[field] = field_row(form, text, widget)
        row = QWidget()
        r = QHBoxLayout(row)
        r.setContentsMargins(0, 0, 0, 0)
        r.addWidget(self.verified_check)
        r.addWidget(self.verified)
        r.addStretch()
        box, self.errors["verified_on"] = with_error(row)
        form.addRow(_("Vérification :"), box)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText(_("Enregistrer"))
        buttons.button(QDialogButtonBox.Cancel).setText(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        if referent_id:
            self._fill(desk.query(referents.get_referent, referent_id))

    def _fill(self, r) -> None:
        select_data(self.partner, r.partner_code)
        select_data(self.scope, r.scope)
        select_data(self.channel, r.channel)
        self.name.setText(r.name)
        self.contact.setText(r.contact)
        self.hours.setText(r.hours)
        self.notes.setPlainText(r.notes)
        self.verified_check.setChecked(r.verified_on is not None)
        if r.verified_on:
            self.verified.setDate(qdate(r.verified_on))

    def data(self):
        from app.core.referents import ReferentInput

        return ReferentInput(self.partner.currentData(), self.scope.currentData(), self.name.text(),
                             self.channel.currentData(), self.contact.text(), self.hours.text(),
                             self.notes.toPlainText(),
                             self.verified.date().toPython() if self.verified_check.isChecked() else None)

    def save(self) -> None:
        from app.core.referents import save_referent

        for error in self.errors.values():
            error.clear_error()
        try:
            self.desk.op(save_referent, self.referent_id, self.data())
        except DomainError as exc:
            self.errors.get(exc.field or "", self.errors["name"]).show_error(exc.message)
            self.adjustSize()  # room for the error line, nothing overlaps
            return
        self.accept()


COLUMNS = ("Partenaire", "Portée", "Nom ou fonction", "Canal", "Coordonnée", "Horaires", "Vérifié le")


class ReferentsDialog(QDialog):
    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk, self.rows = desk, []
        self.setWindowTitle(_("Annuaire des référents partenaires"))
        self.setAccessibleName(self.windowTitle())
        self.resize(1100, 520)
        layout = QVBoxLayout(self)
        self.info = QLabel()
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside (issue 22)
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.table.setAccessibleName(_("Référents"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.table.verticalHeader().hide()
        self.table.activated.connect(lambda _i: self.edit())  # Entrée on a row
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.buttons = {}
        for key, text, slot in (("add", _("&Ajouter…"), self.add), ("edit", _("&Modifier…"), self.edit),
                                ("verify", _("&Vérifié aujourd'hui"), self.verify),
                                ("import", _("&Importer…"), self.import_file), ("export", _("E&xporter…"), self.export_file),
                                ("delete", _("&Supprimer…"), self.delete), ("close", _("Fermer"), self.accept)):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, s=slot: s())
            buttons.addWidget(button)
            self.buttons[key] = button
        layout.addLayout(buttons)
        self.load()

    def load(self) -> None:
        from app.core.referents import channel_label, list_referents, scope_label

        self.rows = self.desk.query(list_referents)
        self.table.setRowCount(len(self.rows))
        stale = 0
        for i, r in enumerate(self.rows):
            verified = format_date(r.verified_on) if r.verified_on else _("jamais")
            if r.stale:
                stale += 1
                verified = "⚠ " + _("À vérifier") + f" ({verified})"
            for j, text in enumerate((r.partner, scope_label(r.scope), r.name, channel_label(r.channel), r.contact,
                                      r.hours, verified)):
                item = QTableWidgetItem(text)
                if j == 4 and r.notes:
                    item.setToolTip(r.notes)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.info.setText(_("{n} référent(s) ; {stale} à vérifier (plus de 6 mois sans vérification). "
                            "Coordonnées professionnelles : ne notez rien d'autre.").format(n=len(self.rows),
                                                                                           stale=stale))
        if self.rows and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def current(self):
        i = self.table.currentRow()
        return self.rows[i] if 0 <= i < len(self.rows) else None

    def _open_editor(self, referent_id: int | None) -> ReferentEditor:
        self.editor = ReferentEditor(self.desk, referent_id, self)
        self.editor.setAttribute(Qt.WA_DeleteOnClose)
        self.editor.accepted.connect(self.load)
        self.editor.open()
        return self.editor

    def add(self) -> ReferentEditor:
        return self._open_editor(None)

    def edit(self) -> ReferentEditor | None:
        row = self.current()
        return self._open_editor(row.id) if row else None

    def verify(self) -> None:
        from app.core.referents import mark_verified

        row = self.current()
        if row:
            self.desk.op(mark_verified, row.id)
            self.load()

    def delete(self) -> None:
        from app.core.referents import erase_referent

        row = self.current()
        if row is None or QMessageBox.question(
                self, _("Supprimer"), _("Supprimer « {name} » de l'annuaire ? Les transmissions passées gardent "
                                        "le partenaire et le canal.").format(name=row.name)) != QMessageBox.Yes:
            return
        try:
            self.desk.store_op(erase_referent, row.id)
        except DomainError as exc:
            QMessageBox.warning(self, _("Guichet"), exc.message)
        self.load()

    def import_file(self, path: str | None = None) -> None:
        from app.core.referents_io import import_directory

        if path is None:
            path, _f = QFileDialog.getOpenFileName(self, _("Importer un annuaire"), "",
                                                   _("Tableur (*.xlsx *.csv)"))
        if not path:
            return

        def done(result):
            r = result.value
            self.load()
            self.info.setText(_("Import terminé : {c} ajouté(s), {u} mis à jour.").format(c=r.created, u=r.updated))

        def failed(exc):
            self.info.setText(exc.message if isinstance(exc, DomainError) else _("Import impossible."))

        self.info.setText(_("Import en cours…"))
        collection_op(self, self.desk, import_directory, Path(path), on_done=done, on_error=failed)

    def export_file(self, path: str | None = None) -> None:
        from app.core.referents_io import export_directory

        if path is None:
            path, _f = QFileDialog.getSaveFileName(self, _("Exporter l'annuaire"), "annuaire-referents.xlsx",
                                                   _("Tableur (*.xlsx *.csv)"))
        if path:
            self.desk.query(export_directory, Path(path))
            self.info.setText(_("Annuaire exporté : {path}").format(path=path))


def show_referents(window) -> ReferentsDialog:
    dialog = ReferentsDialog(window.desk, window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    window.referents_dialog = dialog
    return dialog


def install(window) -> None:
    action = QAction(_("Annuaire des &référents…"), window)
    action.setShortcut(QKeySequence("Ctrl+Shift+D"))  # D: directory; Ctrl+Shift+R is « Mes relances »
    action.setToolTip(_("Qui contacter chez chaque partenaire, par quel canal"))
    action.triggered.connect(lambda: show_referents(window))
    window.addAction(action)
    window.menu_tools.addAction(action)
    window.referents_action = action
    from app.ui import delays_view

    delays_view.install(window)
