"""Usager mode end to end: close a case, answer by keyboard only, nothing of the agent's reachable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy import inspect
from sqlmodel import select

from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.surveys import SurveyInput, indicators
from app.models.surveys import SurveyResponse
from app.ui import survey_launch
from app.ui.accompaniment_form import COUNTER
from app.ui.survey_launch import start_usager_mode
from app.ui.survey_mode import SurveyScreen

@pytest.fixture
def installed(window):
    if not hasattr(window, "survey_actions"):
        survey_launch.install(window)
    return window


def open_case(store, actor, clock) -> int:
    with store.write() as s:
        acc = open_accompaniment(s, actor, AccompanimentInput(
            procedures=[ProcedureLine("CAF")], canal="telephone", thematique="social_sante",
            occurred_at=clock.earlier_today(20).replace(second=0, microsecond=0),
            follow_up_on=clock.today() + timedelta(days=7)))
        return acc.id


def responses(store):
    with store.read() as s:
        rows = list(s.exec(select(SurveyResponse)))
        s.expunge_all()
        return rows


def key(qtbot, survey, text_or_key, modifier=Qt.NoModifier):
    """A key as the OS delivers it: to the focused widget of the (active) survey window."""
    target = survey.focusWidget() or survey
    if isinstance(text_or_key, str):
        for ch in text_or_key:
            qtbot.keyClick(target, ch, modifier)
    else:
        qtbot.keyClick(target, text_or_key, modifier)


def test_closing_a_case_offers_the_survey_answered_by_keyboard_only(qtbot, installed, store, actor, frozen_clock):
    window = installed
    case_id = open_case(store, actor, frozen_clock)
    window.desk.change_status(case_id, "clos", None, source=COUNTER)  # what the case dialog does
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "surveyOffer") is not None
                    and window.findChild(QMessageBox, "surveyOffer").isVisible())
    box = window.findChild(QMessageBox, "surveyOffer")
    qtbot.keyClick(box, Qt.Key_Return)  # default button: « Lancer l'enquête »
    qtbot.waitUntil(lambda: getattr(window, "survey_screen", None) is not None)
    survey = window.survey_screen
    qtbot.waitUntil(survey.isVisible)
    assert not window.isVisible()  # the agent's window is gone from the screen

    survey.activateWindow()
    survey.show_question(0)
    for digit in "54":
        key(qtbot, survey, digit)
    assert survey.focusWidget() is survey.question_pages[2].title  # the question, no answer pre-chosen
    for _n in range(4):
        key(qtbot, survey, Qt.Key_Right)  # focus moves from the question along the answers: 1 … 4
    key(qtbot, survey, Qt.Key_Return)     # Enter chooses the focused answer: 4
    key(qtbot, survey, "2")
    key(qtbot, survey, Qt.Key_Return)     # Enter on the question chooses nothing
    assert survey.current_index() == 4
    key(qtbot, survey, "3")
    key(qtbot, survey, "1")               # démarche aboutie: Oui
    key(qtbot, survey, "Merci, rappel au 06 12 34 56 78")
    key(qtbot, survey, Qt.Key_Return)     # send
    assert survey.stack.currentWidget() is survey.thanks_page

    [r] = responses(store)
    assert (r.satisfaction_globale, r.facilite_acces, r.delais, r.simplicite, r.qualite_accueil) == (5, 4, 4, 2, 3)
    assert r.demarche_aboutie is True
    assert r.comment == "Merci, rappel au [téléphone masqué]"
    assert (r.canal, r.partner_code, r.thematique, r.source) == ("telephone", "CAF", "social_sante", "ecran")
    columns = {c["name"] for c in inspect(store.engine).get_columns("survey_response")}
    assert not {c for c in columns if "usager" in c or "accompaniment" in c}
    assert r.uuid not in {case_id, str(case_id)} and isinstance(r.answered_on, date)

    with store.read() as s:
        today = frozen_clock.today()
        result = indicators(s, start=today, end=today + timedelta(days=1))
    assert (result.responses, result.accompaniments, result.response_rate) == (1, 1, 1.0)
    assert result.dimensions["simplicite"].dissatisfied == 1

    # the agent leaves with the chord (no password set yet): the main window is back
    key(qtbot, survey, Qt.Key_Q, Qt.ControlModifier | Qt.AltModifier | Qt.ShiftModifier)
    qtbot.waitUntil(window.isVisible)
    assert not survey.isVisible()
    assert all(a.isEnabled() for a in (window.act_new, window.act_quit))


def test_usager_mode_cannot_reach_agent_screens(qtbot, installed, store, actor, desk):
    window = installed
    fired = []
    probe = QAction("probe", window)  # an agent action reachable from any window of the app
    probe.setShortcut(QKeySequence("Ctrl+Shift+F12"))
    probe.setShortcutContext(Qt.ApplicationShortcut)
    probe.triggered.connect(lambda: fired.append("probe"))
    window.addAction(probe)
    window.act_new.triggered.connect(lambda: fired.append("new"))
    survey = start_usager_mode(desk, SurveyInput(structure_id=actor.structure_id), agent_window=window)
    qtbot.addWidget(survey)
    qtbot.waitUntil(survey.isVisible)
    survey.activateWindow()
    qtbot.waitActive(survey)
    visible = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert visible == [survey]
    assert not any(a.isEnabled() for a in window.findChildren(QAction) if a.text())
    # keys go through the window system, as real ones do, so application shortcuts are tried
    handle = survey.windowHandle()
    for k, mod in ((Qt.Key_F12, Qt.ControlModifier | Qt.ShiftModifier), (Qt.Key_N, Qt.ControlModifier),
                   (Qt.Key_O, Qt.ControlModifier), (Qt.Key_F, Qt.ControlModifier), (Qt.Key_Q, Qt.ControlModifier),
                   (Qt.Key_E, Qt.ControlModifier | Qt.ShiftModifier), (Qt.Key_F1, Qt.NoModifier),
                   (Qt.Key_Escape, Qt.NoModifier), (Qt.Key_F4, Qt.AltModifier)):
        qtbot.keyClick(handle, k, mod)
    assert fired == [] and not window.isVisible() and survey.isVisible()
    survey.close()  # window manager close request
    assert survey.isVisible()
    # a window of the app that tries to appear (a dialog from a timer, say) is hidden again
    popup = QDialog(window)
    popup.show()
    qtbot.waitUntil(lambda: not popup.isVisible())
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [survey]
    # the agent's chord leaves; everything comes back, and the probe works again (control)
    qtbot.keyClick(handle, Qt.Key_Q, Qt.ControlModifier | Qt.AltModifier | Qt.ShiftModifier)
    qtbot.waitUntil(window.isVisible)
    assert popup.isVisible() and not survey.isVisible()
    popup.close()
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window.windowHandle(), Qt.Key_F12, Qt.ControlModifier | Qt.ShiftModifier)
    assert fired == ["probe"]


def test_leaving_needs_the_agent_password_once_there_is_one(qtbot, installed, store, actor, monkeypatch, desk):
    from argon2 import profiles

    from app.core import auth

    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)  # speed only: same code path
    with store.write() as s:
        auth.set_password(s, actor.agent_id, "Correct-Horse-42!")
    window = installed
    survey = start_usager_mode(desk, SurveyInput(structure_id=actor.structure_id), agent_window=window)
    qtbot.addWidget(survey)
    key(qtbot, survey, Qt.Key_Q, Qt.ControlModifier | Qt.AltModifier | Qt.ShiftModifier)
    assert survey.stack.currentWidget() is survey.unlock_page
    key(qtbot, survey, "mauvais")
    key(qtbot, survey, Qt.Key_Return)
    assert survey.isVisible() and not window.isVisible()
    assert "incorrect" in survey.password_error.text()
    survey.password_edit.clear()
    key(qtbot, survey, "Correct-Horse-42!")
    key(qtbot, survey, Qt.Key_Return)
    qtbot.waitUntil(window.isVisible)
    assert not survey.isVisible()


def test_an_agent_without_a_password_cannot_leave_once_another_agent_has_one(qtbot, installed, store, site,
                                                                              actor, desk, monkeypatch):
    """Issue 12, finding 1: leaving usager mode used to need no password for an agent who had none."""
    from argon2 import profiles

    from app.core import auth

    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)
    with store.write() as s:
        auth.set_password(s, site["supervisor"].agent_id, "Correct-Horse-42!")
    window = installed
    survey = start_usager_mode(desk, SurveyInput(structure_id=actor.structure_id), agent_window=window)
    qtbot.addWidget(survey)
    key(qtbot, survey, Qt.Key_Q, Qt.ControlModifier | Qt.AltModifier | Qt.ShiftModifier)
    assert survey.stack.currentWidget() is survey.unlock_page
    for typed in ("", "Correct-Horse-42!"):
        survey.password_edit.setText(typed)
        key(qtbot, survey, Qt.Key_Return)
        assert survey.isVisible() and not window.isVisible()
        assert "administrateur" in survey.password_error.text()
    survey.leave()  # the test's own way out: no survey window left for the next test
    qtbot.waitUntil(window.isVisible)


def test_idle_usager_gets_thanks_then_the_welcome_screen(qtbot, store, actor, desk):
    survey = SurveyScreen(desk, SurveyInput(structure_id=actor.structure_id, partner_code="CAF"),
                          idle_s=0.3, thanks_s=0.3)
    qtbot.addWidget(survey)
    survey.show()
    survey.show_question(0)
    qtbot.keyClick(survey.focusWidget(), "4")
    qtbot.waitUntil(lambda: survey.stack.currentWidget() is survey.thanks_page, timeout=3000)
    qtbot.waitUntil(lambda: survey.stack.currentWidget() is survey.welcome, timeout=3000)
    [r] = responses(store)
    assert r.satisfaction_globale == 4 and r.facilite_acces is None and r.comment == ""
    # the next usager shares the desk, not the previous visit's démarche
    assert survey.context.partner_code is None and survey.context.structure_id == actor.structure_id
    qtbot.keyClick(survey.focusWidget(), Qt.Key_Return)
    assert survey.current_index() == 0


def test_mouse_and_touch_sized_buttons_answer_too(qtbot, store, actor, desk):
    survey = SurveyScreen(desk, SurveyInput(structure_id=actor.structure_id))
    qtbot.addWidget(survey)
    survey.resize(1600, 900)
    survey.show()
    survey.show_question(0)
    qtbot.mouseClick(survey.answer_buttons[0][4], Qt.LeftButton)
    assert survey.scores["satisfaction_globale"] == 5 and survey.current_index() == 1
    assert min(b.height() for b in survey.answer_buttons[1]) >= 88  # well above 44 px touch targets
    qtbot.mouseClick(survey.send_button, Qt.LeftButton)  # hidden page: nothing happens
    assert responses(store) == []
