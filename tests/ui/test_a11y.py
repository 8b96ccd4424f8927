"""Screen-reader support inside the app (issue 22): data labels, announcements, errors, keys.
The same, seen from outside through AT-SPI, is tests/a11y/test_atspi.py."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QToolButton, QWidget

from app.models.errors import ValidationError
from app.ui import a11y
from app.ui.accompaniment_form import AccompanimentForm
from app.ui.case_detail import CaseDetailDialog
from tests.ui.helpers import on_modal, wait_refreshed


def name_of(widget) -> str:
    return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Name)


class Heard:
    """Announcements sent through a11y.announce."""

    def __init__(self, monkeypatch):
        self.items: list[str] = []
        real = a11y._update_accessibility

        def spy(event):
            self.items.append(event.message())
            real(event)

        monkeypatch.setattr(a11y, "_update_accessibility", spy)


def test_a_save_is_announced_and_stays_readable_after_the_timed_message(qtbot, window, monkeypatch):
    heard = Heard(monkeypatch)
    from app.ui.accompaniment_form import COUNTER, matcher

    def fill(form):
        form._pick(matcher().get("CAF-RSA"))
        form.save()

    state = on_modal(AccompanimentForm, fill)
    window.new_accompaniment()
    assert state["error"] is None
    assert "Accompagnement enregistré." in heard.items
    label = window.announcer.last
    window.statusBar().clearMessage()  # the 4 s message is gone…
    assert label.isVisible() and label.text() == "Accompagnement enregistré."  # …its text is not
    assert name_of(label) == "Accompagnement enregistré."
    assert COUNTER


def test_a_search_announces_its_result_count_once(qtbot, window, monkeypatch, store, actor):
    from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment

    with store.write() as s:
        for _ in range(2):
            open_accompaniment(s, actor, AccompanimentInput(procedures=[ProcedureLine("CAF", "CAF-RSA")]))
    heard = Heard(monkeypatch)
    window.search_edit.setText("rsa")
    qtbot.waitUntil(lambda: "2 accompagnements trouvés." in heard.items, timeout=5000)
    wait_refreshed(qtbot, window)
    window.refresh()  # the same search again: nothing new to say
    wait_refreshed(qtbot, window)
    assert heard.items.count("2 accompagnements trouvés.") == 1
    assert window.search_edit.accessibleDescription() == "2 accompagnements trouvés."


def test_data_labels_expose_their_text(qtbot, desk, store, actor, frozen_clock):
    from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment

    with store.write() as s:
        case_id = open_accompaniment(s, actor, AccompanimentInput(procedures=[ProcedureLine("CAF", "CAF-RSA")])).id
    dialog = CaseDetailDialog(desk, case_id)
    qtbot.addWidget(dialog)
    exposed = name_of(dialog.summary)
    assert "RSA" in exposed and "Résumé" not in exposed
    assert dialog.summary.accessibleDescription() == "Résumé de l'accompagnement"


def test_an_error_marks_the_field_and_gives_its_hint_back_when_cleared(qtbot, desk, frozen_clock):
    form = AccompanimentForm(desk)
    qtbot.addWidget(form)
    form.resize(760, 600)
    form.show()
    qtbot.waitExposed(form)
    form.new_usager_box.setChecked(True)
    form.phone_edit.setAccessibleDescription("10 chiffres")
    height = form.phone_edit.height()
    form.show_error(ValidationError("Numéro de téléphone invalide.", field="phone"))
    qtbot.wait(20)
    error = form.errors["phone"]
    assert form.phone_edit.accessibleDescription() == "Erreur : Numéro de téléphone invalide."
    assert form.phone_edit.property("invalid") is True
    assert error.buddy() is form.phone_edit  # labelled-by: the message is read with the field
    assert form.phone_edit.height() >= height  # the field never shrinks under its error
    error.clear_error()
    assert form.phone_edit.accessibleDescription() == "10 chiffres"
    assert not form.phone_edit.property("invalid") and error.buddy() is None


def test_names_contain_the_visible_label(qtbot, desk, frozen_clock):
    form = AccompanimentForm(desk)
    qtbot.addWidget(form)
    assert "À relancer le" in name_of(form.follow_check)
    assert name_of(form.new_usager_box).startswith("Nouvel usager identifié")


def test_qt_own_inner_controls_are_named(window):
    clear = [b for b in window.search_edit.findChildren(QToolButton)]
    assert clear and all(name_of(b) == "Effacer la recherche" for b in clear)
    extension = window.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert extension is not None and name_of(extension) == "Autres boutons de la barre d'outils"


def test_tab_leaves_the_lists_in_one_press(window):
    for view in (window.case_view, window.followup_view):
        assert not view.tabKeyNavigation()


def test_ctrl_tab_leaves_the_paper_survey_grid(qtbot, desk):
    from app.ui.survey_paper import PaperEntryDialog

    dialog = PaperEntryDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.view.setFocus()
    assert dialog.view.tabKeyNavigation()  # Tab goes to the next cell, as on paper
    qtbot.keyClick(dialog.view, Qt.Key_Tab, Qt.ControlModifier)
    assert not dialog.view.hasFocus() and dialog.focusWidget() is not dialog.view


def test_qt_own_strings_are_french(qapp):
    before = QCoreApplication.translate("QPlatformTheme", "Close")
    assert a11y.install_qt_translations(qapp, "fr")
    try:  # the strings the AT-SPI walk found in English
        assert QCoreApplication.translate("QPlatformTheme", "Close") == "Fermer"
        assert QCoreApplication.translate("QDockWidget", "Float") == "Détacher"
        assert QCoreApplication.translate("QTabBar", "Scroll Left") == "Défiler vers la gauche"
        assert QCoreApplication.translate("QFileDialog", "Look in:") == "Voir dans\u00a0:"
    finally:
        for translator in list(a11y._translators):
            qapp.removeTranslator(translator)
            a11y._translators.remove(translator)
    assert before == "Close" and not a11y.install_qt_translations(qapp, "en")


def test_announce_gives_back_the_none_references_pyside_drops(qtbot):
    label = QLabel("x")
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        a11y.announce(label, "bonjour")
    assert sys.getrefcount(None) >= before - 50  # without the fix: 2000 fewer, then a crash


def test_unique_mnemonics_are_detected():
    root = QWidget()
    a, b = QLabel("&Nom :", root), QLabel("&Numéro :", root)
    a.setBuddy(QLineEdit(root))
    b.setBuddy(QLineEdit(root))
    assert a11y.mnemonic_clashes(root) == {"n": ["Nom :", "Numéro :"]}
    assert QApplication.instance()
