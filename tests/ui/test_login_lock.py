"""Login, auto-lock and « Changer d'agent » with pytest-qt and a fake clock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QLabel, QLineEdit, QWidget

from app.core import auth
from app.ui.login import LoginDialog, login_flow
from tests.desks import desk_for
from tests.ui.helpers import focusable_widgets_without_name, on_modal, refresh, wait_refreshed

PASSWORDS = {"marie": "Tournesol-Bleu-2026", "paul": "Girafe-Verte-2031", "lea": "Horloge-Rouge-1999"}
CANARY = "Zzcanaryzz"


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


@pytest.fixture(autouse=True)
def fast_hash(monkeypatch):
    from argon2 import profiles

    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)


@pytest.fixture
def passwords(store, site):
    with store.write() as session:
        for key, actor in (("marie", site["agent"]), ("paul", site["supervisor"]), ("lea", site["bus_agent"])):
            auth.set_password(session, actor.agent_id, PASSWORDS[key], actor)  # each their own
    return site


@pytest.fixture
def guarded(qtbot, store, passwords):
    from app.ui import lock
    from app.ui.main_window import MainWindow

    window = MainWindow(desk_for(store, passwords["agent"], PASSWORDS["marie"]))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_refreshed(qtbot, window)
    clock = FakeClock()
    guard = lock.install(window, clock=clock)
    return window, guard, clock


def _select(dialog: LoginDialog, login: str) -> None:
    for i in range(dialog.agent_combo.count()):
        if f"({login})" in dialog.agent_combo.itemText(i):
            dialog.agent_combo.setCurrentIndex(i)
            return
    raise AssertionError(login)


def test_login_dialog_refuses_a_wrong_password_next_to_the_field_then_accepts(qtbot, store, passwords):
    dialog = LoginDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert focusable_widgets_without_name(dialog) == []
    _select(dialog, "marie")
    dialog.password_edit.setText("Mauvais-Mot-2026")
    assert not dialog.try_login()
    assert dialog.error.isVisible() and "incorrect" in dialog.error.text()
    assert dialog.password_edit.text() == ""  # the wrong secret is not left in the field
    assert "incorrect" in dialog.password_edit.accessibleDescription()
    qtbot.keyClicks(dialog.password_edit, PASSWORDS["marie"])
    assert dialog.try_login()
    assert dialog.actor.agent_id == passwords["agent"].agent_id
    assert dialog.result() == QDialog.Accepted


def test_login_flow_asks_only_once_passwords_exist(qtbot, store, site, monkeypatch):
    monkeypatch.setenv("GUICHET_AGENT", "paul")
    assert login_flow(store).agent_id == site["supervisor"].agent_id  # no passwords: no dialog
    with store.write() as session:
        auth.set_password(session, site["agent"].agent_id, PASSWORDS["marie"])

    def answer(dialog):
        _select(dialog, "marie")
        dialog.password_edit.setText(PASSWORDS["marie"])
        dialog.try_login()

    state = on_modal(LoginDialog, answer)
    actor = login_flow(store)
    assert state["error"] is None
    assert actor.agent_id == site["agent"].agent_id


def test_no_password_is_taken_from_the_environment_the_agent_is_only_preselected(qtbot, store, passwords, monkeypatch):
    """GUICHET_PASSWORD was a scripted-login hook; it is gone: the dialog opens on the named agent
    and the test types the password, like a person would."""
    monkeypatch.setenv("GUICHET_AGENT", "paul")
    monkeypatch.setenv("GUICHET_PASSWORD", PASSWORDS["paul"])
    seen = {}

    def answer(dialog):
        seen["preselected"] = dialog.agent_combo.currentText()
        seen["field"] = dialog.password_edit.text()
        qtbot.keyClicks(dialog.password_edit, PASSWORDS["paul"])
        dialog.try_login()

    state = on_modal(LoginDialog, answer)
    actor = login_flow(store)
    assert state["error"] is None
    assert seen == {"preselected": "Paul Sup (paul)", "field": ""}
    assert actor.agent_id == passwords["supervisor"].agent_id
def test_auto_lock_after_the_timeout_hides_the_data_and_only_the_same_agent_unlocks(qtbot, guarded):
    window, guard, clock = guarded
    assert not guard.locked and window.centralWidget().isVisible()
    clock.t += 5 * 60 - 1
    guard.check()
    assert not guard.locked
    qtbot.mouseMove(window.centralWidget())  # input resets the idle time
    clock.t += 5 * 60 - 1
    guard.check()
    assert not guard.locked
    clock.t += 2
    guard.check()
    assert guard.locked
    assert guard.screen.isVisible() and not window.centralWidget().isVisible()
    assert not window.act_new.isEnabled() and not window.menuBar().isEnabled()
    assert focusable_widgets_without_name(guard.screen) == []
    # another agent's password does not unlock
    guard.screen.password_edit.setText(PASSWORDS["paul"])
    assert not guard.screen.try_unlock()
    assert guard.locked and "incorrect" in guard.screen.error.text()
    guard.screen.password_edit.setText(PASSWORDS["marie"])
    assert guard.screen.try_unlock()
    assert not guard.locked and window.centralWidget().isVisible() and window.act_new.isEnabled()


def test_open_dialogs_are_hidden_while_locked_and_come_back_for_the_same_agent(qtbot, guarded):
    window, guard, clock = guarded
    other = QDialog(window)
    other.setWindowTitle("Dossier")
    qtbot.addWidget(other)
    other.show()
    guard.lock()
    assert not other.isVisible()
    guard.screen.password_edit.setText(PASSWORDS["marie"])
    guard.screen.try_unlock()
    assert other.isVisible()


def _visible_texts() -> list[str]:
    texts = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        for w in [top] + top.findChildren(QWidget):
            if not w.isVisibleTo(top) and w is not top:
                continue
            if isinstance(w, QLineEdit):
                texts.append(w.text())
            elif isinstance(w, QLabel):
                texts.append(w.text())
            elif isinstance(w, QAbstractItemView) and w.model() is not None:
                m = w.model()
                for r in range(m.rowCount()):
                    for c in range(m.columnCount()):
                        texts.append(str(m.index(r, c).data() or ""))
    return texts


def test_changer_d_agent_leaves_nothing_of_the_previous_agent_on_screen(qtbot, store, guarded):
    from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
    from app.core.usagers import UsagerInput

    window, guard, clock = guarded
    with store.write() as session:
        open_accompaniment(session, window.actor, AccompanimentInput(
            [ProcedureLine("CAF")], thematique="social_sante",
            new_usager=UsagerInput(first_name="Ana", last_name=CANARY)))
    refresh(qtbot, window)
    window.search_edit.setText(CANARY)
    with qtbot.waitSignal(window.case_model.loaded):
        window.apply_search()
    draft = QDialog(window)
    field = QLineEdit(CANARY, draft)
    field.setAccessibleName("brouillon")
    draft.show()
    assert any(CANARY.upper() in t.upper() for t in _visible_texts()), "the canary should be on screen first"

    def answer(dialog):
        _select(dialog, "lea")  # the bus agent: another structure
        dialog.password_edit.setText(PASSWORDS["lea"])
        dialog.try_login()

    state = on_modal(LoginDialog, answer)
    guard.change_agent()
    assert state["error"] is None
    assert window.actor.display_name == "Léa Bus"
    assert not any(CANARY.upper() in t.upper() for t in _visible_texts())  # emptied at once
    assert window.search_edit.text() == ""
    wait_refreshed(qtbot, window)  # and the bus agent's own lists, once loaded, do not show it either
    assert not any(CANARY.upper() in t.upper() for t in _visible_texts())


def test_ctrl_shift_l_is_the_switch_shortcut_and_menu_entries_exist(guarded):
    window, guard, clock = guarded
    assert guard.act_switch.shortcut().toString() == "Ctrl+Shift+L"
    assert guard.act_switch in window.menu_file.actions() and guard.act_lock in window.menu_file.actions()


def test_the_timeout_comes_from_the_store_setting(qtbot, store, passwords):
    from app.core.structures import set_setting
    from app.ui import lock
    from app.ui.main_window import MainWindow

    with store.write() as session:
        set_setting(session, auth.AUTOLOCK_KEY, "2")
    window = MainWindow(desk_for(store, passwords["agent"], PASSWORDS["marie"]))
    qtbot.addWidget(window)
    clock = FakeClock()
    guard = lock.install(window, clock=clock)
    clock.t += 121
    guard.check()
    assert guard.locked


# ----------------------------------------------------------------------------- issue 12 (findings 1, 10)

def test_the_lock_screen_does_not_open_for_an_agent_without_a_password_once_others_have_one(qtbot, store, site):
    """Marie logged in while nobody had a password; then Paul got one: her lock screen asks for a
    password she does not have, and refuses every answer with the administrator message."""
    from app.ui import lock
    from app.ui.main_window import MainWindow

    window = MainWindow(desk_for(store, site["agent"]))
    qtbot.addWidget(window)
    window.show()
    guard = lock.install(window, clock=FakeClock())
    with store.write() as session:
        auth.set_password(session, site["supervisor"].agent_id, PASSWORDS["paul"])
    guard.lock()
    assert guard.screen.password_edit.isVisible()
    for typed in ("", "n'importe quoi"):
        guard.screen.password_edit.setText(typed)
        assert not guard.screen.try_unlock()
        assert guard.locked and "administrateur" in guard.screen.error.text()
    assert not window.centralWidget().isVisible()


def test_a_window_opened_while_locked_is_hidden_and_comes_back_at_unlock(qtbot, guarded):
    from PySide6.QtWidgets import QDockWidget

    window, guard, clock = guarded
    guard.lock()
    late = QDialog(window)  # e.g. a worker's result window opening after the auto-lock
    late.setWindowTitle("Dossier")
    qtbot.addWidget(late)
    late.show()
    qtbot.waitUntil(lambda: not late.isVisible(), timeout=2000)
    top = QWidget()  # a parentless top-level window too
    qtbot.addWidget(top)
    top.show()
    qtbot.waitUntil(lambda: not top.isVisible(), timeout=2000)
    docks = window.findChildren(QDockWidget)
    if docks:  # a side panel shown by a shortcut or a timer
        docks[0].show()
        qtbot.waitUntil(lambda: not docks[0].isVisible(), timeout=2000)
    assert guard.screen.isVisible()
    guard.screen.password_edit.setText(PASSWORDS["marie"])
    assert guard.screen.try_unlock()
    assert late.isVisible() and top.isVisible()


def test_a_modal_dialog_opened_while_locked_is_closed_as_if_cancelled(qtbot, guarded):
    from PySide6.QtCore import QTimer

    window, guard, clock = guarded
    guard.lock()
    popup = QDialog(window)
    popup.setWindowTitle("Résultat")
    QTimer.singleShot(3000, popup.accept)  # would only be reached if the dialog stayed open
    assert popup.exec() == QDialog.Rejected  # returns on the event loop's first turn
    assert not popup.isVisible()
    guard.screen.password_edit.setText(PASSWORDS["marie"])
    assert guard.screen.try_unlock()
    assert not popup.isVisible()  # not brought back: its caller already had its answer


def test_the_change_agent_dialog_still_shows_while_locked(qtbot, guarded):
    window, guard, clock = guarded
    guard.lock()
    seen = {}

    def answer(dialog):
        seen["visible"] = dialog.isVisible()
        _select(dialog, "paul")
        dialog.password_edit.setText(PASSWORDS["paul"])
        dialog.try_login()

    state = on_modal(LoginDialog, answer)
    guard.change_agent()
    assert state["error"] is None and seen == {"visible": True}
    assert window.actor.display_name == "Paul Sup" and not guard.locked
