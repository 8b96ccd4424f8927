"""First run: the recovery code can be printed (PDF when there is no printer), a too-short
matricule is refused with the rule, the empty list says what to do next, the title names the
structure once, the demo says it is fictitious, the start-up box fits its sentence."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from app import config
from app.core import structures
from app.models.errors import ValidationError
from app.ui.main_window import MainWindow
from app.ui.recovery import RecoveryCodeDialog
from tests.desks import desk_for
from tests.ui.helpers import wait_refreshed

CODE = "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ"


def test_recovery_code_has_a_print_button_that_saves_a_pdf_without_printer(qtbot, tmp_path, monkeypatch):
    from app.ui import recovery_print

    monkeypatch.setattr(recovery_print, "_printers", lambda: [])
    target = tmp_path / "code"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    dialog = RecoveryCodeDialog(CODE)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    assert dialog.print_button.text() == "&Imprimer…"
    qtbot.keyClick(dialog, Qt.Key_I, Qt.AltModifier)
    qtbot.waitUntil(lambda: "PDF" in dialog.print_status.text(), timeout=3000)
    pdf = tmp_path / "code.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    assert str(pdf) in dialog.print_status.text()


def test_the_printed_sheet_holds_the_code_and_what_it_is_for():
    from app.ui.recovery_print import sheet

    text = sheet(CODE).toPlainText()
    assert CODE in text and "sous clé" in text and "trousseau" in text


@pytest.mark.parametrize("short", ["12", "1234"])
def test_a_too_short_matricule_is_refused_with_the_rule(store, short):
    with store.write() as s, pytest.raises(ValidationError) as info:
        structures.create_structure(s, short, "France services d'Ici")
    assert info.value.field == "matricule"
    assert info.value.message.startswith("Le matricule France services compte de 5 à 12 chiffres (par exemple 10023)")
    assert f"« {short} » est trop court" in info.value.message


def test_the_wizard_shows_the_matricule_rule_next_to_the_field(qtbot, store):
    from app.ui.setup_wizard import SetupWizard

    wizard = SetupWizard(store)
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.pages[0]
    page.matricule.setText("12")
    page.name.setText("France services de Sainte-Foy")
    page.fixed.setChecked(True)
    wizard.next()
    assert wizard.currentId() == 0
    assert "de 5 à 12 chiffres" in page.form.errors["matricule"].text()
    assert page.form.errors["matricule"].isVisible()


def _window(qtbot, store, actor):
    window = MainWindow(desk_for(store, actor))
    qtbot.addWidget(window)
    window.show()
    wait_refreshed(qtbot, window)
    return window


def test_the_empty_list_shows_the_next_step_and_the_title_names_the_structure_once(qtbot, store, site, frozen_clock):
    window = _window(qtbot, store, site["agent"])
    assert window.windowTitle() == "Guichet — France services de Testville"
    assert QApplication.applicationDisplayName() == QApplication.applicationName()  # nothing appended
    qtbot.waitUntil(window.empty_state.label.isVisible, timeout=2000)
    assert "Ctrl+N" in window.empty_state.label.text() and "premier" in window.empty_state.label.text()
    assert window.empty_state.label.geometry() == window.case_view.viewport().rect()
    window.search_edit.setText("zzzz")
    qtbot.waitUntil(lambda: "« zzzz »" in window.empty_state.label.text(), timeout=3000)


def test_the_empty_state_goes_once_a_visit_is_logged(qtbot, store, site, frozen_clock):
    from app.core.accompaniments import AccompanimentInput, ProcedureLine

    window = _window(qtbot, store, site["agent"])
    window.desk.open_accompaniment(AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")]))
    window.refresh()
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 1, timeout=3000)
    assert not window.empty_state.label.isVisible()


def test_a_demo_store_says_its_data_is_fictitious(qtbot, store, site, frozen_clock):
    with store.write() as s:
        config.DEMO_SEED.set(s, 42)
    window = _window(qtbot, store, site["agent"])
    assert window.windowTitle() == "Guichet — France services de Testville (démonstration — données fictives)"


def test_the_start_up_progress_box_is_wide_enough_for_its_sentence(qtbot):
    from app.ui.first_run import startup_progress

    text = "Construction de la base de démonstration (données fictives)…"
    box = startup_progress(None, text, "Démonstration")
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    from PySide6.QtWidgets import QLabel

    [label] = [w for w in box.findChildren(QLabel) if w.text() == text]
    needed = label.fontMetrics().horizontalAdvance(text)
    assert label.width() >= needed or label.height() >= 2 * label.fontMetrics().height()  # fits or wraps
    assert label.geometry().right() <= box.rect().right()
