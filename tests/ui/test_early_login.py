"""Start-up on a store with passwords: the login dialog first, no window with data before login."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from app import config
from app.core import auth
from app.ui import prefs
from app.ui.early_login import LoginFirst, wants_login_first

PASSWORD = "Tournesol-Bleu-2026"


@pytest.fixture(autouse=True)
def fast_hash(monkeypatch):
    from argon2 import profiles

    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)


@pytest.fixture
def closed_store_with_passwords(store, site):
    with store.write() as session:
        auth.set_password(session, site["agent"].agent_id, PASSWORD, site["agent"])
    store.close()
    prefs.put(config.LOGIN_FIRST_STORE, str(store.path))
    prefs.put(config.LAST_AGENT_LOGIN, "marie")
    return store.path


def _main_windows():
    """Main windows alive now (one left by an earlier test may be deleted meanwhile: compare with <=)."""
    from app.ui.main_window import MainWindow

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]


def _flow(qtbot, path):
    seen = {}
    flow = LoginFirst(path, lambda store, grant: seen.update(store=store, grant=grant),
                      lambda store, exc: seen.update(fallback=(store, exc)))
    return flow, seen  # the flow deletes its dialog itself (deleteLater): not handed to qtbot


def test_the_dialog_comes_first_and_no_data_window_exists_before_the_login(qtbot, closed_store_with_passwords):
    before = set(map(id, _main_windows()))
    flow, seen = _flow(qtbot, closed_store_with_passwords)
    flow.start()
    assert flow.dialog.isVisible() and flow.dialog.store is None  # painted before the store is open
    assert not flow.dialog.agent_combo.isEnabled()
    qtbot.waitUntil(lambda: flow.dialog.store is not None, timeout=30000)
    assert flow.dialog.agent_combo.currentData() is not None  # the last agent, preselected
    flow.dialog.password_edit.setText("wrong-password-here")
    assert flow.dialog.try_login() is False
    assert flow.dialog.error.text()  # the refusal is shown next to the field
    assert "grant" not in seen and set(map(id, _main_windows())) <= before  # still no window with data
    flow.dialog.password_edit.setText(PASSWORD)
    assert flow.dialog.try_login() is True
    qtbot.waitUntil(lambda: "grant" in seen)
    assert seen["grant"].agent_id and seen["store"] is not None
    assert set(map(id, _main_windows())) <= before  # LoginFirst itself builds no window
    seen["store"].close()


def test_a_password_submitted_while_the_store_opens_is_checked_once_it_is_open(qtbot, closed_store_with_passwords):
    flow, seen = _flow(qtbot, closed_store_with_passwords)
    flow.start()
    flow.dialog.password_edit.setText(PASSWORD)
    assert flow.dialog.try_login() is False  # not refused: pending
    assert not flow.dialog.ok_button.isEnabled()
    qtbot.waitUntil(lambda: "grant" in seen, timeout=30000)
    assert seen["grant"] is not None
    seen["store"].close()


def test_a_store_without_passwords_hands_over_to_the_usual_start(qtbot, store, site):
    store.close()
    prefs.put(config.LOGIN_FIRST_STORE, str(store.path))  # a stale hint
    flow, seen = _flow(qtbot, store.path)
    flow.start()
    qtbot.waitUntil(lambda: "fallback" in seen, timeout=30000)
    opened, exc = seen["fallback"]
    assert exc is None and opened is not None
    assert not wants_login_first(store.path)  # the hint is cleared
    opened.close()


def test_the_app_builds_the_main_window_only_after_the_login(qtbot, closed_store_with_passwords):
    """Through app.ui.app: before the password, only the login dialog; after it, the main window
    painted with the agent's data."""
    from app.ui import app as app_module
    from tests.ui.helpers import wait_refreshed

    before = set(map(id, _main_windows()))
    flow = app_module._login_first(QApplication.instance(), str(closed_store_with_passwords), False, False)
    assert flow is not None
    assert set(map(id, _main_windows())) <= before
    qtbot.waitUntil(lambda: flow.dialog.store is not None, timeout=30000)
    assert set(map(id, _main_windows())) <= before
    flow.dialog.password_edit.setText(PASSWORD)
    flow.dialog.try_login()
    actor = flow.dialog.actor
    qtbot.waitUntil(lambda: not set(map(id, _main_windows())) <= before, timeout=10000)
    window = next(w for w in _main_windows() if id(w) not in before)
    qtbot.addWidget(window)
    wait_refreshed(qtbot, window)
    assert window.desk is not None and window.desk.grant.agent_id == actor.agent_id
    assert flow.startup.window is window  # the start-up object lives on with the flow
    from app.ui.app import close_store_after_workers
    from app.ui.workers import drain

    drain()  # the background journal check started after the first paint…
    qtbot.wait(100)  # …delivers its result while the window is still there
    close_store_after_workers(window.desk.store)


def test_a_login_with_passwords_sets_the_hint_and_one_without_on_that_store_clears_it(qtbot, store, site):
    from app.ui.login import remember_login_first

    remember_login_first(store.path, True)
    assert prefs.get(config.LOGIN_FIRST_STORE) == str(store.path)
    remember_login_first(store.path.with_name("demo.db"), False)  # a demo opened meanwhile
    assert wants_login_first(store.path)
    remember_login_first(store.path, False)
    assert not wants_login_first(store.path)


def test_measurement_mode_reports_the_dialog_paint_and_the_password_check(
        qtbot, closed_store_with_passwords, monkeypatch, capsys):
    import time

    monkeypatch.setenv("GUICHET_EXIT_AFTER_PAINT", "1")
    seen = {}
    flow = LoginFirst(closed_store_with_passwords, lambda store, grant: seen.update(store=store, grant=grant),
                      lambda store, exc: seen.update(fallback=(store, exc)), start=time.perf_counter())
    flow.start()
    qtbot.waitExposed(flow.dialog)
    flow.dialog.repaint()
    qtbot.waitUntil(lambda: flow.dialog.store is not None, timeout=30000)
    flow.dialog.password_edit.setText(PASSWORD)
    flow.dialog.try_login()
    qtbot.waitUntil(lambda: "grant" in seen)
    out = capsys.readouterr().out
    assert "login_painted_ms=" in out and "login_checked_ms=" in out
    seen["store"].close()
