"""Backup screen and start-up recovery mode, driven like a user would (pytest-qt, offscreen)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.store import backups
from app.store.engine import open_store
from tests.ui.helpers import focusable_widgets_without_name

from tests.ui.shots import SHOTS_DIR as SHOTS  # noqa: E402
from tests.desks import desk_for


def _shot(widget, name):
    from PySide6.QtWidgets import QApplication

    for _ in range(5):  # let layouts settle (wrapped labels, error lines just shown)
        QApplication.processEvents()
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def test_backup_dialog_lists_backs_up_and_restricts_restore(qtbot, store, site, frozen_clock):
    from app.ui.backup_dialog import BackupDialog

    last_week = datetime.combine(frozen_clock.today() - timedelta(days=7), datetime.min.time())
    backups.create_backup(store, now=last_week.replace(hour=8, minute=45))
    backups.create_backup(store, now=last_week.replace(hour=17, minute=30))
    agent_view = BackupDialog(desk_for(store, site["agent"]))
    qtbot.addWidget(agent_view)
    agent_view.show()
    assert agent_view.table.rowCount() == 2
    assert "17:30" in agent_view.table.item(0, 0).text()
    assert not agent_view.restore_button.isVisible() and "superviseurs" in agent_view.status.text()
    assert focusable_widgets_without_name(agent_view) == []
    qtbot.mouseClick(agent_view.backup_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "vérifiée" in agent_view.status.text() or agent_view.error.isVisible(), timeout=10000)
    assert "vérifiée" in agent_view.status.text()
    assert agent_view.items[0].created.date() == frozen_clock.today()
    assert agent_view.table.rowCount() == 2  # thinning: the 8:45 backup of that day gave way

    sup_view = BackupDialog(desk_for(store, site["supervisor"]))
    qtbot.addWidget(sup_view)
    sup_view.show()
    assert sup_view.restore_button.isVisible() and sup_view.drill_button.isEnabled()
    qtbot.mouseClick(sup_view.drill_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Essai réussi" in sup_view.status.text(), timeout=10000)
    assert "conforme" in sup_view.status.text()
    _shot(sup_view, "backup_dialog.png")


def test_restore_from_dialog_swaps_file_and_reports(qtbot, store, site, monkeypatch):
    from app.core.usagers import UsagerInput, create_usager
    from app.ui.backup_dialog import BackupDialog

    first = backups.create_backup(store, now=datetime(2026, 3, 2, 8, 45))
    with store.write() as session:
        create_usager(session, site["agent"], UsagerInput(first_name="Apres", last_name="Sauvegarde"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    seen = []
    dialog = BackupDialog(desk_for(store, site["supervisor"]), on_restored=seen.append)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.table.selectRow([i.path for i in dialog.items].index(first.path))
    qtbot.mouseClick(dialog.restore_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert seen[0] is not None and Path(seen[0]).exists()
    again = open_store(store.path)
    with again.read() as session:
        assert session.connection().exec_driver_sql("SELECT count(*) FROM usager").scalar() == 0
    again.close()


def _corrupt_middle_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    start = page * (len(data) // page // 2)
    data[start:start + page] = bytes([0x5A]) * page
    path.write_bytes(bytes(data))


def test_recovery_mode_offers_latest_good_backup_and_restores(qtbot, tmp_path, site, store):
    from app.ui.recovery import RecoveryDialog
    from app.core.backup_service import diagnose

    good = backups.create_backup(store, now=datetime(2026, 3, 2, 8, 45))
    bad = backups.create_backup(store, now=datetime(2026, 3, 2, 17, 30))
    store.close()
    _corrupt_middle_page(store.path)
    _corrupt_middle_page(bad.path)
    diagnosis = diagnose(store.path)
    assert diagnosis.kind == "corrupt"
    assert diagnosis.latest_good.path == good.path and len(diagnosis.rejected) == 1
    dialog = RecoveryDialog(store.path, diagnosis)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "écartées" in dialog.backup_label.text()
    assert focusable_widgets_without_name(dialog) == []
    _shot(dialog, "recovery_mode.png")
    qtbot.mouseClick(dialog.restore_button, Qt.LeftButton)
    assert dialog.outcome == "restored"
    assert diagnose(store.path).kind == "ok"
    assert list(store.path.parent.glob("guichet.db.avant-restauration-*"))


def test_recovery_mode_key_missing_uses_recovery_code(qtbot, tmp_path, secure_keyring):
    from app.core.backup_service import diagnose
    from app.core.bootstrap import create_app_store
    from app.ui.recovery import RecoveryDialog

    store, code = create_app_store(tmp_path / "guichet.db")
    store.close()
    secure_keyring.items.clear()
    diagnosis = diagnose(store.path)
    assert diagnosis.kind == "key_missing"
    dialog = RecoveryDialog(store.path, diagnosis)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.code_edit, "AAAA-BBBB")
    qtbot.mouseClick(dialog.key_button, Qt.LeftButton)
    assert dialog.error.isVisible() and "invalide" in dialog.error.text()
    assert "Erreur" in dialog.code_edit.accessibleDescription()
    _shot(dialog, "recovery_key.png")
    dialog.code_edit.clear()
    qtbot.keyClicks(dialog.code_edit, code)
    qtbot.keyClick(dialog.code_edit, Qt.Key_Return)
    assert dialog.outcome == "key_restored"
    open_store(store.path).close()


def test_recovery_code_dialog_requires_confirmation(qtbot):
    from app.store.crypto import new_recovery_code
    from app.ui.recovery import RecoveryCodeDialog

    dialog = RecoveryCodeDialog(new_recovery_code())
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.ok.isEnabled()
    dialog.confirm.setChecked(True)
    assert dialog.ok.isEnabled()
    assert focusable_widgets_without_name(dialog) == []
    _shot(dialog, "recovery_code.png")


def test_install_adds_menu_action_and_automatic_backups(qtbot, store, desk, monkeypatch):
    from app.ui.main_window import MainWindow

    monkeypatch.setenv("GUICHET_AUTO_BACKUP", "1")
    window = MainWindow(desk)  # installs every feature, this one included
    qtbot.addWidget(window)
    window.show()
    assert window.action_backups in window.menu_file.actions()
    qtbot.waitUntil(lambda: bool(backups.list_backups(store.path)), timeout=10000)  # at start-up
    for info in backups.list_backups(store.path):
        info.path.unlink()
    window.close()  # at close (none left, so one is due): made off the UI thread, the window waits for it
    assert window.isVisible()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert len(backups.list_backups(store.path)) == 1
