"""« Noter un appel » (Ctrl+Shift+A): the outcome of a follow-up call, its note and the next date.

Opened from « À relancer » or from the case dialog, on the selected case. The number to dial is
shown first, large and selectable. Everything is checked by the core (app/core/followups.py):
each refusal is shown next to its field, and nothing is saved until it is accepted. Keyboard:
Alt+J/M/I/R pick the outcome, Alt+P the next date, Alt+C « clore », Entrée saves, Échap cancels.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QEvent, Qt
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton, QVBoxLayout, QWidget)

from app.i18n import _, format_date, label
from app.models.errors import DomainError, ValidationError
from app.ui.widgets import with_error

OUTCOMES = (("joint", _("&Joint")), ("messagerie", _("&Messagerie")), ("injoignable", _("&Injoignable")),
            ("rappel_prevu", _("&Rappel prévu")))


def next_workday(day: date, days: int = 2) -> date:
    """Default next call: two working days later (a Friday's call comes back on Tuesday)."""
    out = day
    while days:
        out += timedelta(days=1)
        if out.weekday() < 5:
            days -= 1
    return out


class CallDialog(QDialog):
    def __init__(self, desk, accompaniment_id: int, parent=None):
        from app.core.counter import case_detail
        from app.core.followups import case_phone

        super().__init__(parent)
        self.desk, self.accompaniment_id = desk, accompaniment_id
        self.saved = False
        self.setWindowTitle(_("Noter un appel — accompagnement n° {n}").format(n=accompaniment_id))
        self.setAccessibleName(self.windowTitle())
        view = desk.query(case_detail, accompaniment_id).view
        acc = view.accompaniment
        phone = desk.query(case_phone, accompaniment_id)
        layout = QVBoxLayout(self)

        self.phone_label = QLabel(phone or _("Aucun téléphone : personne à appeler."))
        self.phone_label.setObjectName("callPhone")
        self.phone_label.setStyleSheet("font-size: 20px; font-weight: 700;")
        self.phone_label.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.phone_label.setAccessibleName(_("Téléphone à appeler"))
        who = QLabel(_("{usager} — relance prévue le {date} — {status}").format(
            usager=view.usager_name, date=format_date(acc.follow_up_on) if acc.follow_up_on else "—",
            status=label("status", acc.status)))
        who.setWordWrap(True)
        layout.addWidget(who)
        layout.addWidget(self.phone_label)

        form = QFormLayout()
        self.errors = {}
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        self.outcome_group = QButtonGroup(self)
        self.outcome_buttons = {}
        for code, text in OUTCOMES:
            button = QRadioButton(text)
            button.setAccessibleName(_("Résultat : ") + label("call_outcome", code))
            self.outcome_group.addButton(button)
            self.outcome_buttons[code] = button
            button.toggled.connect(lambda on, c=code: on and self._on_outcome(c))
            h.addWidget(button)
        h.addStretch()
        box, self.errors["outcome"] = with_error(row)
        form.addRow(_("Résultat :"), box)

        self.next_check = QCheckBox(_("&Prochaine relance le"))
        self.next_check.setAccessibleName(_("Prochaine relance le (date ci-après)"))
        self.next_date = QDateEdit()
        self.next_date.setCalendarPopup(True)
        self.next_date.setDisplayFormat("dd/MM/yyyy")
        self.next_date.setAccessibleName(_("Date de la prochaine relance"))
        d = next_workday(date.today())
        self.next_date.setDate(QDate(d.year, d.month, d.day))
        self.next_date.setEnabled(False)
        self.next_check.toggled.connect(self._on_next_toggled)
        self.close_check = QCheckBox(_("&Clore l'accompagnement"))
        self.close_check.setAccessibleName(_("Clore l'accompagnement (le sujet est réglé)"))
        self.close_check.toggled.connect(lambda on: on and self.next_check.setChecked(False))
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(self.next_check)
        h.addWidget(self.next_date)
        h.addSpacing(16)
        h.addWidget(self.close_check)
        h.addStretch()
        box, self.errors["next_follow_up_on"] = with_error(row)
        form.addRow(_("Suite :"), box)
        self.errors["follow_up_on"] = self.errors["next_follow_up_on"]  # the reachability rule's field

        self.note_edit = QLineEdit()
        self.note_edit.setMaxLength(200)
        self.note_edit.setPlaceholderText(_("Note courte, sans information sur la situation personnelle"))
        self.note_edit.setAccessibleName(_("Note de l'appel"))
        box, self.errors["call_note"] = with_error(self.note_edit)
        note_label = QLabel(_("N&ote :"))
        note_label.setBuddy(self.note_edit)
        form.addRow(note_label, box)
        layout.addLayout(form)

        self.general_error = QLabel()
        self.general_error.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        layout.addWidget(self.general_error)
        buttons = QDialogButtonBox()
        buttons.setAccessibleName(_("Boutons de la fenêtre"))
        self.save_button = buttons.addButton(_("&Enregistrer l'appel"), QDialogButtonBox.AcceptRole)
        self.save_button.setAccessibleName(_("Enregistrer l'appel"))
        self.save_button.setDefault(True)
        cancel = buttons.addButton(_("Annuler"), QDialogButtonBox.RejectRole)
        cancel.setAccessibleName(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)
        self.outcome_buttons["joint"].setFocus()

    def _on_outcome(self, code: str) -> None:
        # The usual next step for each outcome; the agent can change it before saving.
        if code in ("messagerie", "injoignable", "rappel_prevu"):
            self.close_check.setChecked(False)
            self.next_check.setChecked(True)
        else:
            self.next_check.setChecked(False)

    def _on_next_toggled(self, on: bool) -> None:
        self.next_date.setEnabled(on)
        if on:
            self.close_check.setChecked(False)

    def outcome(self) -> str:
        return next((c for c, b in self.outcome_buttons.items() if b.isChecked()), "")

    def save(self) -> None:
        from app.core.followups import CallInput, log_call
        from app.ui.accompaniment_form import COUNTER

        for error in set(self.errors.values()):
            error.clear_error()
        self.general_error.hide()
        data = CallInput(self.outcome(), self.note_edit.text(),
                         self.next_date.date().toPython() if self.next_check.isChecked() else None,
                         self.close_check.isChecked())
        try:
            self.desk.op(log_call, self.accompaniment_id, data, source=COUNTER)
        except ValidationError as exc:
            target = self.errors.get(exc.field)
            if target is None:
                self.general_error.setText("⚠ " + exc.message)
                self.general_error.show()
                return
            widget = {"outcome": self.outcome_buttons["joint"], "call_note": self.note_edit}.get(exc.field, self.next_date)
            target.show_error(exc.message, widget)
            (self.next_check if widget is self.next_date else widget).setFocus()
            return
        except DomainError as exc:
            self.general_error.setText("⚠ " + exc.message)
            self.general_error.show()
            return
        self.saved = True
        self.accept()


class PhoneRow(QWidget):
    """« Téléphone » in the case dialog for an identified usager without one: the reachability
    rule's message says « Notez son numéro », this is where (app/core/followups.set_usager_phone)."""

    def __init__(self, desk, usager_id: int, on_saved, parent=None):
        super().__init__(parent)
        self.desk, self.usager_id, self.on_saved = desk, usager_id, on_saved
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("06 12 34 56 78")
        self.edit.setAccessibleName(_("Téléphone de l'usager"))
        self.button = QPushButton(_("Noter le téléphone"))
        self.button.setAccessibleName(_("Noter le téléphone de l'usager"))
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.save)
        # Entrée notes the phone and stops there: left to the dialog, it would also press the case
        # dialog's default button (« Enregistrer » the status), a second write nobody asked for
        self.edit.installEventFilter(self)
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(self.edit, 1)
        h.addWidget(self.button)
        box, self.error = with_error(row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(box)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.edit and event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.save()
            return True
        return False

    def save(self) -> None:
        from app.core.followups import set_usager_phone
        from app.ui.accompaniment_form import COUNTER

        self.error.clear_error(self.edit)
        try:
            self.desk.op(set_usager_phone, self.usager_id, self.edit.text(), source=COUNTER)
        except DomainError as exc:
            self.error.show_error(exc.message, self.edit)
            self.edit.setFocus()
            return
        self.on_saved()
