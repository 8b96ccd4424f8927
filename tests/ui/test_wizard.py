"""First-run wizard: what an administrator sees and what ends up in the store (real SQLite file)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from app.core import structures
from app.models.enums import Role
from app.models.errors import ValidationError
from app.sync.settings import TOKEN_NAME, URL_KEY as SERVICE_URL_KEY
from app.ui.setup_wizard import SetupAnswers, SetupWizard, apply_setup

PASSWORD = "Guichet-2026-sûr!"


@pytest.fixture(autouse=True)
def private_prefs(tmp_path, monkeypatch):
    monkeypatch.setenv("GUICHET_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def wizard(qtbot, store):
    w = SetupWizard(store)
    qtbot.addWidget(w)
    w.show()
    return w


def fill_structure(w, matricule="123456", name="France services de Sainte-Foy", bus=False, stops=""):
    page = w.pages[0]
    page.matricule.setText(matricule)
    page.name.setText(name)
    (page.bus if bus else page.fixed).setChecked(True)
    page.stops.setPlainText(stops)


def fill_admin(w, login="claire.admin", display="Claire Admin", password=PASSWORD, confirm=None):
    page = w.pages[1]
    page.login.setText(login)
    page.display.setText(display)
    page.password.setText(password)
    page.confirm.setText(password if confirm is None else confirm)


def error_text(w, page_index, key):
    label = w.pages[page_index].form.errors[key]
    return label.text() if label.isVisible() else ""


def saved_structures(store):
    with store.read() as session:
        return structures.structures(session)


def test_valid_matricule_moves_on_to_the_administrator_page(wizard):
    fill_structure(wizard)
    wizard.next()
    assert wizard.currentId() == 1
    assert error_text(wizard, 0, "matricule") == ""


@pytest.mark.parametrize("bad", ["", "12A456", "１２３４５６", "1234567890123"])
def test_invalid_matricule_is_refused_next_to_the_field(wizard, store, bad):
    fill_structure(wizard, matricule=bad)
    wizard.next()
    assert wizard.currentId() == 0
    assert "matricule" in error_text(wizard, 0, "matricule").lower()
    assert wizard.focusWidget() is wizard.pages[0].matricule
    assert saved_structures(store) == []  # the check rolled back


def test_a_bus_needs_its_stops(wizard):
    fill_structure(wizard, bus=True, stops="\n  \n")
    wizard.next()
    assert wizard.currentId() == 0
    assert "arrêt" in error_text(wizard, 0, "stop")


def test_password_mismatch_and_policy_are_shown_next_to_the_field(wizard):
    fill_structure(wizard)
    wizard.next()
    fill_admin(wizard, confirm="autre chose")
    wizard.next()
    assert wizard.currentId() == 1
    assert "identiques" in error_text(wizard, 1, "confirm")
    fill_admin(wizard, password="court")
    wizard.next()
    assert wizard.currentId() == 1
    assert error_text(wizard, 1, "password") != ""


def test_bad_login_is_refused(wizard):
    fill_structure(wizard)
    wizard.next()
    fill_admin(wizard, login="Claire Admin!")
    wizard.next()
    assert wizard.currentId() == 1
    assert "Identifiant" in error_text(wizard, 1, "login")


def test_missing_keyring_is_explained_and_the_wizard_finishes_without_the_token(wizard, store, no_keyring):
    fill_structure(wizard, bus=True, stops="Place de la mairie\nMarché couvert")
    wizard.next()
    fill_admin(wizard)
    wizard.next()
    assert wizard.currentId() == 2
    page = wizard.pages[2]
    assert "Aucun trousseau sécurisé" in page.keyring_note.text()
    assert "continuer sans enregistrer le jeton" in page.keyring_note.text()
    assert not page.token.isEnabled()
    page.url.setText("https://suivi.exemple.gouv.fr/api")
    wizard.next()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert not wizard.token_saved
    with store.read() as session:
        [bus] = structures.structures(session)
        assert [s.name for s in structures.bus_stops(session, bus.id)] == ["Place de la mairie", "Marché couvert"]
        assert structures.get_setting(session, SERVICE_URL_KEY) == "https://suivi.exemple.gouv.fr/api"


def test_token_goes_to_the_keyring_and_never_into_the_store(wizard, store, secure_keyring):
    fill_structure(wizard)
    wizard.next()
    fill_admin(wizard)
    wizard.next()
    page = wizard.pages[2]
    assert page.token.isEnabled()
    assert "trousseau sécurisé" in page.keyring_note.text()
    page.url.setText("https://suivi.exemple.gouv.fr/api")
    page.token.setText("jeton-tres-secret-42")
    wizard.next()
    wizard.pages[3].english.setChecked(True)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.token_saved
    assert secure_keyring.items[("Guichet", TOKEN_NAME)] == "jeton-tres-secret-42"
    store.close()  # flush the WAL into the file before reading its bytes
    raw = store.path.read_bytes() + (store.path.with_name(store.path.name + "-wal").read_bytes()
                                     if store.path.with_name(store.path.name + "-wal").exists() else b"")
    assert b"jeton-tres-secret-42" not in raw


def go_to_finish(wizard, token):
    fill_structure(wizard)
    wizard.next()
    fill_admin(wizard)
    wizard.next()
    wizard.pages[2].token.setText(token)
    wizard.next()
    wizard.button(QWizard.WizardButton.FinishButton).click()


def test_a_refused_token_brings_back_its_page_and_writes_nothing(wizard, store, secure_keyring):
    go_to_finish(wizard, "court")
    assert wizard.currentId() == 2
    assert "Jeton" in error_text(wizard, 2, "token")
    assert saved_structures(store) == [] and secure_keyring.items == {}
    wizard.pages[2].token.setText("un-jeton-valide")  # fixed: finishing now works
    wizard.next()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert len(saved_structures(store)) == 1


def test_a_keyring_that_fails_while_saving_leaves_nothing_half_written(wizard, store, secure_keyring, monkeypatch):
    def refuse(*_args):
        raise RuntimeError("trousseau verrouillé")

    monkeypatch.setattr(secure_keyring, "set_password", refuse)
    go_to_finish(wizard, "un-jeton-valide")
    assert wizard.currentId() == 2
    assert "trousseau" in error_text(wizard, 2, "token").lower()
    assert saved_structures(store) == []


def test_finishing_creates_structure_admin_and_settings_together(wizard, store, no_keyring):
    fill_structure(wizard)
    wizard.next()
    fill_admin(wizard)
    wizard.next()
    wizard.next()
    wizard.pages[3].english.setChecked(True)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    with store.read() as session:
        [site] = structures.structures(session)
        [admin] = structures.agents(session, site.id)
        assert (site.matricule, site.kind) == ("123456", "fixe")
        assert (admin.login, admin.role) == ("claire.admin", Role.ADMINISTRATEUR.value)
        assert admin.password_hash and PASSWORD not in admin.password_hash
        assert structures.get_setting(session, structures.CURRENT_STRUCTURE_KEY) == str(site.id)
    from app.ui import prefs

    assert prefs.get("language") == "en"


def test_cancel_leaves_no_structure_and_no_agent(wizard, store):
    fill_structure(wizard)
    wizard.next()
    fill_admin(wizard)
    wizard.next()  # both pages were checked against the store, then rolled back
    wizard.button(QWizard.WizardButton.CancelButton).click()
    assert wizard.result() == QWizard.DialogCode.Rejected
    with store.read() as session:
        assert structures.structures(session) == []
        assert structures.agents(session) == []


def test_a_late_error_writes_nothing(store):
    answers = SetupAnswers(matricule="123456", name="Test", login="x", password=PASSWORD)  # login too short
    with pytest.raises(ValidationError) as err:
        apply_setup(store, answers)
    assert err.value.field == "login"
    assert saved_structures(store) == []


def test_every_field_has_an_accessible_name(wizard):
    for page in wizard.pages:
        for widget in page.form.fields.values():
            assert widget.accessibleName(), widget


def test_the_structure_page_works_from_the_keyboard_alone(qtbot, wizard):
    from PySide6.QtCore import Qt

    page = wizard.pages[0]
    page.matricule.setFocus()
    qtbot.keyClicks(page.matricule, "12A4")
    qtbot.keyClick(page.matricule, Qt.Key.Key_Tab)
    assert wizard.focusWidget() is page.name
    qtbot.keyClicks(page.name, "France services de Lyon")
    qtbot.keyClick(page.name, Qt.Key.Key_Return)  # Enter is « Suivant »
    assert wizard.currentId() == 0
    assert wizard.focusWidget() is page.matricule  # focus back on the field in error
    assert "chiffres" in page.matricule.accessibleDescription()
    page.matricule.clear()
    qtbot.keyClicks(page.matricule, "123456")
    qtbot.keyClick(page.matricule, Qt.Key.Key_Return)
    assert wizard.currentId() == 1
