"""About dialog: the facts a help desk asks for, read from the real store and package."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMenu

from app.logging_setup import log_file
from app.store.migrate import head_revisions
from app.ui import about


def test_about_shows_versions_catalogues_schema_and_folders(qtbot, store):
    dialog = about.AboutDialog(store)
    qtbot.addWidget(dialog)
    text = dialog.text()
    from importlib.metadata import version

    assert f"Guichet : {version('guichet')}" in text
    assert qVersion() in text and PySide6.__version__ in text
    assert platform.python_version() in text
    assert "partenaires" in text and "démarches" in text and "empreinte" in text
    for revision in head_revisions():
        assert revision in text
    assert "(à jour)" in text
    assert str(store.path) in text
    assert str(log_file().parent) in text


def test_a_store_behind_the_code_says_which_revision_is_expected(store):
    from app.store.migrate import downgrade

    heads = head_revisions()
    downgrade(store.engine, "base")
    summary = about.schema_summary(store)
    assert "attendu" in summary and all(h in summary for h in heads)


def test_copy_puts_everything_on_the_clipboard(qtbot, store):
    dialog = about.AboutDialog(store)
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.text()
    assert "copiées" in dialog.status.text()


def test_log_folder_button_creates_and_opens_the_folder(qtbot, store, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(about.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    dialog = about.AboutDialog(store)
    qtbot.addWidget(dialog)
    dialog.log_dir = tmp_path / "journaux"
    dialog.logs_button.click()
    assert opened == [str(tmp_path / "journaux")]
    assert (tmp_path / "journaux").is_dir()


def test_install_adds_the_entry_to_the_help_menu(qtbot, desk):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.desk = desk
    window.menu_help = QMenu("Aide", window)
    about.install(window)
    assert [a.text() for a in window.menu_help.actions()] == ["À &propos de Guichet"]


def test_every_button_has_an_accessible_name(qtbot, store):
    from PySide6.QtWidgets import QPushButton

    dialog = about.AboutDialog(store)
    qtbot.addWidget(dialog)
    for button in dialog.findChildren(QPushButton):
        assert button.accessibleName(), button.text()


def test_the_main_window_offers_about_and_settings(window):
    assert "À &propos de Guichet" in [a.text() for a in window.menu_help.actions()]
    assert "&Paramètres…" in [a.text() for a in window.menu_tools.actions()]
