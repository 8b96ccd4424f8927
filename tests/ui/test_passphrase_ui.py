"""No-keyring mode on screen (issue 12, finding 9), pytest-qt offscreen with keyring's fail backend:
the set-up step that chooses the site passphrase, the start-of-day passphrase dialog, the
recovery code setting a new one, and the whole start-up from a first run to the next morning."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from app.core import passphrase
from app.core.bootstrap import create_app_store
from app.store import crypto, secrets, vault
from app.ui import passphrase as screens
from app.ui.app import Startup
from app.ui.main_window import MainWindow
from tests.ui.shots import SHOTS_DIR

PHRASE = "cheval agrafe batterie correcte"
NEW_PHRASE = "soupe tiède au potiron du mardi"


@pytest.fixture
def locked_store(tmp_path, passphrase_mode):
    """A store created with the passphrase, then "the next morning": nothing unlocked."""
    path = tmp_path / "data" / "guichet.db"
    store, code = create_app_store(path, passphrase=PHRASE)
    store.close()
    secrets.close_vault()
    return path, code


def _error(dialog, key) -> str:
    label = dialog.errors[key]
    return label.text() if label.isVisible() or not label.isHidden() else ""


def test_setup_step_enforces_the_policy_next_to_the_field(qtbot, passphrase_mode):
    dialog = screens.PassphraseSetupDialog("Aucun trousseau sécurisé.")
    qtbot.addWidget(dialog)
    dialog.show()
    assert "16 caractères" in dialog.policy.text()  # the policy is stated before anyone types
    assert dialog.new.accessibleName() == "Phrase de passe du site"
    dialog.new.setText("trop court")
    dialog.confirm.setText("trop court")
    dialog.ok.click()
    assert "Phrase de passe trop courte : 16 caractères au moins" in _error(dialog, "passphrase")
    assert "Phrase de passe trop courte" in dialog.new.accessibleDescription()
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.new.setText(PHRASE)
    dialog.confirm.setText(PHRASE + "!")
    dialog.ok.click()
    assert _error(dialog, "passphrase") == "" and "pas identiques" in _error(dialog, "confirm")
    dialog.grab().save(str(SHOTS_DIR / "passphrase_setup.png"))
    dialog.confirm.setText(PHRASE)
    dialog.ok.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.passphrase == PHRASE


def test_passphrase_dialog_refuses_a_wrong_one_then_opens(qtbot, locked_store):
    path, _code = locked_store
    before = {p.name: p.read_bytes() for p in path.parent.iterdir() if p.is_file()}
    dialog = screens.PassphraseDialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.edit.setText("pas la bonne phrase du tout")
    dialog.open_button.click()
    qtbot.waitUntil(lambda: "Phrase de passe incorrecte." in _error(dialog, "passphrase"), timeout=10000)
    assert dialog.isEnabled() and dialog.edit.hasFocus() and dialog.edit.selectedText()
    assert dialog.outcome == "quit" and secrets.active_vault() is None
    assert {p.name: p.read_bytes() for p in path.parent.iterdir() if p.is_file()} == before  # nothing written
    dialog.grab().save(str(SHOTS_DIR / "passphrase_wrong.png"))
    dialog.edit.setText(PHRASE)
    dialog.open_button.click()
    qtbot.waitUntil(lambda: dialog.outcome == "unlocked", timeout=10000)
    assert not passphrase.needs_passphrase(path)


def test_damaged_passphrase_file_is_explained_next_to_the_field(qtbot, locked_store):
    path, _code = locked_store
    target = vault.vault_path(path)
    target.write_text(target.read_text("utf-8")[:-40], "utf-8")
    dialog = screens.PassphraseDialog(path)
    qtbot.addWidget(dialog)
    dialog.edit.setText(PHRASE)
    dialog.open_button.click()
    qtbot.waitUntil(lambda: "modifié ou est endommagé" in _error(dialog, "passphrase"), timeout=10000)
    assert "code de récupération" in _error(dialog, "passphrase") and dialog.outcome == "quit"


def test_forgotten_passphrase_recovery_code_sets_a_new_one(qtbot, locked_store):
    path, code = locked_store
    dialog = screens.PassphraseRecoveryDialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.code.setText("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
    dialog.new.setText(NEW_PHRASE)
    dialog.confirm.setText(NEW_PHRASE)
    dialog.ok.click()
    qtbot.waitUntil(lambda: "ne correspond pas" in _error(dialog, "recovery_code"), timeout=10000)
    dialog.code.setText(code)
    dialog.new.setText("court")
    dialog.ok.click()
    qtbot.waitUntil(lambda: "trop courte" in _error(dialog, "passphrase"), timeout=10000)
    assert _error(dialog, "recovery_code") == ""
    dialog.new.setText(NEW_PHRASE)
    dialog.ok.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    secrets.close_vault()
    passphrase.unlock(path, NEW_PHRASE)


def test_first_run_then_next_morning_through_the_real_startup(qtbot, tmp_path, passphrase_mode, monkeypatch):
    import app.ui.app as app_module
    from app.ui import recovery

    seen = []

    def choose(self):
        self.new.setText(PHRASE)
        self.confirm.setText(PHRASE)
        self.choose()
        seen.append("phrase chosen")
        return self.result()

    monkeypatch.setattr(screens.PassphraseSetupDialog, "exec", choose)
    monkeypatch.setattr(recovery.RecoveryCodeDialog, "exec",
                        lambda self: seen.append(("code", "phrase de passe du site" in self.findChild(
                            type(self.code_label)).text())) or 1)
    monkeypatch.setattr(app_module, "run_setup", lambda store, parent: seen.append("wizard") or False)
    monkeypatch.setattr(QApplication.instance(), "quit", lambda: seen.append("quit"))
    window = MainWindow()
    qtbot.addWidget(window)
    path = tmp_path / "prod.db"
    startup = Startup(QApplication.instance(), window, str(path), demo=False, reset_demo=False)
    startup.non_interactive = False
    startup.start()
    assert seen[:3] == ["phrase chosen", ("code", True), "wizard"]
    assert crypto.file_kind(path) == "encrypted" and vault.vault_path(path).exists()
    startup.store.close()

    secrets.close_vault()  # the next morning: a new process
    seen.clear()
    tries = iter(["pas la bonne phrase du tout", PHRASE])

    def type_passphrase(self):
        self.edit.setText(next(tries))
        self.try_unlock()
        qtbot.waitUntil(lambda: self.isEnabled() and not self.busy, timeout=10000)
        if self.outcome != "unlocked":
            seen.append(self.errors["passphrase"].text())
            return type_passphrase(self)
        return 1

    monkeypatch.setattr(screens.PassphraseDialog, "exec", type_passphrase)
    startup = Startup(QApplication.instance(), window, str(path), demo=False, reset_demo=False)
    startup.non_interactive = False
    startup.start()
    qtbot.waitUntil(lambda: "wizard" in seen, timeout=20000)  # opened: the (cancelled) wizard comes next
    assert seen[0] == "⚠ Phrase de passe incorrecte."
    startup.store.close()


def test_startup_without_keyring_and_keyring_only_setting_still_refuses(qtbot, tmp_path, passphrase_mode, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setenv("GUICHET_STORE_PROTECTION", "keyring")
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(QApplication.instance(), "exit", lambda code=0: shown.append(f"exit {code}"))
    window = MainWindow()
    qtbot.addWidget(window)
    startup = Startup(QApplication.instance(), window, str(tmp_path / "new.db"), demo=False, reset_demo=False)
    startup.non_interactive = False
    startup.start()
    assert any("trousseau sécurisé" in text for text in shown) and "exit 2" in shown
    assert not (tmp_path / "new.db").exists()


def test_wizard_service_page_takes_the_token_into_the_vault(qtbot, tmp_path, passphrase_mode, monkeypatch):
    """After the passphrase step, the wizard's service page accepts the token and says where it
    goes; « Terminer » seals it in `.coffre`, found in no file in clear."""
    from PySide6.QtWidgets import QWizard

    from app.core import auth
    from app.sync.settings import load_token
    from app.ui.setup_wizard import SetupWizard
    from tests.ui.test_wizard import fill_admin, fill_structure

    monkeypatch.setattr(auth, "HASH_PARAMETERS", __import__("argon2").profiles.CHEAPEST)
    monkeypatch.setenv("GUICHET_CONFIG_DIR", str(tmp_path / "config"))
    path = tmp_path / "data" / "guichet.db"
    store, _code = create_app_store(path, passphrase=PHRASE)
    wizard = SetupWizard(store)
    qtbot.addWidget(wizard)
    wizard.show()
    fill_structure(wizard)
    wizard.next()
    fill_admin(wizard)
    wizard.next()
    page = wizard.pages[2]
    assert page.token.isEnabled()
    assert "protégé par la phrase de passe du site" in page.keyring_note.text()
    page.url.setText("https://suivi.exemple.gouv.fr/api")
    page.token.setText("jeton-Zq5canary-du-site")
    wizard.next()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QWizard.DialogCode.Accepted and wizard.token_saved
    store.close()
    assert load_token() == "jeton-Zq5canary-du-site"
    for file in path.parent.rglob("*"):
        if file.is_file():
            assert b"Zq5canary" not in file.read_bytes(), file


def test_recovery_mode_without_passphrase_file_asks_the_code_and_a_new_passphrase(qtbot, locked_store):
    from app.core.backup_service import diagnose
    from app.ui.recovery import RecoveryDialog

    path, code = locked_store
    vault.vault_path(path).unlink()  # deleted, or the store came from another PC
    diagnosis = diagnose(path)
    assert diagnosis.kind == "key_missing" and "code de récupération" in diagnosis.message
    dialog = RecoveryDialog(path, diagnosis)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.new_phrase is not None and dialog.new_phrase.accessibleName() == "Nouvelle phrase de passe du site"
    dialog.code_edit.setText(code)
    dialog.new_phrase.setText("court")
    dialog.confirm_phrase.setText("court")
    dialog.key_button.click()
    assert "trop courte" in dialog.error.text() and dialog.outcome == "quit"
    assert "trop courte" in dialog.new_phrase.accessibleDescription()
    dialog.new_phrase.setText(NEW_PHRASE)
    dialog.confirm_phrase.setText(NEW_PHRASE)
    dialog.key_button.click()
    assert dialog.outcome == "key_restored" and vault.vault_path(path).exists()
    secrets.close_vault()
    passphrase.unlock(path, NEW_PHRASE)
