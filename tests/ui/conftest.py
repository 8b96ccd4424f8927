import pytest


@pytest.fixture(autouse=True)
def _isolated_prefs(tmp_path, monkeypatch):
    """UI preferences go to a temporary folder, never to the user's real settings."""
    monkeypatch.setenv("GUICHET_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("GUICHET_LOG_DIR", str(tmp_path / "logs"))


@pytest.fixture
def window(qtbot, desk, frozen_clock):
    """The main window on the test's clock: its Today panel and follow-ups list depend on the date."""
    from app.ui.main_window import MainWindow
    from tests.ui.helpers import wait_refreshed

    w = MainWindow(desk)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    wait_refreshed(qtbot, w)
    return w

