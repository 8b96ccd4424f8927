"""First-run set-up: structure, first administrator, national service, language.

Pages only collect answers; each page's « Suivant » checks them by running the real core use
cases in a transaction that is then rolled back (`dry_run`), so the wizard never duplicates a
validation rule. « Terminer » writes everything in one transaction (`apply_setup`); cancelling
writes nothing. The token goes to the OS keyring (app.sync.settings.save_token) just before that
transaction commits, never into the store; in no-keyring mode it is sealed in the site passphrase's
vault instead (app/store/vault.py); with neither, the token cannot be typed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup, QFormLayout, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QRadioButton,
    QVBoxLayout, QWidget, QWizard, QWizardPage,
)

from app.core import setup
from app.core.setup import SetupAnswers
from app.i18n import _
from app.ui.a11y import data_label
from app.models.enums import StructureKind
from app.models.errors import DomainError, ValidationError
from app.resources import resource_path

log = logging.getLogger(__name__)


# The writes (no Qt) are app.core.setup's; the pages call them through these names.
check_service_url, dry_run = setup.check_service_url, setup.dry_run


def apply_setup(store, answers: SetupAnswers) -> setup.SetupResult:
    """app.core.setup.apply_setup with the sync's keyring writer for the token."""
    from app.sync.settings import save_token

    return setup.apply_setup(store, answers, save_token=save_token)


def keyring_status() -> tuple[bool, str]:
    from app.store import secrets

    try:
        return secrets.status()
    except Exception as exc:  # a broken backend counts as no keyring: never fall back to plain text
        log.warning("keyring status failed: %s", exc)
        return False, secrets.UNAVAILABLE_MESSAGE


def passphrase_mode() -> bool:
    from app.store import secrets

    return secrets.mode() == "passphrase"


# ---------------------------------------------------------------- widgets

def app_icon() -> QIcon:
    icon = QIcon(str(resource_path("icons", "guichet.svg")))
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addFile(str(resource_path("icons", f"guichet-{size}.png")))
    return icon


