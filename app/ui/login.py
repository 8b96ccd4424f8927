"""Login dialog: who is at the desk, with their password once agents have one.

Used at start-up (`login_flow`, called by app.ui.app.choose_actor), by « Changer d'agent » and
by the lock screen. Password checks, throttling and journaling are in app.core.auth; this
module only shows the outcome next to the password field.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout)

from app import config
from app.i18n import _
from app.ui.widgets import FieldError


class LoginDialog(QDialog):
    """Pick an agent and type their password. `actor` holds the Grant after accept().

    With `store=None` the dialog is *pending* (start-up on a store with passwords,
    app/ui/early_login.py): it paints at once and takes the password while the store opens in the
    background; `set_store()` fills the agents, and a password already submitted is checked then."""

    def __init__(self, store, parent=None, *, preselect_login: str | None = None, clock=None,
                 title: str | None = None, exclude_agent_id: int | None = None):
        super().__init__(parent)
        self.store, self.clock, self.actor = store, clock, None
        self._preselect, self._exclude, self._submitted = preselect_login, exclude_agent_id, False
        self.setWindowTitle(title or _("Connexion"))
        self.setAccessibleName(self.windowTitle())
        self.setModal(True)
        self.setMinimumWidth(460)  # room for the error text and long agent names at 200 % text
        if store is not None:
            from app.core import auth

            screen = auth.login_screen(store)
            self.choices = [c for c in screen.choices if c[0] != exclude_agent_id]
            self.passwords_on = screen.passwords_on
        else:
            self.choices, self.passwords_on = [], True

        layout = QVBoxLayout(self)
        self.intro = intro = QLabel()
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.agent_combo = QComboBox()
        self.agent_combo.setAccessibleName(_("Agent"))
        self._fill()
        agent_label = QLabel(_("&Agent :"))
        agent_label.setBuddy(self.agent_combo)
        form.addRow(agent_label, self.agent_combo)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.Password)
        self.password_edit.setAccessibleName(_("Mot de passe"))
        self.password_label = QLabel(_("&Mot de passe :"))
        self.password_label.setBuddy(self.password_edit)
        form.addRow(self.password_label, self.password_edit)
        self.error = FieldError(self)
        form.addRow("", self.error)
        layout.addLayout(form)
        self.password_edit.setVisible(self.passwords_on)
        self.password_label.setVisible(self.passwords_on)

        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(_("Se connecter"))
        buttons.button(QDialogButtonBox.Ok).setAccessibleName(_("Se connecter"))
        buttons.button(QDialogButtonBox.Cancel).setText(_("Annuler"))
        buttons.button(QDialogButtonBox.Cancel).setAccessibleName(_("Annuler"))
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        (self.password_edit if self.passwords_on else self.agent_combo).setFocus(Qt.OtherFocusReason)

    def _fill(self) -> None:
        self.intro.setText(_("Qui est au guichet ?") if not self.passwords_on
                           else _("Choisissez votre nom et saisissez votre mot de passe."))
        self.agent_combo.clear()
        if self.store is None:
            self.agent_combo.addItem(_("Ouverture des données…"), None)
        for agent_id, name, login in self.choices:
            self.agent_combo.addItem(f"{name} ({login})", agent_id)
        logins = [c[2] for c in self.choices]
        if self._preselect in logins:
            self.agent_combo.setCurrentIndex(logins.index(self._preselect))
        self.agent_combo.setEnabled(self.store is not None)

    def set_store(self, store, screen) -> None:
        """The store is open (pending dialog): list the agents; check a password already submitted."""
        self.store = store
        self.choices = [c for c in screen.choices if c[0] != self._exclude]
        self.passwords_on = screen.passwords_on
        self._fill()
        self.ok_button.setEnabled(True)
        if self._submitted:
            self._submitted = False
            self.try_login()

    def try_login(self) -> bool:
        if self.store is None:  # still opening: checked as soon as it is open (set_store)
            self._submitted = True
            self.ok_button.setEnabled(False)
            return False
        from app.core import auth
        from app.models.errors import DomainError

        agent_id = self.agent_combo.currentData()
        if agent_id is None:
            self.error.show_error(_("Aucun agent n'est enregistré."), self.agent_combo)
            return False
        now = self.clock() if self.clock else None
        try:
            self.actor = auth.login(self.store, agent_id, self.password_edit.text(), now=now)
        except DomainError as exc:
            self.password_edit.clear()
            self.error.show_error(exc.message, self.password_edit)
            self.password_edit.setFocus(Qt.OtherFocusReason)
            return False
        self.password_edit.clear()  # never keep the secret in a widget longer than needed
        self.error.clear_error(self.password_edit)
        self.accept()
        return True


def login_flow(store, parent=None, *, clock=None):
    """Start-up login. Returns the Grant a Desk is opened with, or None if cancelled. While no agent
    has a password, GUICHET_AGENT (or a lone agent) logs in without a dialog, still journaled; once
    passwords are on it only preselects that agent in the dialog. No password is ever read from the
    environment: a scripted run types it into the dialog, as tests/ui/test_login_lock.py does."""
    from app.core import auth
    from app.models.errors import DomainError
    from app.ui import prefs

    screen = auth.login_screen(store)
    people, passwords_on = screen.choices, screen.passwords_on
    if not people:
        return None
    wanted = config.AGENT.get()
    actor = None
    if not passwords_on and (wanted or len(people) == 1):
        chosen = next((a for a in people if a[2] == wanted), min(people))  # else the first agent created
        try:
            actor = auth.login(store, chosen[0], "", now=clock() if clock else None)
        except DomainError:
            actor = None  # refused (throttled, deactivated meanwhile): the dialog says why
    if actor is None:
        dialog = LoginDialog(store, parent, preselect_login=wanted or prefs.get(config.LAST_AGENT_LOGIN), clock=clock)
        if dialog.exec() != QDialog.Accepted or dialog.actor is None:
            return None
        actor = dialog.actor
    prefs.put(config.LAST_AGENT_LOGIN, next(login for agent_id, _name, login in people if agent_id == actor.agent_id))
    remember_login_first(store.path, passwords_on)
    return actor


def remember_login_first(path, passwords_on: bool) -> None:
    """After a login: whether the next start on this store shows the login dialog first
    (app/ui/early_login.py). Only a store with passwords does."""
    from app.ui import prefs

    hint = prefs.get(config.LOGIN_FIRST_STORE)
    if passwords_on and hint != str(path):
        prefs.put(config.LOGIN_FIRST_STORE, str(path))
    elif not passwords_on and hint == str(path):  # another store (a demo) leaves the hint alone
        prefs.put(config.LOGIN_FIRST_STORE, "")
