"""« Démarrer un moment de vie… »: choose a moment de vie, its event date and (when it has some)
the situations that apply; started through the desk (app.core.checklists.start_moment)."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QVBoxLayout)

from app.i18n import _, format_datetime


class StartMomentDialog(QDialog):
    """Choose a moment de vie, its event date and (when it has some) the situations that apply."""

    def __init__(self, desk, case_id: int, parent=None, source=None):
        super().__init__(parent)
        from app.core.checklists import current_catalogue

        self.desk, self.case_id, self.source = desk, case_id, source
        self.started_id: int | None = None
        self.setWindowTitle(_("Démarrer un moment de vie"))
        self.setAccessibleName(_("Démarrer un moment de vie"))
        cat = desk.query(lambda session, _actor: current_catalogue(session))
        # The case is named before anything starts: Ctrl+M once took the selected row, another
        # usager's case, without a word.
        self.case_label = QLabel(case_caption(desk, case_id))
        self.case_label.setObjectName("startMomentCase")
        self.case_label.setWordWrap(True)
        self.case_label.setTextFormat(Qt.RichText)
        self.case_label.setAccessibleName(_("Dossier concerné"))
        self.moments = sorted(cat.moments.values(), key=lambda m: (not m.priority, m.title))
        form = QFormLayout()
        self.moment = QComboBox()
        self.moment.setAccessibleName(_("Moment de vie"))
        for m in self.moments:
            self.moment.addItem(m.title + (_(" (prioritaire)") if m.priority else ""), m.id)
        moment_label = QLabel(_("&Moment de vie"))
        moment_label.setBuddy(self.moment)
        form.addRow(moment_label, self.moment)
        self.moment_error = QLabel()
        self.moment_error.setStyleSheet("color: #b3261e")
        form.addRow(self.moment_error)
        self.date_label = QLabel()
        self.event_date = QDateEdit(QDate.currentDate())
        self.event_date.setCalendarPopup(True)
        self.event_date.setDisplayFormat("dd/MM/yyyy")
        self.date_label.setBuddy(self.event_date)
        form.addRow(self.date_label, self.event_date)
        self.date_error = QLabel()
        self.date_error.setStyleSheet("color: #b3261e")
        form.addRow(self.date_error)
        self.sections_box = QVBoxLayout()
        self.sections_label = QLabel(_("Situation(s) :"))
        form.addRow(self.sections_label, self.sections_box)
        self.section_checks: list[QCheckBox] = []
        self.sections_error = QLabel()
        self.sections_error.setStyleSheet("color: #b3261e")
        form.addRow(self.sections_error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(_("Démarrer"))
        buttons.button(QDialogButtonBox.Ok).setAccessibleName(_("Démarrer"))
        buttons.button(QDialogButtonBox.Cancel).setText(_("Annuler"))
        buttons.button(QDialogButtonBox.Cancel).setAccessibleName(_("Annuler"))
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.case_label)
        layout.addLayout(form)
        layout.addWidget(buttons)
        for label in (self.moment_error, self.date_error, self.sections_error):
            label.hide()  # an empty error row would leave a gap between the fields
        self.moment.currentIndexChanged.connect(self._moment_changed)
        self._moment_changed()

    def _moment_changed(self) -> None:
        m = self.moments[self.moment.currentIndex()]
        self.date_label.setText("&" + m.date_label)
        self.event_date.setAccessibleName(m.date_label)
        for box in self.section_checks:
            self.sections_box.removeWidget(box)
            box.deleteLater()
        self.section_checks = []
        for sid, title in m.sections:
            box = QCheckBox(title)
            box.setChecked(True)
            box.setAccessibleName(title)
            box.setProperty("section_id", sid)
            self.sections_box.addWidget(box)
            self.section_checks.append(box)
        self.sections_label.setVisible(bool(m.sections))

    def select_moment(self, moment_id: str) -> None:
        self.moment.setCurrentIndex(self.moment.findData(moment_id))

    def start(self) -> None:
        from app.core.checklists import start_moment
        from app.models.errors import ValidationError

        for label in (self.moment_error, self.date_error, self.sections_error):
            label.clear()
            label.hide()
        sections = [b.property("section_id") for b in self.section_checks if b.isChecked()] \
            if self.section_checks else None
        try:
            row = self.desk.op(start_moment, self.case_id, self.moment.currentData(),
                               self.event_date.date().toPython(), sections, source=self.source).value
            self.started_id = row.id
        except ValidationError as exc:
            target = {"event_date": (self.date_error, self.event_date),
                      "sections": (self.sections_error, self.section_checks[0] if self.section_checks else self.moment)
                      }.get(exc.field, (self.moment_error, self.moment))
            target[0].setText(exc.message)
            target[0].show()
            target[1].setFocus()
            return
        self.accept()


def case_caption(desk, case_id: int) -> str:
    """« Pour le dossier n° 12 : Gérard GARNIER — Prestations familiales (CAF) — 30/11/2026 16:56 »."""
    from app.core.counter import case_detail
    from app.models.catalogue import catalogue

    view = desk.query(case_detail, case_id).view
    cat = catalogue()
    demarches = ", ".join(
        (cat.procedures[l.procedure_code].label if l.procedure_code in cat.procedures else _("Autre démarche"))
        + f" ({cat.partners[l.partner_code].short_label if l.partner_code in cat.partners else l.partner_code})"
        for l in view.lines)
    esc = lambda t: (t or "").replace("&", "&amp;").replace("<", "&lt;")  # noqa: E731
    return _("Pour le dossier n° {id} : <b>{usager}</b> — {demarches} — {date}").format(
        id=case_id, usager=esc(view.usager_name), demarches=esc(demarches),
        date=format_datetime(view.accompaniment.occurred_at))