class FieldForm(QFormLayout):
    """A form whose rows carry an error line under the field (text, not colour alone)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}

    def add(self, key: str, label: str, widget: QWidget, accessible: str) -> QWidget:
        caption = QLabel(label)
        caption.setBuddy(widget)
        widget.setAccessibleName(accessible)
        error = QLabel()
        error.setObjectName(f"error_{key}")
        error.setWordWrap(True)
        error.setStyleSheet("color: #ce0500;")
        error.setAccessibleDescription(_("Erreur : {field}").format(field=accessible))  # name: its text
        error.hide()
        box = QVBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(widget)
        box.addWidget(error)
        self.addRow(caption, box)
        self.fields[key], self.errors[key] = widget, error
        return widget

    def clear_errors(self) -> None:
        from app.ui.a11y import clear_invalid

        for key, label in self.errors.items():
            label.clear()
            label.hide()
            clear_invalid(self.fields[key], label)  # the field's hint comes back

    def show_error(self, exc: DomainError, fallback: str) -> None:
        from app.ui.a11y import mark_invalid

        key = exc.field if exc.field in self.errors else fallback
        self.errors[key].setText("⚠ " + exc.message.replace("&", "&&"))
        self.errors[key].show()
        mark_invalid(self.fields[key], self.errors[key], exc.message)  # read out with the field
        self.fields[key].setFocus()


def _line(placeholder: str = "", password: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class _Page(QWizardPage):
    UPTO = ""
    FALLBACK = ""

    def __init__(self, title: str, subtitle: str):
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.form = FieldForm()
        column = QVBoxLayout(self)
        column.addLayout(self.form)
        column.addStretch(1)  # keep rows together at the top, whatever the window height

    def collect(self, answers: SetupAnswers) -> None:
        raise NotImplementedError

    def validatePage(self) -> bool:  # noqa: N802 (Qt)
        wizard: SetupWizard = self.wizard()
        self.collect(wizard.answers)
        self.form.clear_errors()
        try:
            self.check(wizard)
        except DomainError as exc:
            self.form.show_error(exc, self.FALLBACK)
            return False
        return True

    def check(self, wizard: "SetupWizard") -> None:
        if self.UPTO:
            dry_run(wizard.store, wizard.answers, self.UPTO)


class StructurePage(_Page):
    UPTO, FALLBACK = "structure", "matricule"

    def __init__(self):
        super().__init__(_("Votre structure"),
                         _("Le matricule France services figure dans votre convention et sur la carte nationale."))
        f = self.form
        self.matricule = f.add("matricule", _("&Matricule France services"), _line("123456"), _("Matricule France services"))
        self.name = f.add("name", _("&Nom"), _line(_("France services de …")), _("Nom de la structure"))
        kinds = QWidget()
        row = QVBoxLayout(kinds)
        row.setContentsMargins(0, 0, 0, 0)
        self.fixed = QRadioButton(_("Structure &fixe"))
        self.bus = QRadioButton(_("&Bus itinérant"))
        self.fixed.setChecked(True)
        group = QButtonGroup(self)
        for button in (self.fixed, self.bus):
            button.setAccessibleName(button.text().replace("&", ""))
            group.addButton(button)
            row.addWidget(button)
        f.add("kind", _("Type"), kinds, _("Type de structure"))
        self.stops = QPlainTextEdit()
        self.stops.setTabChangesFocus(True)
        self.stops.setPlaceholderText(_("Un arrêt par ligne, par exemple :\nPlace de la mairie\nMarché couvert"))
        self.stops.setFixedHeight(90)
        f.add("stop", _("&Arrêts du bus"), self.stops, _("Arrêts du bus, un par ligne"))
        self.bus.toggled.connect(self.stops.setEnabled)
        self.stops.setEnabled(False)

    def collect(self, a: SetupAnswers) -> None:
        a.matricule = self.matricule.text()
        a.name = self.name.text()
        a.kind = (StructureKind.BUS if self.bus.isChecked() else StructureKind.FIXE).value
        a.stops = self.stops.toPlainText().splitlines()


class AdminPage(_Page):
    UPTO, FALLBACK = "admin", "login"

    def __init__(self):
        super().__init__(_("Premier administrateur"),
                         _("Ce compte gère les agents et les paramètres. Vous créerez les autres agents ensuite."))
        f = self.form
        self.login = f.add("login", _("&Identifiant"), _line("prenom.nom"), _("Identifiant de connexion"))
        self.display = f.add("display_name", _("Nom &affiché"), _line(), _("Nom affiché"))
        self.password = f.add("password", _("Mot de &passe"), _line(password=True), _("Mot de passe"))
        self.confirm = f.add("confirm", _("&Confirmation"), _line(password=True), _("Confirmation du mot de passe"))

    def collect(self, a: SetupAnswers) -> None:
        a.login, a.display_name, a.password = self.login.text(), self.display.text(), self.password.text()

    def check(self, wizard: "SetupWizard") -> None:
        if self.password.text() != self.confirm.text():
            raise ValidationError(_("Les deux mots de passe ne sont pas identiques."), field="confirm")
        super().check(wizard)


class ServicePage(_Page):
    FALLBACK = "url"

    def __init__(self):
        super().__init__(_("Service national de suivi"),
                         _("Adresse et jeton fournis par l'ANCT. Vous pouvez les saisir plus tard dans Paramètres."))
        f = self.form
        self.url = f.add("url", _("&Adresse du service"), _line("https://"), _("Adresse du service national"))
        self.token = f.add("token", _("&Jeton d'accès"), _line(password=True), _("Jeton d'accès au service national"))
        self.keyring_note = QLabel()
        self.keyring_note.setObjectName("keyring_note")
        self.keyring_note.setWordWrap(True)
        data_label(self.keyring_note, _("État du trousseau"))
        f.addRow(self.keyring_note)
        self.secure = False

    def initializePage(self) -> None:  # noqa: N802 (Qt)
        self.secure, message = keyring_status()
        if self.secure and passphrase_mode():
            self.keyring_note.setText(_("Le jeton sera enregistré chiffré, protégé par la phrase de passe du site."))
        elif self.secure:
            self.keyring_note.setText(_("Le jeton sera enregistré dans le trousseau sécurisé de cet ordinateur."))
        else:
            self.token.clear()
            self.keyring_note.setText(
                "⚠ " + message + "\n\n" + _("Vous pouvez continuer sans enregistrer le jeton : Guichet fonctionne "
                                            "hors ligne, et le jeton pourra être saisi dans Paramètres une fois "
                                            "le trousseau activé."))
        self.token.setEnabled(self.secure)

    def collect(self, a: SetupAnswers) -> None:
        a.service_url = self.url.text()
        a.token = self.token.text() if self.secure else ""

    def check(self, wizard: "SetupWizard") -> None:
        check_service_url(self.url.text())


class LanguagePage(_Page):
    def __init__(self):
        super().__init__(_("Langue"), _("Langue de l'interface sur ce poste, appliquée au prochain démarrage. Modifiable dans Paramètres."))
        self.french = QRadioButton("&Français")
        self.english = QRadioButton("&English")
        self.french.setChecked(True)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        for button in (self.french, self.english):
            button.setAccessibleName(button.text().replace("&", ""))
            column.addWidget(button)
        self.form.add("language", _("Langue"), box, _("Langue de l'interface"))

    def collect(self, a: SetupAnswers) -> None:
        a.language = "en" if self.english.isChecked() else "fr"


_PAGE_OF_FIELD = {"matricule": 0, "name": 0, "kind": 0, "stop": 0, "login": 1, "display_name": 1,
                  "password": 1, "confirm": 1, "role": 1, "url": 2, "token": 2, "language": 3}


class SetupWizard(QWizard):
    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.answers = SetupAnswers()
        self.token_saved = False
        self.grant = None  # the new administrator, logged in, once « Terminer » succeeded
        self.setWindowTitle(_("Mise en service de Guichet"))
        self.setWindowIcon(app_icon())
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, QPixmap(str(resource_path("icons", "guichet-48.png"))))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        for which, text in ((QWizard.WizardButton.NextButton, _("&Suivant >")),
                            (QWizard.WizardButton.BackButton, _("< &Précédent")),
                            (QWizard.WizardButton.FinishButton, _("&Terminer")),
                            (QWizard.WizardButton.CancelButton, _("Annuler"))):
            self.setButtonText(which, text)
            self.button(which).setAccessibleName(text.replace("&", "").strip("<> "))
        self.pages = [StructurePage(), AdminPage(), ServicePage(), LanguagePage()]
        for page in self.pages:
            self.addPage(page)
        self.resize(640, 520)

    def accept(self) -> None:
        for page in self.pages:
            page.collect(self.answers)
        try:
            result = apply_setup(self.store, self.answers)
        except ValidationError as exc:  # e.g. a matricule taken meanwhile: back to its page
            index = _PAGE_OF_FIELD.get(exc.field or "", 0)
            while self.currentId() > index:
                self.back()
            self.pages[index].form.show_error(exc, self.pages[index].FALLBACK or "language")
            return
        except DomainError as exc:
            from app.store.secrets import SecretStoreUnavailable

            if isinstance(exc, SecretStoreUnavailable):  # nothing was written: fix or clear the token
                while self.currentId() > 2:
                    self.back()
                self.pages[2].form.show_error(ValidationError(exc.message, field="token"), "token")
            else:
                QMessageBox.critical(self, _("Mise en service impossible"), exc.message)
            return
        from app import config
        from app.ui import prefs

        # Per-user preference read at start-up. Not switched now: the main window behind the
        # wizard is already built, and half-translated screens are worse than one restart.
        prefs.put(config.LANGUAGE, self.answers.language)
        self.grant, self.token_saved = result.grant, result.token_saved
        super().accept()


def run_setup_wizard(store_path: Path, parent: QWidget | None = None, store=None):
    """Show the wizard on the store at `store_path` (opened here unless given). Returns the Grant
    of the administrator it created (they just typed their password twice), or None if cancelled."""
    own = store is None
    if own:
        from app.core.bootstrap import open_app_store

        store = open_app_store(Path(store_path))
    try:
        wizard = SetupWizard(store, parent)
        return wizard.grant if wizard.exec() == QWizard.DialogCode.Accepted else None
    finally:
        if own:
            store.close()
