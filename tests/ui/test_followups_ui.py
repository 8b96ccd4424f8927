"""« À relancer » as a work list, driven by the keyboard: whole relance text, phone column,
« Mes relances », a call attempt logged from the list, the case dialog's phone and history."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlmodel import select

from app.core import accompaniments as acc
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.usagers import UsagerInput
from app.models.followups import CallAttempt
from app.models.tables import Accompaniment
from app.ui.a11y import mnemonic_clashes
from app.ui.accompaniment_form import AccompanimentForm
from app.ui.call_dialog import CallDialog, next_workday
from app.ui.case_detail import CaseDetailDialog
from tests.ui.helpers import focusable_widgets_without_name, on_modal, refresh, wait_refreshed


def _follow_up(store, actor, clock, days: int, name: str, phone: str, **kw) -> int:
    with store.write() as s:
        return acc.open_accompaniment(s, actor, AccompanimentInput(
            [ProcedureLine("CAF", "CAF-RSA")], occurred_at=clock.now() - timedelta(days=20),
            follow_up_on=clock.today() + timedelta(days=days),
            new_usager=UsagerInput(first_name=name, last_name="Test", phone=phone), **kw)).id


def _visible_text(view, row: int, col: int) -> tuple[str, int, int]:
    """(text, width it needs, width it has): a cell is cut when the second exceeds the third."""
    text = view.model().index(row, col).data()
    needed = view.fontMetrics().horizontalAdvance(text) + 2 * view.style().pixelMetric(
        view.style().PixelMetric.PM_FocusFrameHMargin) + 2
    return text, needed, view.columnWidth(col)


def test_relance_and_status_are_never_cut_and_the_phone_sits_beside_the_usager(qtbot, window, store, actor, frozen_clock):
    _follow_up(store, actor, frozen_clock, -12, "Ana", "06 12 34 56 78", status="en_attente_partenaire")
    window.resize(1366, 768)
    refresh(qtbot, window)
    view = window.followup_view
    qtbot.waitUntil(lambda: view.model().columnCount() >= 9 and view.horizontalHeader().count() >= 9)
    text, needed, width = _visible_text(view, 0, 5)
    assert "(en retard)" in text and text.startswith("⚠") and width >= needed
    text, needed, width = _visible_text(view, 0, 4)
    assert text == "En attente du partenaire" and width >= needed
    header = view.horizontalHeader()
    phone_col = next(c for c in range(view.model().columnCount())
                     if view.model().headerData(c, Qt.Horizontal) == "Téléphone")
    assert header.visualIndex(phone_col) == 2
    assert view.model().index(0, phone_col).data() == "06 12 34 56 78"


def test_mes_relances_and_toutes_by_keyboard(qtbot, window, store, site, frozen_clock):
    mine = _follow_up(store, site["agent"], frozen_clock, 0, "Ana", "0612345678")
    _follow_up(store, site["supervisor"], frozen_clock, 0, "Bob", "0698765432")
    refresh(qtbot, window)
    qtbot.keyClick(window, Qt.Key_L, Qt.ControlModifier)
    assert window.followup_model.rowCount() == 2
    qtbot.keyClick(window.followup_view, Qt.Key_R, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: window.followup_model.rowCount() == 1 and not window.followup_model.loading)
    assert window.followup_model.row_at(0).id == mine
    assert window.followups_filter.currentText() == "Mes relances"
    refresh(qtbot, window)  # a refresh keeps the filter
    assert [window.followup_model.row_at(i).id for i in range(window.followup_model.rowCount())] == [mine]
    qtbot.keyClick(window.followup_view, Qt.Key_R, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: window.followup_model.rowCount() == 2)


def test_a_call_on_voicemail_is_logged_from_the_list_by_keyboard_only(qtbot, window, store, actor, frozen_clock):
    target = _follow_up(store, actor, frozen_clock, -1, "Ana", "06 12 34 56 78")
    refresh(qtbot, window)
    qtbot.keyClick(window, Qt.Key_L, Qt.ControlModifier)
    qtbot.keyClick(window.followup_view, Qt.Key_Down)
    assert window.current_case_id() == target
    seen = {}

    def call(dialog):
        seen["phone"] = dialog.phone_label.text()
        seen["unnamed"] = focusable_widgets_without_name(dialog) + list(mnemonic_clashes(dialog))
        dialog.activateWindow()  # offscreen: activation is not immediate, and mnemonics need it
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        qtbot.keyClick(dialog, Qt.Key_M, Qt.AltModifier)  # Messagerie: next call in two working days
        qtbot.waitUntil(lambda: dialog.outcome() == "messagerie")  # a mnemonic clicks after a short delay
        seen["next"] = dialog.next_check.isChecked()
        qtbot.keyClick(dialog, Qt.Key_O, Qt.AltModifier)
        qtbot.keyClicks(dialog.note_edit, "message laisse")
        qtbot.keyClick(dialog.note_edit, Qt.Key_Return)

    state = on_modal(CallDialog, call)
    qtbot.keyClick(window.followup_view, Qt.Key_A, Qt.ControlModifier | Qt.ShiftModifier)
    assert state["error"] is None
    assert seen == {"phone": "06 12 34 56 78", "unnamed": [], "next": True}
    with store.read() as s:
        call = s.exec(select(CallAttempt)).one()
        assert (call.accompaniment_id, call.outcome, call.note) == (target, "messagerie", "message laisse")
        assert s.get(Accompaniment, target).follow_up_on == next_workday(frozen_clock.today())
    wait_refreshed(qtbot, window)
    assert window.followup_model.rowCount() == 0  # no longer due today


def test_rappel_prevu_without_date_is_refused_next_to_the_date(qtbot, window, store, actor, frozen_clock, desk):
    target = _follow_up(store, actor, frozen_clock, 0, "Ana", "0612345678")
    dialog = CallDialog(desk, target, parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog, Qt.Key_R, Qt.AltModifier)
    qtbot.waitUntil(lambda: dialog.next_check.isChecked())
    qtbot.keyClick(dialog, Qt.Key_P, Qt.AltModifier)  # unticks the proposed date
    qtbot.waitUntil(lambda: not dialog.next_check.isChecked())
    qtbot.keyClick(dialog.save_button, Qt.Key_Return)
    error = dialog.errors["next_follow_up_on"]
    assert error.isVisible() and "date du prochain appel" in error.text()
    assert dialog.isVisible()
    with store.read() as s:
        assert s.exec(select(CallAttempt)).all() == []


def test_the_case_dialog_shows_the_phone_and_the_calls_in_its_history(qtbot, window, store, actor, frozen_clock, desk):
    from app.core.followups import CallInput, log_call

    target = _follow_up(store, actor, frozen_clock, 0, "Ana", "0612345678")
    desk.op(log_call, target, CallInput("injoignable", "sonne dans le vide"))
    dialog = CaseDetailDialog(desk, target, parent=window)
    qtbot.addWidget(dialog)
    assert "06 12 34 56 78" in dialog.summary.text()
    texts = [dialog.history.item(i, 2).text() for i in range(dialog.history.rowCount())]
    assert texts[0] == "Création" and any("Injoignable" in t and "sonne dans le vide" in t for t in texts)


def test_the_form_refuses_a_follow_up_for_an_anonymous_usager_next_to_the_field(qtbot, window, desk, store):
    form = AccompanimentForm(desk, parent=window)
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    qtbot.keyClicks(form.demarche_edit, "carte gr")
    qtbot.waitUntil(lambda: form.completer.popup().isVisible())
    qtbot.keyClick(form.completer.popup(), Qt.Key_Return)
    qtbot.waitUntil(lambda: form.demarche_edit.text() == "")
    form.follow_check.setFocus()
    qtbot.keyClick(form.follow_check, Qt.Key_Space)
    qtbot.keyClick(form.follow_check, Qt.Key_Return)
    qtbot.waitUntil(lambda: not form.saving, timeout=10000)  # the save runs on the write pool
    error = form.errors["follow_up_on"]
    assert error.isVisible() and "anonyme" in error.text()
    qtbot.waitUntil(lambda: form.focusWidget() is form.follow_date)
    with store.read() as s:
        assert s.exec(select(Accompaniment)).all() == []


def test_a_phone_noted_in_the_case_dialog_makes_the_follow_up_possible(qtbot, window, store, actor, frozen_clock, desk):
    with store.write() as s:
        case_id = acc.open_accompaniment(s, actor, AccompanimentInput(
            [ProcedureLine("CAF", "CAF-RSA")], new_usager=UsagerInput(first_name="Léo", last_name="Roux"))).id
    dialog = CaseDetailDialog(desk, case_id, parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not mnemonic_clashes(dialog)  # Alt+T added to Statut, relancer, Modifier, appel
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    select_status = dialog.status_combo
    select_status.setCurrentIndex(select_status.findData("ouvert"))
    dialog.follow_check.setChecked(True)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10000)  # the status change runs on the write pool
    assert "aucun téléphone" in dialog.follow_error.text()
    row = dialog.phone_row
    qtbot.keyClick(dialog, Qt.Key_T, Qt.AltModifier)  # the « Téléphone » field
    qtbot.waitUntil(lambda: QApplication.focusWidget() is row.edit)
    qtbot.keyClick(row.edit, Qt.Key_Return)
    assert "tapez-le" in row.error.text()
    qtbot.keyClicks(row.edit, "12")
    qtbot.keyClick(row.edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: "invalide" in row.error.text())
    row.edit.clear()
    qtbot.keyClicks(row.edit, "06 12 34 56 78")
    qtbot.keyClick(row.edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: dialog.phone_row is None)
    assert "06 12 34 56 78" in dialog.summary.text()
    dialog.follow_check.setChecked(True)
    select_status.setCurrentIndex(select_status.findData("ouvert"))
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10000)  # the status change runs on the write pool
    with store.read() as s:
        assert s.get(Accompaniment, case_id).follow_up_on is not None
