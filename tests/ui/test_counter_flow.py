"""The counter agent's daily flow, driven by the keyboard only (offscreen)."""

import time
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlmodel import select

from app.core import accompaniments as acc
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.usagers import UsagerInput
from app.models.tables import Accompaniment
from app.ui.accompaniment_form import AccompanimentForm
from app.ui.case_detail import CaseDetailDialog
from tests.ui.helpers import focusable_widgets_without_name, on_modal, refresh, wait_refreshed


class Keyboard:
    """Every key the agent presses, grouped as the agent thinks of them: a run of typed letters is
    one group, every other key (Entrée, Échap, a shortcut, a dismissal) is a group of its own.
    A box that had to be dismissed would need a key here, so it would show in the count."""

    def __init__(self, qtbot):
        self.qtbot, self.groups, self.keys = qtbot, [], 0

    def type(self, widget, text):
        self.keys += len(text)
        self.groups.append(f"type {text}")
        self.qtbot.keyClicks(widget, text)

    def press(self, widget, key, modifier=Qt.NoModifier, name=""):
        self.keys += 1
        self.groups.append(name or str(key))  # before: a key that opens a dialog returns when it closes
        self.qtbot.keyClick(widget, key, modifier)


def test_simple_information_request_logged_by_keyboard_in_four_keystroke_groups(qtbot, window, store):
    kb = Keyboard(qtbot)
    forms = []

    def fill(form):
        forms.append(form)
        kb.type(form.demarche_edit, "carte gr")                          # group 2: type
        qtbot.waitUntil(lambda: form.completer.popup().isVisible())
        kb.press(form.completer.popup(), Qt.Key_Return, name="Entrée")   # group 3: take the first suggestion
        qtbot.waitUntil(lambda: form.demarche_edit.text() == "")
        kb.press(form.demarche_edit, Qt.Key_Return, name="Entrée")       # group 4: save

    start = time.perf_counter()
    state = on_modal(AccompanimentForm, fill)
    kb.press(window, Qt.Key_N, Qt.ControlModifier, name="Ctrl+N")       # group 1: open the form anywhere
    assert state["error"] is None
    elapsed = time.perf_counter() - start
    with store.read() as s:
        (saved,) = s.exec(select(Accompaniment)).all()
        lines = acc.procedure_lines(s, saved.id)
    assert lines[0].procedure_code == "ANTS-CG-CHANGEMENT-TITULAIRE"
    assert saved.status == "clos" and saved.canal == "guichet"
    assert kb.groups == ["Ctrl+N", "type carte gr", "Entrée", "Entrée"]  # exactly 4 groups, 11 keys
    assert kb.keys == 11 and elapsed < 30
    wait_refreshed(qtbot, window)  # the save refreshed the lists (OpsHub.executed), off the UI thread
    assert window.case_model.rowCount() == 1
    assert "1" in window.today_panel.figures["total"].text()

    # A face-to-face visit just closed: the survey is offered by a bar, nothing modal to dismiss…
    qtbot.waitUntil(lambda: window.survey_hint.isVisible(), timeout=2000)
    assert QApplication.activeModalWidget() is None
    assert "F6" in window.survey_hint.label.text()
    # … so the next usager's Ctrl+N opens the form at once, and the bar is gone.
    state = on_modal(AccompanimentForm, lambda form: (forms.append(form), form.reject()))
    kb.press(window, Qt.Key_N, Qt.ControlModifier, name="Ctrl+N")
    assert state["error"] is None and len(forms) == 2
    qtbot.waitUntil(lambda: not window.survey_hint.isVisible(), timeout=2000)
    assert kb.groups[-1] == "Ctrl+N" and len(kb.groups) == 5


def test_error_is_shown_next_to_the_field_and_focus_moves_there(qtbot, window, store):
    from app.ui.widgets import select_data

    seen = {}

    def fill(form):
        qtbot.keyClick(form.demarche_edit, Qt.Key_Return)  # nothing chosen
        qtbot.waitUntil(lambda: not form.saving, timeout=10000)  # the save runs off the UI thread (issue 11)
        seen["procedure"] = form.errors["procedure"].text()
        qtbot.keyClicks(form.demarche_edit, "caf rsa")      # then the agent picks a démarche
        qtbot.waitUntil(lambda: form.completer.popup().isVisible())
        qtbot.keyClick(form.completer.popup(), Qt.Key_Return)
        qtbot.waitUntil(lambda: form.demarche_edit.text() == "")
        seen["picked"] = form.collect().procedures
        select_data(form.response_combo, "demarche_realisee_sous_mandat")  # but no mandate
        qtbot.keyClick(form.demarche_edit, Qt.Key_Return)
        qtbot.waitUntil(lambda: not form.saving, timeout=10000)
        seen["error"] = form.errors["mandate"].text()
        seen["visible"] = form.errors["mandate"].isVisible()
        seen["focus"] = form.focusWidget() is form.mandate_combo
        seen["description"] = form.mandate_combo.accessibleDescription()
        seen["procedure_after"] = form.errors["procedure"].isVisible()
        form.reject()

    state = on_modal(AccompanimentForm, fill)
    qtbot.keyClick(window, Qt.Key_N, Qt.ControlModifier)
    assert state["error"] is None
    assert "démarche" in seen["procedure"]
    assert seen["picked"] == [ProcedureLine("CAF", "CAF-RSA")]
    assert "mandat" in seen["error"] and seen["visible"] and seen["focus"]
    assert seen["description"].startswith("Erreur") and not seen["procedure_after"]
    with store.read() as s:
        assert s.exec(select(Accompaniment)).all() == []


