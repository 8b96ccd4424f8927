"""The counter form's date and time, its refusals next to the field, and the survey bar — by keyboard."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlmodel import select

from app.models.tables import Accompaniment
from app.ui.accompaniment_form import AccompanimentForm
from app.ui.widgets import select_data
from tests.ui.helpers import on_modal, wait_refreshed


def _pick_rsa(qtbot, form):
    qtbot.keyClicks(form.demarche_edit, "caf rsa")
    qtbot.waitUntil(lambda: form.completer.popup().isVisible())
    qtbot.keyClick(form.completer.popup(), Qt.Key_Return)
    qtbot.waitUntil(lambda: form.demarche_edit.text() == "")


def _answered(qtbot, form):
    """The save runs off the UI thread (issue 11): wait for its answer (saved, or refused)."""
    qtbot.waitUntil(lambda: not form.saving, timeout=10000)


def _saved(store):
    with store.read() as s:
        rows = list(s.exec(select(Accompaniment)))
        s.expunge_all()
        return rows


def _run(qtbot, window, fn):
    def guarded(form):
        form.activateWindow()  # shortcuts (Alt+letter) go to the active window, as on screen
        qtbot.waitUntil(lambda: QApplication.activeWindow() is form, timeout=2000)
        fn(form)
        qtbot.waitUntil(lambda: not form.saving, timeout=10000)
        if form.isVisible():  # a save that did not happen: say why instead of waiting forever
            errors = [label.text() for label in form.errors.values() if label.isVisible()]
            form.reject()
            raise AssertionError(f"the form is still open: {errors} {form.general_error.text()} "
                                 f"{form.date_edit.text()!r} {form.time_edit.text()!r} {form.focusWidget()}")

    state = on_modal(AccompanimentForm, guarded)
    qtbot.keyClick(window, Qt.Key_N, Qt.ControlModifier)
    if state["error"] is not None:
        raise state["error"]


def test_the_form_opens_at_now_and_a_bus_agent_types_yesterdays_date_and_time(qtbot, window, store, frozen_clock):
    seen = {}

    def fill(form):
        now = frozen_clock.now()
        seen["shown"] = (form.date_edit.text(), form.time_edit.text())
        seen["expected"] = (now.strftime("%d/%m/%Y"), now.strftime("%H:%M"))
        _pick_rsa(qtbot, form)
        qtbot.keyClick(form.demarche_edit, Qt.Key_E, Qt.AltModifier)  # « Dat&e »
        seen["focus"] = form.focusWidget() is form.date_edit
        qtbot.keyClicks(form.date_edit, "13102026")                      # the separators are there already
        qtbot.keyClick(form.date_edit, Qt.Key_Tab)
        qtbot.keyClicks(form.time_edit, "1545")
        qtbot.keyClick(form.time_edit, Qt.Key_Return)                    # Entrée saves from any field

    _run(qtbot, window, fill)
    assert seen["shown"] == seen["expected"] and seen["focus"]
    [visit] = _saved(store)
    assert visit.occurred_at == datetime(2026, 10, 13, 15, 45)


def test_a_future_date_is_refused_next_to_the_field_and_retyping_starts_at_the_day(qtbot, window, store):
    seen = {}

    def fill(form):
        _pick_rsa(qtbot, form)
        qtbot.keyClick(form.demarche_edit, Qt.Key_E, Qt.AltModifier)
        qtbot.keyClicks(form.date_edit, "15102026")  # tomorrow
        qtbot.keyClick(form.date_edit, Qt.Key_Return)
        _answered(qtbot, form)
        seen["error"] = form.errors["occurred_at"].text()
        seen["visible"] = form.errors["occurred_at"].isVisible()
        seen["focus"] = form.focusWidget() is form.date_edit
        qtbot.keyClicks(form.focusWidget(), "12102026")  # the agent just types the right date again
        seen["retyped"] = form.date_edit.text()
        qtbot.keyClick(form.date_edit, Qt.Key_Return)

    _run(qtbot, window, fill)
    assert "futur" in seen["error"] and seen["visible"] and seen["focus"]
    assert seen["retyped"] == "12/10/2026"
    [visit] = _saved(store)
    assert visit.occurred_at.date() == date(2026, 10, 12)


def test_a_date_before_the_retention_window_is_refused_with_the_first_allowed_day(qtbot, window, store):
    seen = {}

    def fill(form):
        _pick_rsa(qtbot, form)
        qtbot.keyClick(form.demarche_edit, Qt.Key_E, Qt.AltModifier)
        qtbot.keyClicks(form.date_edit, "01012024")
        qtbot.keyClick(form.date_edit, Qt.Key_Return)
        _answered(qtbot, form)
        seen["error"] = form.errors["occurred_at"].text()
        form.reject()
        seen["closed"] = True

    _run(qtbot, window, fill)
    assert "le 14/10/2024 au plus tôt" in seen["error"]
    assert _saved(store) == []


def test_31_february_is_refused_with_a_message_never_changed_and_retyping_replaces_it(qtbot, window, store, actor):
    seen = {}
    from app.core.usagers import UsagerInput, create_usager

    with store.write() as s:  # a follow-up needs someone to call (app/core/reachability.py)
        usager = create_usager(s, actor, UsagerInput(first_name="Inès", last_name="Fevrier", phone="06 12 34 56 78"))
        usager_id = usager.id

    def fill(form):
        _pick_rsa(qtbot, form)
        form.usager_search.set_usager(usager_id, "Inès Fevrier")
        qtbot.keyClick(form.demarche_edit, Qt.Key_L, Qt.AltModifier)  # « À re&lancer le »
        qtbot.keyClick(form.follow_check, Qt.Key_Space)
        qtbot.keyClick(form.follow_check, Qt.Key_Tab)
        seen["focus_date"] = form.focusWidget() is form.follow_date
        qtbot.keyClicks(form.follow_date, "31022027")
        qtbot.keyClick(form.follow_date, Qt.Key_Return)
        seen["error"] = form.errors["follow_up_on"].text()
        seen["kept"] = form.follow_date.text()
        seen["focus"] = form.focusWidget() is form.follow_date
        qtbot.keyClicks(form.focusWidget(), "26022027")
        seen["retyped"] = form.follow_date.text()
        qtbot.keyClick(form.follow_date, Qt.Key_Return)

    _run(qtbot, window, fill)
    assert seen["focus_date"] and seen["focus"]
    assert "le 31/02/2027 n'existe pas" in seen["error"] and seen["kept"] == "31/02/2027"
    assert seen["retyped"] == "26/02/2027"
    [visit] = _saved(store)
    assert visit.follow_up_on == date(2027, 2, 26) and visit.status == "ouvert"


def test_a_pasted_ten_thousand_character_note_is_refused_not_cut(qtbot, window, store):
    seen = {}

    def fill(form):
        _pick_rsa(qtbot, form)
        form.note_edit.setFocus()
        form.note_edit.insert("n" * 10_000)  # what a paste does
        seen["length"] = len(form.note_edit.text())
        qtbot.keyClick(form.note_edit, Qt.Key_Return)
        _answered(qtbot, form)
        seen["error"] = form.errors["note"].text()
        seen["focus"] = form.focusWidget() is form.note_edit
        form.reject()

    _run(qtbot, window, fill)
    assert seen["length"] == 10_000 and seen["focus"]
    assert "500 caractères au plus, 10000 saisis" in seen["error"]
    assert _saved(store) == []


def test_no_survey_bar_after_a_phone_call_and_the_next_key_hides_it_after_a_visit(qtbot, window, store):
    def phone(form):
        _pick_rsa(qtbot, form)
        select_data(form.canal_combo, "telephone")
        qtbot.keyClick(form.demarche_edit, Qt.Key_Return)

    _run(qtbot, window, phone)
    wait_refreshed(qtbot, window)
    qtbot.wait(50)
    assert len(_saved(store)) == 1 and not window.survey_hint.isVisible()
    qtbot.keyClick(window, Qt.Key_F6)  # no bar: F6 does nothing
    assert getattr(window, "survey_screen", None) is None

    def visit(form):
        _pick_rsa(qtbot, form)
        select_data(form.canal_combo, "guichet")  # the form proposed the last canal: the phone
        qtbot.keyClick(form.demarche_edit, Qt.Key_Return)

    _run(qtbot, window, visit)
    qtbot.waitUntil(window.survey_hint.isVisible, timeout=2000)
    assert QApplication.activeModalWidget() is None
    window.search_edit.setFocus()
    qtbot.keyClicks(window.search_edit, "d")  # the agent moves on: the bar goes, nothing to close
    qtbot.waitUntil(lambda: not window.survey_hint.isVisible(), timeout=2000)
    qtbot.keyClick(window, Qt.Key_F6)
    assert getattr(window, "survey_screen", None) is None
