"""Paper questionnaires keyed in as a batch: a keyboard-only grid, checked per row, saved at once.

One row per questionnaire: date, canal, partner, the five scores (1–5, empty = not answered),
démarche aboutie (o/n, empty) and a comment. Typing goes straight into the current cell (no
double-click), Enter/Tab move on, and a new empty row appears when the last one is filled, so
a batch is typed like a spreadsheet. Each row is validated by the core service as it is typed
(the error shows as text in the row's « Erreur » column); « Enregistrer » saves every row in
one transaction, or nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableView, QVBoxLayout)

from app.i18n import _, format_date, label
from app.ui.a11y import data_label, grid_escape
from app.models.surveys import DIMENSIONS

COLUMNS = [("answered_on", "Date"), ("canal", "Canal"), ("partner_code", "Partenaire"),
           ("satisfaction_globale", "Globale"), ("facilite_acces", "Accès"), ("delais", "Délais"),
           ("simplicite", "Simplicité"), ("qualite_accueil", "Accueil"), ("demarche_aboutie", "Aboutie (o/n)"),
           ("comment", "Commentaire"), ("error", "Erreur")]
_YES, _NO = ("o", "oui", "y", "yes", "1"), ("n", "non", "no", "0")


def parse_date(text: str, today: date) -> date | None | str:
    """« 12/11 », « 12/11/2026 », « 2026-11-12 » → date; "" → None; otherwise the text (invalid)."""
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    try:
        return datetime.strptime(f"{text}/{today.year}", "%d/%m/%Y").date()
    except ValueError:
        return text


class PaperModel(QAbstractTableModel):
    """Rows of raw text as typed; `inputs()` turns them into SurveyInput for the service."""

    def __init__(self, desk, default_canal: str = "guichet", today: date | None = None, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.today = today or date.today()
        self.default_canal = default_canal
        self.rows: list[dict] = [self._blank()]
        self.errors: list[str] = [""]

    def _blank(self) -> dict:
        return {"answered_on": format_date(self.today, "dd/MM/yyyy"), "canal": self.default_canal}

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return _(COLUMNS[section][1])
        if role == Qt.DisplayRole and orientation == Qt.Vertical:
            return str(section + 1)
        return None

    def flags(self, index):
        base = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        return base if COLUMNS[index.column()][0] == "error" else base | Qt.ItemIsEditable

    def data(self, index, role=Qt.DisplayRole):
        key = COLUMNS[index.column()][0]
        if key == "error":
            if role in (Qt.DisplayRole, Qt.ToolTipRole, Qt.AccessibleTextRole):
                return ("⚠ " + self.errors[index.row()]) if self.errors[index.row()] else ""
            return None
        value = self.rows[index.row()].get(key, "")
        if role == Qt.DisplayRole and key == "canal" and value:
            return label("canal", value) if value in _canals() else value
        if role in (Qt.DisplayRole, Qt.EditRole, Qt.AccessibleTextRole):
            return value
        return None

    def setData(self, index, value, role=Qt.EditRole):
        if role != Qt.EditRole or not index.isValid():
            return False
        key = COLUMNS[index.column()][0]
        text = str(value or "").strip()
        if key == "canal":
            text = _match_canal(text)
        self.rows[index.row()][key] = text
        self.check_row(index.row())
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(COLUMNS) - 1))
        if index.row() == len(self.rows) - 1 and self._filled(index.row()):
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
            self.rows.append(self._blank())
            self.errors.append("")
            self.endInsertRows()
        return True

    def _filled(self, row: int) -> bool:
        r = self.rows[row]
        return any(r.get(k) for k in (*DIMENSIONS, "demarche_aboutie", "comment"))

    def to_input(self, row: int):
        """The SurveyInput of a row; raises ValidationError for what only the grid can judge."""
        from app.core.surveys import SurveyInput
        from app.models.errors import ValidationError

        r = self.rows[row]
        day = parse_date(r.get("answered_on", ""), self.today)
        if isinstance(day, str):
            raise ValidationError(_("Date : format attendu JJ/MM/AAAA."), field="answered_on")
        aboutie = (r.get("demarche_aboutie") or "").lower()
        if aboutie and aboutie not in _YES + _NO:
            raise ValidationError(_("Aboutie : o (oui), n (non) ou vide."), field="demarche_aboutie")
        return SurveyInput(answered_on=day or self.today, canal=r.get("canal") or self.default_canal,
                           partner_code=r.get("partner_code") or None, source="papier",
                           demarche_aboutie=(aboutie in _YES) if aboutie else None,
                           comment=r.get("comment", ""), structure_id=self.desk.actor.structure_id,
                           **{d: r.get(d) or None for d in DIMENSIONS})

    def check_row(self, row: int) -> bool:
        from app.core.surveys import validate
        from app.models.errors import ValidationError

        try:
            data = self.to_input(row)
            self.desk.query(validate, data, self.today)
        except ValidationError as exc:
            self.errors[row] = exc.message
            return False
        self.errors[row] = ""
        return True

    def filled_rows(self) -> list[int]:
        return [i for i in range(len(self.rows)) if self._filled(i)]

    def save(self) -> int:
        """Validate every filled row, then save them together. Returns how many were saved."""
        from app.core.surveys import record_batch

        rows = self.filled_rows()
        bad = [i for i in rows if not self.check_row(i)]
        self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))
        if bad:
            from app.models.errors import ValidationError

            raise ValidationError(_("Ligne {n} : {message}").format(n=bad[0] + 1, message=self.errors[bad[0]]),
                                  field=str(bad[0]))
        self.desk.op(record_batch, [self.to_input(i) for i in rows], self.today, source=self)
        self.beginResetModel()
        self.rows, self.errors = [self._blank()], [""]
        self.endResetModel()
        return len(rows)


def _canals() -> list[str]:
    from app.models.enums import Canal

    return [c.value for c in Canal]


def _match_canal(text: str) -> str:
    """Accept the code, the label or its first letters (« tel » → téléphone)."""
    from app.store.search_index import normalise

    wanted = normalise(text)
    if not wanted:
        return ""
    for code in _canals():
        if normalise(code).startswith(wanted) or normalise(label("canal", code)).startswith(wanted):
            return code
    return text


class PaperEntryDialog(QDialog):
    saved = Signal(int)

    def __init__(self, desk, parent=None, today: date | None = None, default_canal: str = "guichet"):
        super().__init__(parent)
        self.setWindowTitle(_("Enquêtes papier"))
        self.setAccessibleName(_("Saisie des enquêtes papier"))
        self.resize(1200, 520)
        self.model = PaperModel(desk, default_canal, today, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(_("Questionnaires papier, une ligne par questionnaire"))
        self.view.setEditTriggers(QAbstractItemView.AnyKeyPressed | QAbstractItemView.EditKeyPressed
                                  | QAbstractItemView.DoubleClicked | QAbstractItemView.SelectedClicked)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setTabKeyNavigation(True)  # an entry grid: Tab to the next cell, as on paper…
        grid_escape(self.view)  # …and Ctrl+Tab leaves it
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(9, QHeaderView.Stretch)
        help_text = QLabel(_("Une ligne par questionnaire. Notes de 1 (pas du tout satisfait) à 5 (très satisfait), "
                             "vide si sans réponse. Aboutie : o ou n. Tab pour passer à la cellule suivante, "
                             "Ctrl+Tab pour quitter la grille, Ctrl+Entrée pour enregistrer le lot."))
        help_text.setWordWrap(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        data_label(self.message, _("Message"))
        self.save_button = QPushButton(_("&Enregistrer le lot"))
        self.save_button.setAccessibleName(_("Enregistrer le lot"))
        self.save_button.clicked.connect(self.save)
        close = QPushButton(_("&Fermer"))
        close.setAccessibleName(_("Fermer"))
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)
        QShortcut(QKeySequence("Ctrl+Enter"), self, activated=self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(help_text)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.view.setFocus()
        self.view.setCurrentIndex(self.model.index(0, 3))

    def save(self) -> None:
        from app.models.errors import DomainError

        if self.view.state() == QAbstractItemView.EditingState:  # commit the cell being typed
            self.view.setCurrentIndex(self.view.currentIndex().siblingAtColumn(0))
        try:
            n = self.model.save()
        except DomainError as exc:
            self.message.setText("⚠ " + exc.message)
            if exc.field and exc.field.isdigit():
                self.view.setCurrentIndex(self.model.index(int(exc.field), len(COLUMNS) - 1))
            self.view.setFocus()
            return
        if n == 0:
            self.message.setText(_("Aucun questionnaire à enregistrer."))
            return
        self.message.setText(_("{n} questionnaire(s) enregistré(s).").format(n=n))
        self.saved.emit(n)
        self.view.setCurrentIndex(self.model.index(0, 3))
        self.view.setFocus()


def show_paper_entry(window) -> PaperEntryDialog:
    from app.core.structures import get_structure
    from app.models.enums import StructureKind

    kind = window.desk.query(lambda session, actor: get_structure(session, actor.structure_id).kind)
    bus = kind == StructureKind.BUS
    dialog = PaperEntryDialog(window.desk, window, default_canal="itinerant_bus" if bus else "guichet")
    dialog.open()
    return dialog
