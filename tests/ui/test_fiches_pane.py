"""« Fiches » (F2): search as you type, read a fiche offline, fold its cases, no remote load."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QKeySequence

from app.core import fiches
from app.ui.fiches_pane import FichesDialog, open_fiches
from tests.fiches.conftest import FIXTURE_ZIP
from tests.ui.shots import SHOTS_DIR


def _dialog(qtbot, desk, store, frozen_clock):
    fiches.import_zip(FIXTURE_ZIP, fiches.base_path(store.path))
    dialog = FichesDialog(desk, today=frozen_clock.today())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.info is not None)
    return dialog


def _search(qtbot, dialog, text):
    dialog.searched = None
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, text)
    qtbot.waitUntil(lambda: getattr(dialog, "searched", None) is not None and dialog.search.text() == text)


def test_f2_opens_the_fiches_and_no_other_action_uses_it(window, store):
    f2 = [a for a in window.actions() if a.shortcut() == QKeySequence("F2")]
    assert f2 == [window.fiches_action]
    window.fiches_action.trigger()
    dialog = window.fiches_dialog
    assert dialog.isVisible()
    assert "Aucune base de fiches" in dialog.status.text() or dialog.info is None
    assert open_fiches(window) is dialog  # F2 again: the same pane, not a second one


def test_typing_finds_fiches_with_their_breadcrumb_and_date(qtbot, desk, store, frozen_clock):
    dialog = _dialog(qtbot, desk, store, frozen_clock)
    assert "45 fiches" in dialog.status.text() and "plus de 3 mois" in dialog.status.text()
    _search(qtbot, dialog, "carte vit")
    first = dialog.results.item(0).text()
    assert first.startswith("Carte Vitale\n")
    assert "Social - Santé ›" in first and "20" in first.splitlines()[1]


def test_a_fiche_reads_with_its_cases_offices_and_checked_links(qtbot, desk, store, frozen_clock):
    dialog = _dialog(qtbot, desk, store, frozen_clock)
    _search(qtbot, dialog, "carte identite majeur premiere")
    qtbot.keyClick(dialog.search, Qt.Key_Return)
    qtbot.waitUntil(lambda: dialog.current is not None and dialog.current.id == "F1341")
    html = dialog.browser.toHtml()
    text = dialog.browser.toPlainText()
    assert "Carte d'identité d'un majeur : première demande" in text
    assert "Base des fiches ancienne" in text  # content of 2020, counter on 2026-10-14
    assert "▾ Vous avez un passeport valide" in text
    assert "Où s’adresser : Mairie délivrant des cartes d'identité" in text
    assert "Téléservice : Pré-demande de carte d'identité" in text
    assert 'href="https://passeport.ants.gouv.fr/' in html
    assert 'href="http://' not in html and "<img" not in html
    assert dialog.browser.loadResource(0, QUrl("https://example.org/x.png")) is None
    dialog.resize(1200, 800)
    dialog.grab().save(str(SHOTS_DIR / "fiches.png"))
    dialog.follow(QUrl("cas:1"))
    assert "▸ Vous avez un passeport valide" in dialog.browser.toPlainText()
    dialog.follow(QUrl("cas:1"))
    assert "▾ Vous avez un passeport valide" in dialog.browser.toPlainText()


def test_an_internal_link_opens_the_other_fiche(qtbot, desk, store, frozen_clock):
    dialog = _dialog(qtbot, desk, store, frozen_clock)
    dialog.open_fiche("F35433")
    qtbot.waitUntil(lambda: dialog.current is not None)
    dialog.follow(QUrl("fiche:F1636"))
    qtbot.waitUntil(lambda: dialog.current.id == "F1636")
    assert dialog.history == ["F35433"]


def test_an_agent_choosing_a_zip_is_refused_with_a_message_and_nothing_imported(window, store, qtbot, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from tests.ui.helpers import on_modal

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(FIXTURE_ZIP), "")))
    seen = {}
    state = on_modal(QMessageBox, lambda box: (seen.setdefault("text", box.text()), box.accept()))
    window.fiches_import_action.trigger()
    qtbot.waitUntil(lambda: "text" in seen, timeout=10000)
    assert state["error"] is None
    assert seen["text"] == "Votre rôle ne permet pas cette action."
    assert not fiches.base_path(store.path).exists()


def test_f2_in_the_accompaniment_form_opens_the_fiche_of_the_chosen_demarche(qtbot, window, desk, store):
    from PySide6.QtWidgets import QApplication

    from app.ui.accompaniment_form import AccompanimentForm

    fiches.import_zip(FIXTURE_ZIP, fiches.base_path(store.path))
    form = AccompanimentForm(desk, parent=window)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form, timeout=2000)
    qtbot.keyClicks(form.demarche_edit, "cni predemande")
    qtbot.waitUntil(lambda: form.completer.popup().isVisible())
    qtbot.keyClick(form.completer.popup(), Qt.Key_Return)
    qtbot.waitUntil(lambda: form.demarche_edit.text() == "")
    assert form.selected and form.selected[0].code == "ANTS-CNI-PREDEMANDE"
    qtbot.keyClick(form.demarche_edit, Qt.Key_F2)
    qtbot.waitUntil(lambda: getattr(form, "fiches_dialog", None) is not None
                    and form.fiches_dialog.current is not None, timeout=5000)
    assert form.fiches_dialog.current.id == "F1341"
    assert not getattr(window, "fiches_dialog", None)  # the main window's F2 did not fire too
    assert form.fiches_dialog.given_button.isVisible()
    qtbot.mouseClick(form.fiches_dialog.given_button, Qt.LeftButton)
    form.fiches_dialog.close()
    form.save()
    qtbot.waitUntil(lambda: not form.saving, timeout=10000)  # the save runs on the write pool
    from app.core import fiche_notes
    from app.ui.workers import drain

    qtbot.waitUntil(lambda: drain(100) and desk.query(fiche_notes.fiches_given, form.saved_id) != [], timeout=5000)
    assert desk.query(fiche_notes.fiches_given, form.saved_id) == [
        ("F1341", "Carte d'identité d'un majeur : première demande")]


def test_a_site_note_is_added_and_shown_above_the_fiche(qtbot, desk, store, frozen_clock, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    dialog = _dialog(qtbot, desk, store, frozen_clock)
    dialog.open_fiche("F265")
    qtbot.waitUntil(lambda: dialog.current is not None)
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("Ici, la CPAM reçoit le jeudi matin.", True)))
    qtbot.mouseClick(dialog.note_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Ici, la CPAM reçoit le jeudi matin." in dialog.browser.toPlainText(), timeout=5000)
    text = dialog.browser.toPlainText()
    assert text.index("Note du site") < text.index("Carte Vitale")


def test_the_pdf_button_writes_the_handout(qtbot, desk, store, frozen_clock, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    dialog = _dialog(qtbot, desk, store, frozen_clock)
    dialog.open_fiche("F265")
    qtbot.waitUntil(lambda: dialog.current is not None)
    dialog.save_pdf(str(tmp_path / "F265.pdf"))
    qtbot.waitUntil(lambda: getattr(dialog, "pdf_written", None) is not None, timeout=10000)
    assert (tmp_path / "F265.pdf").read_bytes().startswith(b"%PDF")
    assert opened and opened[0].toLocalFile().endswith("F265.pdf")
