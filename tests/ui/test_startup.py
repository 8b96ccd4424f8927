"""Start-up paths of the real application."""

import os
import subprocess
import sys

from PySide6.QtWidgets import QMessageBox

from app.ui.app import Startup
from app.ui.main_window import MainWindow


def test_app_starts_on_an_existing_store_and_paints_the_main_window(store, site, tmp_path):
    store.close()
    env = dict(os.environ, GUICHET_EXIT_AFTER_PAINT="1", GUICHET_AGENT="marie", QT_QPA_PLATFORM="offscreen",
               GUICHET_CONFIG_DIR=str(tmp_path / "cfg"), GUICHET_LOG_DIR=str(tmp_path / "log"),
               GUICHET_AUTO_BACKUP="0")
    result = subprocess.run([sys.executable, "-m", "app", "--db", str(store.path)], env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "painted_ms=" in result.stdout


def test_new_store_without_a_secure_keyring_is_refused_plainly_and_not_created(qtbot, tmp_path, no_keyring, monkeypatch):
    monkeypatch.setenv("GUICHET_STORE_PROTECTION", "keyring")  # passphrase mode: tests/ui/test_passphrase_ui.py
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    window = MainWindow()
    qtbot.addWidget(window)
    from PySide6.QtWidgets import QApplication

    startup = Startup(QApplication.instance(), window, str(tmp_path / "new.db"), demo=False, reset_demo=False)
    startup.non_interactive = False
    monkeypatch.setattr(QApplication.instance(), "exit", lambda code=0: shown.append(f"exit {code}"))
    startup.start()
    assert any("trousseau sécurisé" in text for text in shown)
    assert "exit 2" in shown
    assert not (tmp_path / "new.db").exists()


def test_new_store_is_created_encrypted_and_shows_the_recovery_code_before_the_wizard(
        qtbot, tmp_path, secure_keyring, monkeypatch):
    from PySide6.QtWidgets import QApplication

    import app.ui.app as app_module
    from app.ui import recovery

    seen = []
    monkeypatch.setattr(recovery.RecoveryCodeDialog, "exec", lambda self: seen.append("code") or 1)
    monkeypatch.setattr(app_module, "run_setup", lambda store, parent: seen.append(("wizard", store.path)) or False)
    monkeypatch.setattr(QApplication.instance(), "quit", lambda: seen.append("quit"))
    window = MainWindow()
    qtbot.addWidget(window)
    path = tmp_path / "prod.db"
    startup = Startup(QApplication.instance(), window, str(path), demo=False, reset_demo=False)
    startup.non_interactive = False
    startup.start()
    assert seen[:2] == ["code", ("wizard", path)]
    assert "quit" in seen  # the wizard was cancelled: the app stops, nothing half set up
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"  # encrypted from its first page
    startup.store.close()
