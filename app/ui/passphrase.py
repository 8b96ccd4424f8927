"""No-keyring mode screens: choose the site passphrase (first run), type it (start of day, before
the login), or set a new one with the recovery code.

The key work (Argon2id, unwrapping) is in app.core.passphrase and runs in a worker: the window
keeps painting during the 0.8 s derivation. Errors are shown next to their field, in French.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app.i18n import _
from app.ui.widgets import with_error
from app.ui.workers import run_op


def policy_text() -> str:
    from app.store import vault

    return _("Au moins {min} caractères, dont {distinct} différents : par exemple quatre mots sans rapport "
             "entre eux. Tous les agents du site la partagent ; elle n'est jamais enregistrée.").format(
        min=vault.MIN_LENGTH, distinct=vault.MIN_DISTINCT)


def _password_line(accessible: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(accessible)
    return edit


class _Form(QDialog):
    """A dialog of password fields, each with its error line; one action button run in a worker."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        self.setMinimumWidth(520)
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        self.errors: dict = {}
        self.busy = False

    def intro(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        self.layout_.addWidget(label)
        return label

    def field(self, key: str, caption: str, accessible: str, edit: QLineEdit | None = None) -> QLineEdit:
        edit = edit or _password_line(accessible)
        box, error = with_error(edit)
        label = QLabel(caption)
        label.setBuddy(edit)
        self.form.addRow(label, box)
        self.fields[key], self.errors[key] = edit, error
        return edit

    def buttons(self, *specs) -> dict[str, QPushButton]:
        self.layout_.addLayout(self.form)
        row = QHBoxLayout()
        row.addStretch(1)
        made = {}
        for key, text, slot in specs:
            button = QPushButton(text, self)
            button.setAccessibleName(text.replace("&", ""))
            button.clicked.connect(slot)
            row.addWidget(button)
            made[key] = button
        self.layout_.addLayout(row)
        return made

    def clear_errors(self) -> None:
        for key, error in self.errors.items():
            error.clear_error(self.fields[key])

    def show_error(self, exc, fallback: str) -> None:
        key = exc.field if getattr(exc, "field", None) in self.errors else fallback
        self.errors[key].show_error(exc.message, self.fields[key])
        self.fields[key].setFocus(Qt.FocusReason.OtherFocusReason)
        self.fields[key].selectAll()
        self._fit()

    def _fit(self) -> None:
        # Wrapped error lines need height-for-width: grow the dialog so that every line shows.
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.layout().totalHeightForWidth(self.width())))

    def run(self, work, on_done, fallback: str) -> None:
        """`work()` in a worker; a DomainError comes back next to its field."""
        if self.busy:
            return
        self.busy = True
        self.clear_errors()
        self.setEnabled(False)

        def done(result):
            self.busy = False
            self.setEnabled(True)
            on_done(result)

        def failed(exc):
            from app.models.errors import DomainError
            from app.ui.workers import show_failure

            self.busy = False
            self.setEnabled(True)
            if isinstance(exc, DomainError):
                self.show_error(exc, fallback)
            else:
                show_failure(self, exc)

        run_op(self, lambda _progress: work(), on_done=done, on_error=failed)


class PassphraseSetupDialog(_Form):
    """Set-up, first step where no secure keyring exists: choose the site passphrase. Checks the
    policy and the confirmation only; the caller creates the store with `passphrase`."""

    def __init__(self, keyring_message: str, parent=None):
        super().__init__(_("Mise en service — protection des données"), parent)
        self.passphrase: str | None = None
        self.intro(_("Cet ordinateur n'a pas de trousseau sécurisé pour garder la clé de chiffrement des "
                     "données. Guichet peut la protéger par une phrase de passe du site, demandée une fois "
                     "au début de chaque journée, avant la connexion des agents."))
        note = self.intro(keyring_message)
        note.setObjectName("keyring_message")
        self.policy = self.intro(policy_text())
        self.policy.setObjectName("policy")
        self.new = self.field("passphrase", _("&Phrase de passe du site :"), _("Phrase de passe du site"))
        self.confirm = self.field("confirm", _("&Confirmation :"), _("Confirmation de la phrase de passe"))
        self.new.setAccessibleDescription(self.policy.text())
        made = self.buttons(("cancel", _("Annuler"), self.reject),
                            ("ok", _("&Protéger les données"), self.choose))
        self.ok = made["ok"]
        self.ok.setDefault(True)

    def choose(self) -> None:
        from app.core import passphrase
        from app.models.errors import ValidationError

        self.clear_errors()
        try:
            passphrase.check_new(self.new.text(), self.confirm.text())
        except ValidationError as exc:
            self.show_error(exc, "passphrase")
            return
        self.passphrase = self.new.text()
        self.accept()


