"""Paper questionnaires: typed into the grid with the keyboard only, checked per row, saved at once."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlmodel import select

from app.models.surveys import SurveyResponse
from app.ui.survey_paper import PaperEntryDialog, parse_date
from tests.desks import desk_for

TODAY = date(2026, 11, 23)


def saved(store):
    with store.read() as s:
        rows = list(s.exec(select(SurveyResponse).order_by(SurveyResponse.id)))
        s.expunge_all()
        return rows


def type_row(qtbot, view, cells: list[str]):
    """Type each cell then Tab, as an agent with a pile of paper would. Tab opens the next
    cell's editor with its content selected, so typing replaces it; outside editing, the first
    key opens the editor of the current cell."""
    from PySide6.QtWidgets import QAbstractItemView

    for text in cells:
        if view.state() != QAbstractItemView.EditingState:
            if not text:
                qtbot.keyClick(view, Qt.Key_Tab)
                continue
            qtbot.keyClick(view, text[0])
            text = text[1:]
        editor = view.focusWidget()
        if text:
            qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key_Tab)


def start_at(dialog, row, col):
    dialog.view.setCurrentIndex(dialog.model.index(row, col))
    dialog.view.setFocus()


def test_a_batch_typed_with_the_keyboard_is_saved_in_one_go(qtbot, store, actor):
    dialog = PaperEntryDialog(desk_for(store, actor), today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)  # window shortcuts (Ctrl+Entrée) need the active window
    start_at(dialog, 0, 0)
    type_row(qtbot, dialog.view, ["20/11", "tel", "caf", "5", "4", "3", "2", "1", "o", "Tres bien, 06 12 34 56 78"])
    assert dialog.model.rowCount() == 2  # a fresh row appears for the next questionnaire
    start_at(dialog, 1, 3)
    type_row(qtbot, dialog.view, ["2", "", "", "", "", "n"])
    assert dialog.model.errors == ["", "", ""], dialog.model.rows
    qtbot.keyClick(dialog.windowHandle(), Qt.Key_Return, Qt.ControlModifier)  # Ctrl+Entrée: save the batch
    rows = saved(store)
    assert [(r.answered_on, r.canal, r.partner_code, r.satisfaction_globale, r.qualite_accueil, r.demarche_aboutie,
             r.source) for r in rows] == [
        (date(2026, 11, 20), "telephone", "CAF", 5, 1, True, "papier"),
        (TODAY, "guichet", None, 2, None, False, "papier")]
    assert rows[0].comment == "Tres bien, [téléphone masqué]"
    assert "2" in dialog.message.text() and dialog.model.rowCount() == 1


def test_a_bad_row_is_reported_next_to_it_and_nothing_is_saved(qtbot, store, actor):
    dialog = PaperEntryDialog(desk_for(store, actor), today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    start_at(dialog, 0, 3)
    type_row(qtbot, dialog.view, ["5"])
    start_at(dialog, 1, 3)
    type_row(qtbot, dialog.view, ["7"])
    start_at(dialog, 2, 0)
    type_row(qtbot, dialog.view, ["31/02/2026", "", "", "4"])
    assert dialog.model.errors[1] == "Note : un chiffre de 1 à 5."
    assert dialog.model.errors[2].startswith("Date")
    error_cell = dialog.model.index(1, dialog.model.columnCount() - 1)
    assert dialog.model.data(error_cell).startswith("⚠ ")  # words, not colour alone
    dialog.save()
    assert saved(store) == []
    assert dialog.message.text().startswith("⚠ Ligne 2 : ")
    assert dialog.view.currentIndex().row() == 1  # focus goes to the faulty row


def test_dates_are_read_the_french_way():
    assert parse_date("03/04", TODAY) == date(2026, 4, 3)
    assert parse_date("03/04/2025", TODAY) == date(2025, 4, 3)
    assert parse_date("2025-04-03", TODAY) == date(2025, 4, 3)
    assert parse_date("", TODAY) is None
    assert parse_date("hier", TODAY) == "hier"