def _log(store, actor, **kw):
    with store.write() as s:
        return acc.open_accompaniment(s, actor, AccompanimentInput([ProcedureLine("CAF", "CAF-LOGEMENT")], **kw)).id


def test_find_by_search_change_status_and_see_it_in_follow_ups(qtbot, window, store, actor, frozen_clock):
    _log(store, actor)
    target = _log(store, actor, note="attestation employeur manquante", follow_up_on=frozen_clock.today(),
                  new_usager=UsagerInput(first_name="Zoé", last_name="Martin", phone="06 12 34 56 78"))
    refresh(qtbot, window)
    assert window.tabs.tabText(1).endswith("(1)")

    qtbot.keyClick(window, Qt.Key_F, Qt.ControlModifier)
    assert window.focusWidget() is window.search_edit
    qtbot.keyClicks(window.search_edit, "attestation empl")
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 1, timeout=2000)
    qtbot.keyClick(window.search_edit, Qt.Key_Return)   # jumps to the list, first row selected
    assert window.current_case_id() == target

    def change(dialog):
        dialog.status_combo.setFocus()
        qtbot.keyClick(dialog.status_combo, Qt.Key_Down)  # ouvert -> en attente du partenaire
        qtbot.keyClick(dialog.status_combo, Qt.Key_Return)
        assert dialog.saving and not dialog.status_combo.isEnabled()  # on the write pool (issue 11)
        qtbot.waitUntil(lambda: not dialog.saving, timeout=10000)
        assert dialog.status_combo.currentData() == "en_attente_partenaire"
        assert dialog.history.rowCount() == 2
        dialog.reject()

    state = on_modal(CaseDetailDialog, change)
    qtbot.keyClick(window.case_view, Qt.Key_O, Qt.ControlModifier)
    assert state["error"] is None
    with store.read() as s:
        assert s.get(Accompaniment, target).status == "en_attente_partenaire"

    window.activateWindow()  # the closed dialog handed activation back to the main window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.case_view, Qt.Key_L, Qt.ControlModifier)
    assert window.tabs.currentWidget() is window.followup_view
    wait_refreshed(qtbot, window)
    assert window.followup_model.rowCount() == 1
    assert window.followup_model.row_at(0).id == target


def test_case_list_is_lazy(qtbot, store, actor, desk):
    from app.ui.case_model import PAGE, CaseTableModel
    from app.core.cases import CaseFilter

    for _ in range(PAGE + 5):
        _log(store, actor)
    model = CaseTableModel(desk, CaseFilter())
    with qtbot.waitSignal(model.loaded):
        model.reload()
    assert model.rowCount() == PAGE and model.canFetchMore()
    with qtbot.waitSignal(model.loaded):
        model.fetchMore()
    assert model.rowCount() == PAGE + 5 and not model.canFetchMore()


def test_overdue_follow_up_is_said_in_words_not_only_colour(qtbot, window, store, actor, frozen_clock):
    with store.write() as s:
        acc.open_accompaniment(s, actor, AccompanimentInput(
            [ProcedureLine("CAF", "CAF-RSA")], occurred_at=frozen_clock.now() - timedelta(days=5),
            follow_up_on=frozen_clock.today() - timedelta(days=2), new_usager=UsagerInput(first_name="Zoé", last_name="Martin", phone="06 12 34 56 78")))
    refresh(qtbot, window)
    text = window.followup_model.index(0, 5).data()
    assert "en retard" in text and "⚠" in text


def test_every_focusable_control_has_an_accessible_name(qtbot, window, store, actor, desk):
    assert focusable_widgets_without_name(window) == []
    form = AccompanimentForm(desk, parent=window)
    qtbot.addWidget(form)
    form.show()
    form.new_usager_box.setChecked(True)
    form.follow_check.setChecked(True)
    assert focusable_widgets_without_name(form) == []
    case_id = _log(store, actor)
    detail = CaseDetailDialog(desk, case_id, parent=window)
    qtbot.addWidget(detail)
    detail.show()
    assert focusable_widgets_without_name(detail) == []


def test_tab_order_follows_the_visual_order_of_the_form(qtbot, window, desk):
    form = AccompanimentForm(desk, parent=window)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form, timeout=2000)
    form.demarche_edit.setFocus()
    order = []
    for _ in range(14):
        order.append(form.focusWidget())
        qtbot.keyClick(form.focusWidget(), Qt.Key_Tab)
    expected = [form.demarche_edit, form.selected_list, form.response_combo, form.canal_combo,
                form.date_edit, form.time_edit, form.duration_spin, form.autonomy_combo, form.finalisation_combo, form.mandate_combo,
                form.usager_edit, form.new_usager_box, form.follow_check, form.status_combo]
    assert order == expected
    ys = [w.mapTo(form, w.rect().topLeft()).y() for w in expected]
    assert ys == sorted(ys)
