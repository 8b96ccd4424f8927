"""« Transmettre au partenaire » from the case dialog (issue 20): the case's escalations, a form
to send one, and the answer. Everything through the Desk (app/core/escalations.py)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from app.i18n import _, format_date
from app.models.errors import DomainError
from app.ui.referents_dialog import combo, qdate
from app.ui.widgets import field_row, select_data


def _date_edit(d: date, accessible: str) -> QDateEdit:
    edit = QDateEdit(qdate(d))
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setAccessibleName(accessible)
    return edit


class TransmitDialog(QDialog):
    """To whom, by which channel, why, answer expected by. The note's reminder is always shown."""

    def __init__(self, desk, accompaniment_id: int, partner_code: str | None = None, parent=None):
        from app.core import escalations, referents
        from app.models.referents import EscalationReason, ReferentChannel

        super().__init__(parent)
        self.desk, self.accompaniment_id = desk, accompaniment_id
        self.setWindowTitle(_("Transmettre au partenaire"))
        self.setAccessibleName(self.windowTitle())
        self.directory = desk.query(referents.list_referents)
        self.setMinimumWidth(620)
        form = QFormLayout(self)
        self.partner = combo(desk.query(referents.partners), _("Partenaire"))
        select_data(self.partner, partner_code)
        self.referent = QComboBox()
        self.referent.setAccessibleName(_("Référent"))
        self.channel = combo([(c.value, referents.channel_label(c)) for c in ReferentChannel], _("Canal"))
        self.reason = combo([(r.value, escalations.reason_label(r)) for r in EscalationReason], _("Motif"))
        self.note = QLineEdit()
        self.note.setMaxLength(escalations.NOTE_MAX)
        self.note.setAccessibleName(_("Note courte"))
        self.note.setAccessibleDescription(_(escalations.NOTE_REMINDER))
        today = date.today()
        self.sent_on = _date_edit(today, _("Date d'envoi"))
        self.expected_by = _date_edit(today + timedelta(days=escalations.DEFAULT_WAIT_DAYS), _("Réponse attendue le"))
        self.errors = {}
        for field, text, widget in (("partner", _("&Partenaire :"), self.partner),
                                    ("referent", _("&Référent :"), self.referent),
                                    ("channel", _("&Canal :"), self.channel), ("reason", _("&Motif :"), self.reason),
                                    ("note", _("&Note :"), self.note), ("sent_on", _("&Envoyé le :"), self.sent_on),
                                    ("expected_by", _("Réponse &attendue le :"), self.expected_by)):
            self.errors[field] = field_row(form, text, widget)
            if field == "note":
                reminder = QLabel(_("Rappel : ") + _(escalations.NOTE_REMINDER))
                reminder.setWordWrap(True)
                form.addRow("", reminder)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(_("Transmettre"))
        buttons.button(QDialogButtonBox.Cancel).setText(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.partner.currentIndexChanged.connect(self._fill_referents)
        self.referent.currentIndexChanged.connect(self._referent_chosen)
        self._fill_referents()

    def _fill_referents(self) -> None:
        self.referent.clear()
        self.referent.addItem(_("— Canal général du partenaire —"), None)
        for r in self.directory:
            if r.partner_code == self.partner.currentData():
                mark = " ⚠ " + _("à vérifier") if r.stale else ""
                self.referent.addItem(f"{r.name} ({r.contact}){mark}", r.id)
        if self.referent.count() > 1:
            self.referent.setCurrentIndex(1)  # the directory's first contact for this partner

    def _referent_chosen(self) -> None:
        chosen = next((r for r in self.directory if r.id == self.referent.currentData()), None)
        if chosen is not None:
            select_data(self.channel, chosen.channel)

    def save(self) -> None:
        from app.core.escalations import EscalationInput, escalate
        from app.ui.accompaniment_form import COUNTER

        for error in self.errors.values():
            error.clear_error()
        data = EscalationInput(self.accompaniment_id, self.partner.currentData(), self.channel.currentData(),
                               self.reason.currentData(), self.note.text(), self.referent.currentData(),
                               self.sent_on.date().toPython(), self.expected_by.date().toPython())
        try:
            self.desk.op(escalate, data, source=COUNTER)
        except DomainError as exc:
            self.errors.get(exc.field or "", self.errors["note"]).show_error(exc.message)
            self.adjustSize()  # room for the error line, nothing overlaps
            return
        self.accept()


class AnswerDialog(QDialog):
    def __init__(self, desk, escalation_id: int, parent=None):
        from app.core import escalations
        from app.models.referents import EscalationOutcome

        super().__init__(parent)
        self.desk, self.escalation_id = desk, escalation_id
        self.setWindowTitle(_("Réponse du partenaire"))
        self.setAccessibleName(self.windowTitle())
        form = QFormLayout(self)
        self.outcome = combo([(o.value, escalations.outcome_label(o)) for o in EscalationOutcome], _("Réponse"))
        self.answered_on = _date_edit(date.today(), _("Date de la réponse"))
        self.errors = {}
        for field, text, widget in (("outcome", _("&Réponse :"), self.outcome),
                                    ("answered_on", _("&Le :"), self.answered_on)):
            self.errors[field] = field_row(form, text, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(_("Enregistrer la réponse"))
        buttons.button(QDialogButtonBox.Cancel).setText(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        from app.core.escalations import record_answer
        from app.ui.accompaniment_form import COUNTER

        for error in self.errors.values():
            error.clear_error()
        try:
            self.desk.op(record_answer, self.escalation_id, self.outcome.currentData(),
                         self.answered_on.date().toPython(), source=COUNTER)
        except DomainError as exc:
            self.errors.get(exc.field or "", self.errors["outcome"]).show_error(exc.message)
            return
        self.accept()


COLUMNS = ("Envoyé le", "Partenaire", "Référent", "Canal", "Motif", "Attendue le", "Réponse")


class CaseEscalationsDialog(QDialog):
    """The case's escalations; « Transmettre… » and « Enregistrer la réponse… » open their forms."""

    def __init__(self, desk, accompaniment_id: int, parent=None):
        super().__init__(parent)
        self.desk, self.accompaniment_id, self.rows, self.form = desk, accompaniment_id, [], None
        self.setWindowTitle(_("Transmissions au partenaire — accompagnement n° {n}").format(n=accompaniment_id))
        self.setAccessibleName(self.windowTitle())
        self.resize(1100, 360)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.table.setAccessibleName(_("Transmissions de l'accompagnement"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.send_button = QPushButton(_("&Transmettre au partenaire…"))
        self.answer_button = QPushButton(_("Enregistrer la &réponse…"))
        close = QPushButton(_("Fermer"))
        for button, slot in ((self.send_button, self.transmit), (self.answer_button, self.answer),
                             (close, self.accept)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, s=slot: s())
            row.addWidget(button)
        layout.addLayout(row)
        self.load()

    def load(self) -> None:
        from app.core.escalations import case_escalations, outcome_label, reason_label
        from app.core.referents import channel_label

        self.rows = self.desk.query(case_escalations, self.accompaniment_id)
        self.table.setRowCount(len(self.rows))
        today = date.today()
        for i, r in enumerate(self.rows):
            if r.open:
                answer = _("En attente") + (" — ⚠ " + _("en retard") if r.expected_by < today else "")
            else:
                answer = f"{outcome_label(r.outcome)} ({format_date(r.answered_on)})"
            for j, text in enumerate((format_date(r.sent_on), r.partner, r.referent or "—", channel_label(r.channel),
                                      reason_label(r.reason) + (f" — {r.note}" if r.note else ""),
                                      format_date(r.expected_by), answer)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        open_rows = [i for i, r in enumerate(self.rows) if r.open]
        self.answer_button.setEnabled(bool(open_rows))
        if open_rows:
            self.table.selectRow(open_rows[0])

    def _opened(self, dialog: QDialog) -> QDialog:
        self.form = dialog
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.accepted.connect(self.load)
        dialog.open()
        return dialog

    def transmit(self) -> QDialog:
        lines = self.desk.case(self.accompaniment_id).lines
        return self._opened(TransmitDialog(self.desk, self.accompaniment_id,
                                           lines[0].partner_code if lines else None, self))

    def answer(self) -> QDialog | None:
        i = self.table.currentRow()
        row = self.rows[i] if 0 <= i < len(self.rows) else None
        if row is None or not row.open:
            row = next((r for r in self.rows if r.open), None)
        return self._opened(AnswerDialog(self.desk, row.id, self)) if row else None