class PassphraseDialog(_Form):
    """Start of day: the site passphrase opens the store's key for this session. Wrong → the
    message next to the field and another try (throttled like the login); forgotten → the
    recovery code. `outcome`: "unlocked" or "quit"."""

    def __init__(self, store_path: Path, parent=None):
        super().__init__(_("Guichet — phrase de passe du site"), parent)
        self.store_path, self.outcome = Path(store_path), "quit"
        self.intro(_("Les données de ce poste sont protégées par la phrase de passe du site. Saisissez-la "
                     "pour ouvrir Guichet ; chaque agent se connecte ensuite avec son mot de passe."))
        self.edit = self.field("passphrase", _("&Phrase de passe :"), _("Phrase de passe du site"))
        made = self.buttons(("forgot", _("Phrase &oubliée…"), self.forgot), ("quit", _("&Quitter"), self.reject),
                            ("open", _("&Ouvrir"), self.try_unlock))
        self.open_button, self.forgot_button = made["open"], made["forgot"]
        self.open_button.setDefault(True)
        self.edit.returnPressed.connect(self.try_unlock)
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def try_unlock(self) -> None:
        from app.core import passphrase

        text = self.edit.text()
        self.run(lambda: passphrase.unlock(self.store_path, text), self._unlocked, "passphrase")

    def _unlocked(self, _result) -> None:
        self.outcome = "unlocked"
        self.accept()

    def forgot(self) -> None:
        dialog = PassphraseRecoveryDialog(self.store_path, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.outcome = "unlocked"
            self.accept()


class PassphraseRecoveryDialog(_Form):
    """The recovery code (supervisor) opens the store and a new site passphrase replaces the old one."""

    def __init__(self, store_path: Path, parent=None):
        super().__init__(_("Nouvelle phrase de passe du site"), parent)
        self.store_path = Path(store_path)
        self.intro(_("Saisissez le code de récupération imprimé lors de l'installation (superviseur), puis "
                     "choisissez une nouvelle phrase de passe pour le site. L'ancienne ne fonctionnera plus."))
        code = QLineEdit()
        code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        code.setEchoMode(QLineEdit.EchoMode.Password)
        code.setAccessibleName(_("Code de récupération"))
        self.code = self.field("recovery_code", _("&Code de récupération :"), _("Code de récupération"), code)
        self.policy = self.intro(policy_text())
        self.new = self.field("passphrase", _("&Nouvelle phrase de passe :"), _("Nouvelle phrase de passe du site"))
        self.confirm = self.field("confirm", _("C&onfirmation :"), _("Confirmation de la phrase de passe"))
        made = self.buttons(("cancel", _("Annuler"), self.reject),
                            ("ok", _("&Rétablir l'accès"), self.recover))
        self.ok = made["ok"]
        self.ok.setDefault(True)

    def recover(self) -> None:
        from app.core import passphrase

        code, new, confirm = self.code.text(), self.new.text(), self.confirm.text()
        self.run(lambda: passphrase.recover(self.store_path, code, new, confirm), lambda _r: self.accept(),
                 "recovery_code")


def ask_passphrase(parent: QWidget | None, store_path: Path) -> bool:
    """Start-up: the passphrase dialog. True once the store's key is unlocked."""
    dialog = PassphraseDialog(store_path, parent)
    dialog.exec()
    return dialog.outcome == "unlocked"


def choose_passphrase(parent: QWidget | None) -> str | None:
    """First run without a keyring: the passphrase chosen, or None if cancelled."""
    dialog = PassphraseSetupDialog(_("Aucun trousseau sécurisé n'est disponible sur cet ordinateur (Trousseau "
                                     "Windows, Trousseau macOS ou Secret Service/KWallet sous Linux)."), parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.passphrase
