"""Issue 12 on screen: journal alerts reach the supervisor after start-up, and the restore
confirmation shows what would be lost."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core import journal
from app.core.bootstrap import open_app_store
from app.core.usagers import UsagerInput, create_usager
from app.models.security import journal_guard_ddl_v2
from app.store import backups
from app.store.engine import raw_connect
from tests.desks import desk_for


def _start(monkeypatch, qtbot, store, actor):
    import app.ui.app as app_module
    from app.ui.main_window import MainWindow

    from tests.desks import grant_for

    grant = grant_for(store, actor)  # what the login would issue for this agent
    monkeypatch.setattr(app_module, "choose_actor", lambda store, parent=None: grant)
    window = MainWindow()
    qtbot.addWidget(window)
    startup = app_module.Startup(QApplication.instance(), window, str(store.path), demo=False, reset_demo=False)
    startup._opened(store)
    window.startup = startup  # the app keeps it alive for its whole run; so must the test
    return window


def _cut_tail(store, keep: int) -> None:
    path = store.path
    store.close()
    create, drop = journal_guard_ddl_v2()
    conn = raw_connect(path)
    for ddl in drop:
        conn.execute(ddl)
    conn.execute("DELETE FROM journal WHERE id > ?", (keep,))
    for ddl in create:
        conn.execute(ddl)
    conn.close()


def test_a_cut_journal_is_shown_to_the_supervisor_after_start_up_then_not_again(qtbot, store, site, monkeypatch):
    with store.write() as session:
        for i in range(5):
            journal.record(session, site["agent"], "usager_viewed", f"usager:{i}")
    _cut_tail(store, keep=2)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, body, *a: shown.append(body))
    reopened = open_app_store(store.path)
    _start(monkeypatch, qtbot, reopened, site["supervisor"])
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    assert "n° 3 à 5 ont disparu" in shown[0] and "restent inscrites" in shown[0]
    reopened.close()

    shown.clear()
    again = open_app_store(store.path)
    _start(monkeypatch, qtbot, again, site["supervisor"])
    qtbot.wait(1500)  # the background check has run by now
    assert shown == []
    again.close()


def test_an_agent_is_told_an_anomaly_exists_without_seeing_the_journal(qtbot, store, site, monkeypatch):
    with store.write() as session:
        for i in range(3):
            journal.record(session, site["agent"], "usager_viewed", f"usager:{i}")
    path = store.path
    store.close()
    create, drop = journal_guard_ddl_v2()
    conn = raw_connect(path)
    for ddl in drop:
        conn.execute(ddl)
    conn.execute("UPDATE journal SET detail = 'retouché' WHERE id = 2")
    for ddl in create:
        conn.execute(ddl)
    conn.close()
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a))
    reopened = open_app_store(path)
    window = _start(monkeypatch, qtbot, reopened, site["agent"])
    qtbot.waitUntil(lambda: "Anomalie" in window.statusBar().currentMessage(), timeout=20000)
    assert "superviseur" in window.statusBar().currentMessage() and shown == []
    reopened.close()


def test_the_restore_confirmation_lists_the_rows_that_would_be_lost(qtbot, store, site, monkeypatch):
    from app.ui.backup_dialog import BackupDialog

    first = backups.create_backup(store, now=datetime(2026, 3, 2, 8, 45))
    with store.write() as session:
        for name in ("Apres", "Encore"):
            create_usager(session, site["agent"], UsagerInput(first_name="Zoé", last_name=name))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, body, *a: asked.append(body) or QMessageBox.No)
    dialog = BackupDialog(desk_for(store, site["supervisor"]))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.table.selectRow([i.path for i in dialog.items].index(first.path))
    qtbot.mouseClick(dialog.restore_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(asked), timeout=10000)
    assert "usagers : 2" in asked[0] and "journal des accès : 2" in asked[0]
    assert "Total : 4 ligne(s)" in asked[0] and "restent effacés" in asked[0]
    assert dialog.restore_button.isEnabled()  # answered No: nothing done, the dialog is usable again
    with store.read() as session:
        assert session.connection().exec_driver_sql("SELECT count(*) FROM usager").scalar() == 2
