"""F9 with nothing configured says so in words and offers to configure; the preview keeps the
hash columns behind « Détails techniques »."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui.main_window import MainWindow
from app.ui.sync_dialogs import PreflightDialog, ServiceDialog
from tests.desks import desk_for
from tests.ui.helpers import on_modal, wait_refreshed


def _window(qtbot, store, actor):
    window = MainWindow(desk_for(store, actor))
    qtbot.addWidget(window)
    window.show()
    wait_refreshed(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    return window


def test_f9_unconfigured_says_why_in_the_status_bar_and_an_agent_is_told_who_can(qtbot, store, site, frozen_clock):
    window = _window(qtbot, store, site["agent"])
    seen = {}
    state = on_modal(QMessageBox, lambda box: (seen.setdefault("text", box.text()), box.accept()))
    qtbot.keyClick(window, Qt.Key_F9)
    assert state["error"] is None and "Supervision" in seen["text"]
    assert "non configuré" in window.statusBar().currentMessage()
    assert window.sync_controller.status == "non_configure"
    qtbot.wait(50)
    widget_text = [w.text() for w in window.statusBar().findChildren(type(window.status_label))
                   if "Envoi national" in w.text()]
    assert widget_text and all("Erreur" not in t for t in widget_text)
    assert any("non configuré" in t for t in widget_text)


def test_f9_unconfigured_opens_the_address_dialog_for_a_supervisor(qtbot, store, site, frozen_clock):
    window = _window(qtbot, store, site["supervisor"])
    opened = []
    state = on_modal(ServiceDialog, lambda d: (opened.append(d.windowTitle()), d.reject()))
    qtbot.keyClick(window, Qt.Key_F9)
    assert state["error"] is None and opened == ["Configurer l'envoi national"]
    assert not window.sync_controller.running


def test_the_preview_hides_hash_columns_behind_technical_details(qtbot, store, site):
    dialog = PreflightDialog(desk_for(store, site["agent"]))
    qtbot.addWidget(dialog)
    dialog.show()
    headers = [dialog.months.horizontalHeaderItem(c).text() for c in range(dialog.months.columnCount())]
    shown = [h for c, h in enumerate(headers) if not dialog.months.isColumnHidden(c)]
    assert "Empreinte" not in shown and "Lignes" not in shown and "Accompagnements" in shown
    dialog.technical.setChecked(True)
    assert not dialog.months.isColumnHidden(headers.index("Empreinte"))
