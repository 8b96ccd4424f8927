"""Supervision › Délais des partenaires (issue 20): median and 90th-percentile days to answer per
partner, channel and référent, « sans réponse » rates and open escalations by age, for a period.
Figures come from app/core/escalation_stats.py, read off the UI thread."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QDateEdit, QDialog, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout)

from app.i18n import _, format_number, format_percent
from app.models.month import add_months
from app.ui.workers import query_op

COLUMNS = ("", "Transmises", "Réponses", "Médiane (j)", "90e centile (j)", "Sans réponse",
           "% sans réponse", "En attente")


def _days(value) -> str:
    return "—" if value is None else format_number(value, 1 if value != int(value) else 0)


class DelaysDialog(QDialog):
    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk, self.report = desk, None
        self.setWindowTitle(_("Délais de réponse des partenaires"))
        self.setAccessibleName(self.windowTitle())
        self.resize(980, 520)
        layout = QVBoxLayout(self)
        period = QHBoxLayout()
        first = date.today().replace(day=1)
        previous = add_months(first, -1)
        self.start = QDateEdit(QDate(previous.year, previous.month, 1))
        self.end = QDateEdit(QDate(first.year, first.month, 1))
        for edit, text in ((self.start, _("&Du :")), (self.end, _("&Au (exclu) :"))):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(text.replace("&", "").rstrip(" :"))
            label = QLabel(text)
            label.setBuddy(edit)
            period.addWidget(label)
            period.addWidget(edit)
        self.compute_button = QPushButton(_("&Calculer"))
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        period.addWidget(self.compute_button)
        period.addStretch()
        layout.addLayout(period)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("Délais par partenaire, canal ou référent"))
        self.tables = {}
        for key, title, first_column in (("partner", _("Par &partenaire"), _("Partenaire")),
                                         ("channel", _("Par ca&nal"), _("Canal")),
                                         ("referent", _("Par &référent"), _("Référent"))):
            table = QTableWidget(0, len(COLUMNS))
            table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside (issue 22)
            table.setHorizontalHeaderLabels([first_column] + [_(c) for c in COLUMNS[1:]])
            table.setAccessibleName(title.replace("&", ""))
            table.setEditTriggers(QAbstractItemView.NoEditTriggers)
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
            table.verticalHeader().hide()
            self.tables[key] = table
            self.tabs.addTab(table, title)
        layout.addWidget(self.tabs, 1)
        self.open_label = QLabel()
        self.open_label.setWordWrap(True)
        self.open_label.setAccessibleName(_("Transmissions en attente par ancienneté"))
        layout.addWidget(self.open_label)
        self.definitions = QLabel(_(
            "Délai = jours entre l'envoi et la réponse. Médiane : valeur du milieu (moyenne des deux du milieu "
            "pour un nombre pair). 90e centile : rang ⌈0,9 × n⌉ des délais triés. Les transmissions « sans "
            "réponse » et en attente n'ont pas de délai : elles sont comptées à part."))
        self.definitions.setWordWrap(True)
        layout.addWidget(self.definitions)
        self.compute()

    def compute(self) -> None:
        from app.core.escalation_stats import delays

        self.open_label.setText(_("Calcul en cours…"))
        query_op(self, self.desk, delays, self.start.date().toPython(), self.end.date().toPython(),
                 on_done=self.show_report)

    def show_report(self, report) -> None:
        self.report = report
        for key, groups in (("partner", report.by_partner), ("channel", report.by_channel),
                            ("referent", report.by_referent)):
            table = self.tables[key]
            rows = groups + [report.total] if groups else []
            table.setRowCount(len(rows))
            for i, g in enumerate(rows):
                values = (g.label, format_number(g.sent), format_number(g.answered), _days(g.median), _days(g.p90),
                          format_number(g.no_answer),
                          "—" if g.no_answer_rate is None else format_percent(g.no_answer_rate),
                          format_number(g.open))
                for j, text in enumerate(values):
                    item = QTableWidgetItem(text)
                    if j:
                        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                    table.setItem(i, j, item)
            table.resizeColumnsToContents()
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        ages = " ; ".join(f"{label} : {format_number(n)}" for label, n in report.open_by_age)
        self.open_label.setText(_("En attente aujourd'hui, par ancienneté — {ages}. En retard : {late}.").format(
            ages=ages, late=format_number(report.overdue)))


def show_delays(window) -> DelaysDialog:
    dialog = DelaysDialog(window.desk, window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    window.delays_dialog = dialog
    return dialog


def install(window) -> None:
    action = QAction(_("Délais des &partenaires…"), window)
    action.setToolTip(_("Délais de réponse des partenaires : médiane, 90e centile, sans réponse"))
    action.triggered.connect(lambda: show_delays(window))
    window.menu_supervision.addAction(action)
    window.delays_action = action
