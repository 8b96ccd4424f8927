"""« Feuille de route » (Ctrl+Shift+F): enter a bus day's paper sheet, one row per visit.

Stop and date are set once at the top. Each row: Heure, Démarche (typeahead: the form's
catalogue matcher and the agent's usage ranking), Canal, Type de réponse, Durée, Note, and its
État. Keyboard: Tab moves to the next cell; in « Démarche », Entrée or Tab takes the highlighted
suggestion; Entrée anywhere else goes to the next row's « Heure » (canal, type and duration keep
the defaults shown); a new empty row appears at the end as soon as the last one is started;
Ctrl+Entrée saves the sheet; Échap closes without saving.

Saving is all or nothing (app/core/route_sheet.py): one Desk operation; if a row is refused its
French message is shown in its « État » cell, the row is marked, focus goes to it, and nothing
is saved until every row is accepted. Empty rows are ignored.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QCompleter, QDialog, QDialogButtonBox,
                               QFormLayout, QHeaderView, QLabel, QLineEdit, QSpinBox, QTableWidget,
                               QVBoxLayout, QWidget)

from app.i18n import _, format_number
from app.ui.date_fields import DateField
from app.ui.widgets import field_row, select_data, vocabulary_combo, with_error

COLUMNS = (_("Heure"), _("Démarche"), _("Canal"), _("Type de réponse"), _("Durée"), _("Note"), _("État"))
TIME, DEMARCHE, CANAL, RESPONSE, DURATION, NOTE, STATE = range(7)
ROW_HEIGHT, ERROR_ROW_HEIGHT = 34, 52  # an error row shows its message on two lines


class _Row:
    """The widgets of one row of the sheet."""

    def __init__(self, dialog: "RouteSheetDialog", n: int):
        self.choice = None  # the ProcedureChoice picked for this row
        self.hits: dict = {}
        self.time = QLineEdit()
        self.time.setPlaceholderText("9:30")
        self.time.setMaxLength(5)
        self.demarche = QLineEdit()
        self.demarche.setPlaceholderText(_("« carte gr », « apl »…"))
        self.completer_model = QStringListModel(dialog)
        self.completer = QCompleter(self.completer_model, dialog)
        self.completer.setCompletionMode(QCompleter.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(10)
        self.completer.popup().setAccessibleName(_("Suggestions de démarches"))
        self.completer.setWidget(self.demarche)  # as in the form: suggestions never overwrite the typing
        self.completer.activated[str].connect(self.pick_display)
        self.demarche.textEdited.connect(lambda text: dialog.suggest(self, text))
        self.canal = vocabulary_combo("canal", _("Canal"))
        self.response = vocabulary_combo("response_type", _("Type de réponse"))
        self.duration = QSpinBox()
        self.duration.setRange(1, 480)
        self.duration.setSingleStep(5)
        self.duration.setSuffix(" min")
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.state = QLabel()
        self.state.setWordWrap(True)  # the whole message, on two lines if need be
        for widget, name in ((self.time, _("Heure")), (self.demarche, _("Démarche")), (self.canal, _("Canal")),
                             (self.response, _("Type de réponse")), (self.duration, _("Durée en minutes")),
                             (self.note, _("Note")), (self.state, _("État"))):
            widget.setAccessibleName(_("Ligne {n} : {name}").format(n=n, name=name))
        self.time.textEdited.connect(lambda _t: dialog.row_started(self))
        self.demarche.textEdited.connect(lambda _t: dialog.row_started(self))

    @property
    def editors(self) -> list[QWidget]:
        return [self.time, self.demarche, self.canal, self.response, self.duration, self.note]

    def is_empty(self) -> bool:
        return not (self.time.text().strip() or self.demarche.text().strip() or self.note.text().strip())

    def pick_display(self, display: str) -> None:
        choice = self.hits.get(display)
        if choice is not None:
            self.choice = choice
            self.demarche.setText(choice.display)
            self.demarche.setToolTip(choice.display)  # the whole label, when the cell cuts it
            self.demarche.setCursorPosition(0)

    def show_state(self, message: str, error: bool) -> None:
        self.state.setText(("⚠ " if error else "") + message)
        self.state.setToolTip(message)
        self.state.setStyleSheet("color: #b3261e; font-weight: 600;" if error else "")
        for widget in self.editors:
            widget.setAccessibleDescription(_("Erreur : ") + message if error else "")


class RouteSheetDialog(QDialog):
    def __init__(self, desk, parent=None):
        from app.core.counter import form_setup
        from app.models.enums import Canal, StructureKind

        super().__init__(parent)
        self.desk = desk
        self.saved_ids: list[int] = []
        self.rows: list[_Row] = []
        self.setWindowTitle(_("Feuille de route — saisie d'une journée"))
        self.setAccessibleName(self.windowTitle())
        setup = desk.query(form_setup)
        self.boost, d = setup.boost, setup.defaults
        is_bus = setup.structure.kind == StructureKind.BUS
        self.default_canal = d.canal or (Canal.ITINERANT_BUS.value if is_bus else Canal.GUICHET.value)
        if is_bus and self.default_canal != Canal.ITINERANT_BUS.value:
            self.default_canal = Canal.ITINERANT_BUS.value  # a bus sheet: visits at the stop
        self.default_response = d.response_type
        self.default_duration = d.duration_min or 15

        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.stop_combo = QComboBox()
        self.stop_combo.setAccessibleName(_("Arrêt du bus"))
        for stop in setup.stops:
            self.stop_combo.addItem(stop.name, stop.id)
        if d.bus_stop_id:
            select_data(self.stop_combo, d.bus_stop_id)
        self.stop_combo.setEnabled(bool(setup.stops))
        box, self.stop_error = with_error(self.stop_combo)
        stop_label = QLabel(_("A&rrêt :"))
        stop_label.setBuddy(self.stop_combo)
        top.addRow(stop_label, box)
        today = date.today()  # Python's clock, the one the core checks the day against
        # typed jj/mm/aaaa, refused rather than corrected (app/ui/date_fields.py); ↓ is « the day before »
        self.day_edit = DateField("day", _("Date de la journée"), _("Date de la journée"))
        self.day_edit.setDate(today)
        self.day_error = field_row(top, _("&Date :"), self.day_edit)
        layout.addLayout(top)
        hint = QLabel(_("Entrée sous la date : vers la feuille · Tab : case suivante · Entrée : ligne suivante (dans « Démarche » : prend la suggestion) · "
                        "Ctrl+Entrée : enregistrer la feuille"))
        hint.setWordWrap(True)
        layout.addWidget(hint)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName(_("Passages de la journée"))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.setFocusPolicy(Qt.NoFocus)  # focus lives in the cells' fields
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.table.horizontalHeader()
        for col, width in ((TIME, 64), (DEMARCHE, 300), (CANAL, 140), (RESPONSE, 190), (DURATION, 84), (NOTE, 130)):
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(STATE, QHeaderView.Stretch)
        layout.addWidget(self.table, 1)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(_("Résultat de l'enregistrement"))
        layout.addWidget(self.summary)
        buttons = QDialogButtonBox()
        buttons.setAccessibleName(_("Boutons de la fenêtre"))
        self.save_button = buttons.addButton(_("&Enregistrer la feuille (Ctrl+Entrée)"), QDialogButtonBox.AcceptRole)
        self.save_button.setAccessibleName(_("Enregistrer la feuille : toutes les lignes ou aucune"))
        self.save_button.setAutoDefault(False)
        cancel = buttons.addButton(_("Fermer sans enregistrer (Échap)"), QDialogButtonBox.RejectRole)
        cancel.setAccessibleName(_("Fermer sans enregistrer"))
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.save)
        for widget in (self.stop_combo, self.day_edit):
            widget.installEventFilter(self)  # Entrée: down to the sheet
        self.resize(1240, 640)
        self.add_row()
        self.rows[0].time.setFocus()

    # -- rows ------------------------------------------------------------------------------
    def add_row(self) -> _Row:
        row = _Row(self, len(self.rows) + 1)
        select_data(row.canal, self.default_canal)
        if self.default_response:
            select_data(row.response, self.default_response)
        row.duration.setValue(self.default_duration)
        i = self.table.rowCount()
        self.table.insertRow(i)
        for col, widget in enumerate(row.editors + [row.state]):
            self.table.setCellWidget(i, col, widget)
        for widget in row.editors:
            widget.installEventFilter(self)
        previous = self.rows[-1].editors[-1] if self.rows else self.day_edit
        QWidget.setTabOrder(previous, row.time)
        for a, b in zip(row.editors, row.editors[1:]):
            QWidget.setTabOrder(a, b)
        QWidget.setTabOrder(row.note, self.save_button)
        self.rows.append(row)
        return row

    def row_started(self, row: _Row) -> None:
        """Typing in the last row makes the next empty one appear."""
        if row is self.rows[-1]:
            self.add_row()

    def suggest(self, row: _Row, text: str) -> None:
        from app.ui.accompaniment_form import matcher  # the form's catalogue matcher, « Autre démarche » included

        row.choice = None
        hits = matcher().match(text, limit=10, boost=self.boost)
        row.hits = {c.display: c for c in hits}
        row.completer_model.setStringList(list(row.hits))
        if hits:
            row.completer.complete()
            row.completer.popup().setCurrentIndex(row.completer_model.index(0, 0))

    def _take_suggestion(self, row: _Row) -> None:
        popup = row.completer.popup()
        if popup.isVisible():
            index = popup.currentIndex()
            row.pick_display(index.data() if index.isValid() else next(iter(row.hits), ""))
            popup.hide()

    def _next_row(self, row: _Row) -> None:
        i = self.rows.index(row)
        if i + 1 == len(self.rows):
            self.add_row()
        target = self.rows[i + 1]
        self.table.scrollTo(self.table.model().index(i + 1, TIME))
        target.time.setFocus()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.KeyPress and event.modifiers() in (Qt.NoModifier, Qt.KeypadModifier):
            if obj in (self.stop_combo, self.day_edit) and event.key() in (Qt.Key_Return, Qt.Key_Enter):
                self.rows[0].time.setFocus()
                return True
            row = next((r for r in self.rows if obj in r.editors), None)
            if row is not None and event.key() in (Qt.Key_Return, Qt.Key_Enter):
                if obj is row.demarche and (row.completer.popup().isVisible() or row.choice is None and row.hits):
                    self._take_suggestion(row)
                    return True
                self._next_row(row)
                return True
            if row is not None and event.key() == Qt.Key_Tab and obj is row.demarche:
                self._take_suggestion(row)
        return super().eventFilter(obj, event)

    # -- saving ----------------------------------------------------------------------------
    def filled_rows(self) -> list[tuple[int, _Row]]:
        return [(i, r) for i, r in enumerate(self.rows) if not r.is_empty()]

    def collect(self):
        from app.core.accompaniments import ProcedureLine
        from app.core.route_sheet import Sheet, SheetRow

        rows = [SheetRow(r.time.text(), ProcedureLine(r.choice.partner_code, r.choice.code or None) if r.choice else None,
                         r.canal.currentData(), r.response.currentData(), r.duration.value(), r.note.text())
                for _i, r in self.filled_rows()]
        stop = self.stop_combo.currentData() if self.stop_combo.isEnabled() else None
        return Sheet(self.day_edit.value(), stop, rows)  # ValidationError(field="day") if not a date

    def save(self) -> None:
        from app.core.route_sheet import SheetErrors, save_sheet
        from app.models.errors import DomainError, ValidationError
        from app.ui.accompaniment_form import COUNTER

        for i, row in enumerate(self.rows):
            row.show_state("", False)
            self.table.setRowHeight(i, ROW_HEIGHT)
        self.day_error.clear_error(self.day_edit)
        self.stop_error.clear_error(self.stop_combo)
        filled = self.filled_rows()
        try:
            self.saved_ids = self.desk.op(save_sheet, self.collect(), source=COUNTER).value
        except SheetErrors as exc:
            for k, error in exc.rows.items():
                filled[k][1].show_state(error.message, True)
                self.table.setRowHeight(filled[k][0], ERROR_ROW_HEIGHT)
                if error.field == "bus_stop":
                    self.stop_error.show_error(error.message, self.stop_combo)
            first = filled[min(exc.rows)][1]
            self.summary.setText("⚠ " + exc.message)
            self.table.scrollTo(self.table.model().index(filled[min(exc.rows)][0], TIME))
            (first.demarche if exc.rows[min(exc.rows)].field == "procedure" else first.time).setFocus()
            return
        except ValidationError as exc:
            if exc.field == "day":
                self.day_error.show_error(exc.message, self.day_edit)
                self.day_edit.select_for_retyping()  # the next digits replace the whole date
            else:
                self.summary.setText("⚠ " + exc.message)
                self.rows[0].time.setFocus()
            return
        except DomainError as exc:
            self.summary.setText("⚠ " + exc.message)
            return
        parent = self.parent()
        if parent is not None and hasattr(parent, "statusBar"):
            parent.statusBar().showMessage(_("Feuille de route : {n} accompagnement(s) enregistré(s).").format(
                n=format_number(len(self.saved_ids))), 6000)
        self.accept()
