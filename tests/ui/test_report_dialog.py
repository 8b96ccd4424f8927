"""The monthly report dialog: runs in the background, shows progress, opens the result,
puts errors next to the field, and keeps the detailed sheet for supervisors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget

from app.ui.report_dialog import ReportDialog
from tests.reports.conftest import october  # noqa: F401  (fixture)
from tests.desks import desk_for

TODAY = date(2026, 11, 23)


def _dialog(qtbot, store, actor, tmp_path):
    d = ReportDialog(desk_for(store, actor), today=TODAY)
    qtbot.addWidget(d)
    d.folder.setText(str(tmp_path / "rapports"))
    opened = []
    d.open_file = opened.append
    d.show()
    qtbot.waitExposed(d)
    return d, opened


def test_defaults_to_last_month_and_all_structures(qtbot, store, october, tmp_path):  # noqa: F811
    d, _opened = _dialog(qtbot, store, october["supervisor"], tmp_path)
    assert d.month.currentData() == date(2026, 10, 1) and d.month.currentText() == "octobre 2026"
    assert d.all_structures.isChecked() and not d.structures.isEnabled()
    assert d.structures.count() == 2 and d.detail.isEnabled()


def test_creating_a_report_writes_files_and_opens_the_pdf(qtbot, store, october, tmp_path):  # noqa: F811
    d, opened = _dialog(qtbot, store, october["supervisor"], tmp_path)
    d.formats["csv"].setChecked(True)
    d.detail.setChecked(True)
    qtbot.mouseClick(d.create_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(d.result_paths), timeout=30000)
    names = [p.name for p in d.result_paths]
    assert names == ["rapport-2026-10.pdf", "rapport-2026-10.xlsx", "rapport-2026-10-tableaux.csv",
                     "rapport-2026-10-detail.csv"]
    assert all(p.exists() for p in d.result_paths)
    assert opened == [d.result_paths[0]]
    assert d.progress.value() == d.progress.maximum() and "Rapport créé" in d.status.text()
    assert d.create_button.isEnabled()


def test_one_structure_only(qtbot, store, october, tmp_path):  # noqa: F811
    d, _opened = _dialog(qtbot, store, october["agent"], tmp_path)
    d.all_structures.setChecked(False)
    d.formats["pdf"].setChecked(False)
    qtbot.mouseClick(d.create_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(d.result_paths), timeout=30000)
    assert [p.name for p in d.result_paths] == ["rapport-2026-10-100001.xlsx"]  # the agent's own site is pre-checked


def test_errors_are_text_next_to_the_field_with_focus(qtbot, store, october, tmp_path):  # noqa: F811
    d, _opened = _dialog(qtbot, store, october["supervisor"], tmp_path)
    d.all_structures.setChecked(False)
    for i in range(d.structures.count()):
        d.structures.item(i).setCheckState(Qt.Unchecked)
    qtbot.mouseClick(d.create_button, Qt.LeftButton)
    assert d.structures_error.isVisible() and "au moins une structure" in d.structures_error.text()
    assert d.focusWidget() is d.structures and "Erreur" in d.structures.accessibleDescription()
    d.all_structures.setChecked(True)
    for check in d.formats.values():
        check.setChecked(False)
    qtbot.mouseClick(d.create_button, Qt.LeftButton)
    assert not d.structures_error.isVisible() and d.formats_error.isVisible()


def test_unwritable_folder_is_reported_under_the_folder_field(qtbot, store, october, tmp_path):  # noqa: F811
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    d, opened = _dialog(qtbot, store, october["supervisor"], tmp_path)
    d.folder.setText(str(blocker / "sous-dossier"))
    qtbot.mouseClick(d.create_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: d.folder_error.isVisible(), timeout=30000)
    assert "dossier" in d.folder_error.text().lower() and opened == [] and d.create_button.isEnabled()


def test_agents_cannot_ask_for_the_detailed_sheet(qtbot, store, october, tmp_path):  # noqa: F811
    d, _opened = _dialog(qtbot, store, october["agent"], tmp_path)
    assert not d.detail.isEnabled() and "superviseurs" in d.detail.accessibleDescription()


def test_every_focusable_widget_has_an_accessible_name(qtbot, store, october, tmp_path):  # noqa: F811
    d, _opened = _dialog(qtbot, store, october["supervisor"], tmp_path)
    for w in d.findChildren(QWidget):
        if w.focusPolicy() != Qt.NoFocus and w.isVisible() and w.isEnabled():
            iface = QAccessible.queryAccessibleInterface(w)
            assert iface.text(QAccessible.Name), f"{type(w).__name__} has no accessible name"


def test_screenshot(qtbot, store, october, tmp_path):  # noqa: F811
    d, _opened = _dialog(qtbot, store, october["supervisor"], tmp_path)
    d.folder.setText("/home/marie/Documents/Rapports")
    from tests.ui.shots import SHOTS_DIR as out
    out.mkdir(parents=True, exist_ok=True)
    assert d.grab().save(str(out / "report-dialog.png"))


def test_main_window_offers_the_report_in_the_supervision_menu(qtbot, window):
    from app.ui.report_dialog import show_report_dialog

    assert window.report_action in window.menu_supervision.actions()
    dialog = show_report_dialog(window)
    qtbot.waitExposed(dialog)
    assert dialog.isVisible() and dialog.structures.count() >= 1
    dialog.close()
