"""« À relancer » as a work list (issue 15): installed into the main window like other features.

- the relance and status columns are sized to their whole text (« ⚠ 2 oct. 2026 (en retard) »,
  « En attente du partenaire »): the overdue cue is never cut off;
- a « Téléphone » column next to the usager, and « Dernier appel » (outcome, day, how many);
- « Mes relances » / « Toutes » (Ctrl+Shift+R): the cases the agent logged, or every case of the site;
- « Noter un appel… » (Ctrl+Shift+A) on the selected case (app/ui/call_dialog.py);
- « Feuille de route… » (Ctrl+Shift+F): a bus day's paper sheet (app/ui/route_sheet.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QWidget

from app.i18n import _

SHORTCUT_CALL = "Ctrl+Shift+A"
SHORTCUT_MINE = "Ctrl+Shift+R"
SHORTCUT_SHEET = "Ctrl+Shift+F"
FIT_COLUMNS = (4, 5)  # Statut, Relance: always their whole text
# Narrower than the case list's: the phone and the last call need the room at 1366 px.
WIDTHS = ((0, 140), (1, 140), (2, 100), (3, 146), (6, 110))


def _action(window, text: str, shortcut: str, slot, tip: str) -> QAction:
    action = QAction(text, window)
    action.setShortcut(QKeySequence(shortcut))
    action.setShortcutContext(Qt.WindowShortcut)
    action.setStatusTip(tip)
    action.setToolTip(f"{tip} ({shortcut})")
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def log_call(window) -> None:
    from app.ui.call_dialog import CallDialog

    case_id = window.current_case_id()
    if case_id is None:
        window.statusBar().showMessage(_("Sélectionnez d'abord un accompagnement dans la liste."), 5000)
        return
    CallDialog(window.desk, case_id, parent=window).exec()


def open_route_sheet(window) -> None:
    from app.ui.route_sheet import RouteSheetDialog

    RouteSheetDialog(window.desk, parent=window).exec()


def set_mine(window, mine: bool) -> None:
    window.followups_mine = mine
    combo = window.followups_filter
    if combo.currentIndex() != int(mine):
        combo.setCurrentIndex(int(mine))
    window.followup_model.reload(window._followup_filter())


def fit_columns(window) -> None:
    view = window.followup_view
    header = view.horizontalHeader()
    for col, width in WIDTHS:
        header.setSectionResizeMode(col, QHeaderView.Interactive)
        view.setColumnWidth(col, width)
    for col in FIT_COLUMNS:
        header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
    header.setStretchLastSection(True)
    model = view.model()
    first_extra = len(model.COLUMNS)
    for col in range(first_extra, model.columnCount()):
        header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
    # The phone beside the usager's name (a visual move: the model's columns keep their order).
    phone = first_extra
    if header.visualIndex(phone) != 2:
        header.moveSection(header.visualIndex(phone), 2)


def install(window) -> None:
    from app.core.followups import last_call_column, phone_column

    model = window.followup_model
    model.extra_columns += [(_("Téléphone"), phone_column), (_("Dernier appel"), last_call_column)]
    window.followups_mine = False
    combo = QComboBox()
    combo.addItem(_("Toutes les relances"), False)
    combo.addItem(_("Mes relances"), True)
    combo.setAccessibleName(_("Relances affichées (Ctrl+Maj+R)"))
    combo.setToolTip(_("Toutes les relances du site, ou seulement celles des accompagnements que vous avez saisis "
                       "(Ctrl+Maj+R)"))
    combo.currentIndexChanged.connect(lambda i: set_mine(window, bool(i)))
    window.followups_filter = combo
    corner = QWidget()
    row = QHBoxLayout(corner)
    row.setContentsMargins(0, 0, 0, 0)
    caption = QLabel(_("Relances :"))
    caption.setBuddy(combo)  # a sibling caption: Orca reads it with the combo's value (AT-SPI labelled-by)
    row.addWidget(caption)
    row.addWidget(combo)
    window.tabs.setCornerWidget(corner, Qt.TopRightCorner)
    corner.show()

    window.act_call = _action(window, _("Noter un &appel…"), SHORTCUT_CALL, lambda: log_call(window),
                              _("Noter le résultat d'un appel de relance sur l'accompagnement sélectionné"))
    window.act_mine = _action(window, _("Mes relances / toutes"), SHORTCUT_MINE,
                              lambda: set_mine(window, not window.followups_mine),
                              _("Afficher seulement mes relances, ou toutes"))
    window.act_route_sheet = _action(window, _("&Feuille de route…"), SHORTCUT_SHEET, lambda: open_route_sheet(window),
                                     _("Saisir les passages d'une journée du bus depuis la feuille papier"))
    window.menu_case.addSeparator()
    for action in (window.act_call, window.act_mine, window.act_route_sheet):
        window.menu_case.addAction(action)
    model.reload(window._followup_filter())
    model.modelReset.connect(lambda: fit_columns(window))  # the extra columns exist from the next page on
