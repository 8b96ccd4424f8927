"""Paramètres: what the set-up wizard chose, editable later.

Tabs: the structure (matricule, name, bus stops), the agents (a view; accounts are managed in
the agents screen), the national service (URL in the store, token in the OS keyring) and the
language (a per-user preference). « Enregistrer » writes the structure, its stops and the URL in
one transaction; the token has its own button because a keyring is not transactional.
Only an administrator may change anything here; others see the values read-only. The writer
is app.core.structures.save_structure_settings, run through the desk.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QPushButton, QRadioButton, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)
from PySide6.QtCore import Qt

from app.i18n import _, label
from app.ui.a11y import data_label
from app.models.enums import StructureKind
from app.models.errors import DomainError, ValidationError
from app.ui.setup_wizard import FieldForm, app_icon, keyring_status

log = logging.getLogger(__name__)

_TAB_OF_FIELD = {"matricule": 0, "name": 0, "stop": 0, "url": 2, "token": 2}


# ---------------------------------------------------------------- dialog

class SettingsDialog(QDialog):
    def __init__(self, desk, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk = desk
        self.editable = desk.actor.can("setup_structure")
        self.removed_stop_ids: list[int] = []
        self.setWindowTitle(_("Paramètres"))
        self.setWindowIcon(app_icon())
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("Rubriques des paramètres"))
        self.tabs.addTab(self._structure_tab(), _("&Structure"))
        self.tabs.addTab(self._agents_tab(), _("A&gents"))
        self.tabs.addTab(self._service_tab(), _("Service &national"))
        self.tabs.addTab(self._language_tab(), _("&Langue"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        data_label(self.message, _("Message"))
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(_("&Enregistrer"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setAccessibleName(_("Enregistrer les paramètres"))
        self.save_button.setEnabled(self.editable)
        close = buttons.addButton(_("&Fermer"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAccessibleName(_("Fermer"))
        self.save_button.clicked.connect(self.save)
        close.clicked.connect(self.reject)
        column = QVBoxLayout(self)
        if not self.editable:
            note = QLabel(_("Seul un administrateur peut modifier ces paramètres."))
            note.setAccessibleName(note.text())
            column.addWidget(note)
        column.addWidget(self.tabs)
        column.addWidget(self.message)
        column.addWidget(buttons)
        self.resize(680, 480)
        self.load()

    # -- tabs
    def _structure_tab(self) -> QWidget:
        page = QWidget()
        self.structure_form = f = FieldForm()
        self.matricule = f.add("matricule", _("&Matricule France services"), QLineEdit(), _("Matricule France services"))
        self.name = f.add("name", _("N&om"), QLineEdit(), _("Nom de la structure"))
        self.kind = data_label(f.add("kind", _("Type"), QLabel(), _("Type de structure")), _("Type de structure"))
        self.stops = QListWidget()
        self.stops.setFixedHeight(110)
        stop_box = QWidget()
        box = QVBoxLayout(stop_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.stops)
        row = QHBoxLayout()
        self.new_stop = QLineEdit()
        self.new_stop.setPlaceholderText(_("Nom du nouvel arrêt"))
        self.new_stop.setAccessibleName(_("Nom du nouvel arrêt"))
        self.add_stop_button = QPushButton(_("A&jouter l'arrêt"))
        self.add_stop_button.setAccessibleName(_("Ajouter l'arrêt"))
        self.remove_stop_button = QPushButton(_("&Retirer l'arrêt sélectionné"))
        self.remove_stop_button.setAccessibleName(_("Retirer l'arrêt sélectionné"))
        self.add_stop_button.clicked.connect(self.add_stop)
        self.new_stop.returnPressed.connect(self.add_stop)
        self.remove_stop_button.clicked.connect(self.remove_stop)
        for w in (self.new_stop, self.add_stop_button, self.remove_stop_button):
            row.addWidget(w)
        box.addLayout(row)
        f.add("stop", _("&Arrêts du bus"), stop_box, _("Arrêts du bus"))
        self.stops.setAccessibleName(_("Liste des arrêts du bus"))
        for w in (self.matricule, self.name, self.new_stop):
            w.setReadOnly(not self.editable)
        column = QVBoxLayout(page)
        column.addLayout(f)
        column.addStretch(1)
        return page

    def _agents_tab(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        self.agents_table = QTableWidget(0, 4)
        self.agents_table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
        self.agents_table.setHorizontalHeaderLabels([_("Nom"), _("Identifiant"), _("Rôle"), _("Mot de passe")])
        self.agents_table.setAccessibleName(_("Agents de la structure"))
        self.agents_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.agents_table.horizontalHeader().setStretchLastSection(True)
        self.agents_table.verticalHeader().hide()
        self.agents_note = QLabel(_("Les comptes se créent et se modifient dans la gestion des agents."))
        self.agents_note.setWordWrap(True)
        column.addWidget(self.agents_table)
        column.addWidget(self.agents_note)
        return page

    def _service_tab(self) -> QWidget:
        page = QWidget()
        self.service_form = f = FieldForm()
        self.url = f.add("url", _("Adresse du ser&vice"), QLineEdit(), _("Adresse du service national"))
        self.url.setPlaceholderText("https://")
        self.url.setReadOnly(not self.editable)
        token_box = QWidget()
        row = QHBoxLayout(token_box)
        row.setContentsMargins(0, 0, 0, 0)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(_("Nouveau jeton"))
        self.save_token_button = QPushButton(_("Enregistrer le je&ton"))
        self.save_token_button.setAccessibleName(_("Enregistrer le jeton dans le trousseau"))
        self.save_token_button.clicked.connect(self.save_token)
        row.addWidget(self.token, 1)
        row.addWidget(self.save_token_button)
        f.add("token", _("Jeton d'a&ccès"), token_box, _("Jeton d'accès au service national"))
        self.token.setAccessibleName(_("Jeton d'accès au service national"))
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        data_label(self.keyring_note, _("État du trousseau"))
        f.addRow(self.keyring_note)
        column = QVBoxLayout(page)
        column.addLayout(f)
        column.addStretch(1)
        return page

    def _language_tab(self) -> QWidget:
        from app import config
        from app.ui import prefs

        page = QWidget()
        column = QVBoxLayout(page)
        self.french = QRadioButton("França&is")
        self.english = QRadioButton("Englis&h")
        for button in (self.french, self.english):
            button.setAccessibleName(button.text().replace("&", ""))
            column.addWidget(button)
        (self.english if prefs.get(config.LANGUAGE) == "en" else self.french).setChecked(True)
        hint = QLabel(_("La langue choisie s'applique au prochain démarrage, pour votre session."))
        hint.setWordWrap(True)
        column.addWidget(hint)
        column.addStretch(1)
        return page

    # -- data
    def load(self) -> None:
        from app.core import auth, structures
        from app.sync import settings as sync_settings

        def read(session, actor):
            site = structures.get_structure(session, actor.structure_id)
            stops = structures.bus_stops(session, site.id) if site.kind == StructureKind.BUS.value else []
            people = auth.list_agents(session, actor) if actor.can("manage_agents") else None
            return site, stops, sync_settings.service_url(session), people

        site, stops, url, people = self.desk.query(read)
        self.matricule.setText(site.matricule)
        self.name.setText(site.name)
        self.kind.setText(label("structure_kind", site.kind))
        self.stops.clear()
        for stop in stops:
            item = QListWidgetItem(stop.name)
            item.setData(Qt.ItemDataRole.UserRole, stop.id)
            self.stops.addItem(item)
        is_bus = site.kind == StructureKind.BUS.value
        for w in (self.stops, self.new_stop, self.add_stop_button, self.remove_stop_button):
            w.setEnabled(is_bus and (self.editable or w is self.stops))
        self.url.setText(url)
        self._fill_agents(people)
        secure, message = keyring_status()
        self.keyring_secure = secure
        self.keyring_note.setText(_("Le jeton est conservé dans le trousseau sécurisé de cet ordinateur.")
                                  if secure else "⚠ " + message)
        for w in (self.token, self.save_token_button):
            w.setEnabled(secure and self.editable)

    def _fill_agents(self, people) -> None:
        if people is None:
            self.agents_table.hide()
            self.agents_note.setText(_("La liste des agents est réservée aux administrateurs."))
            return
        self.agents_table.setRowCount(len(people))
        for row, agent in enumerate(people):
            values = (agent.display_name, agent.login, label("role", agent.role),
                      _("défini") if agent.password_hash else _("à définir"))
            for col, value in enumerate(values):
                self.agents_table.setItem(row, col, QTableWidgetItem(value))
        self.agents_table.resizeColumnsToContents()

    def add_stop(self) -> None:
        name = self.new_stop.text().strip()
        if not name:
            self.new_stop.setFocus()
            return
        self.stops.addItem(QListWidgetItem(name))  # no id: created on « Enregistrer »
        self.new_stop.clear()

    def remove_stop(self) -> None:
        item = self.stops.currentItem()
        if item is None:
            return
        stop_id = item.data(Qt.ItemDataRole.UserRole)
        if stop_id is not None:
            self.removed_stop_ids.append(int(stop_id))
        self.stops.takeItem(self.stops.row(item))

    def new_stop_names(self) -> list[str]:
        return [self.stops.item(i).text() for i in range(self.stops.count())
                if self.stops.item(i).data(Qt.ItemDataRole.UserRole) is None]

    def save(self) -> bool:
        from app import config
        from app.ui import prefs

        self.structure_form.clear_errors()
        self.service_form.clear_errors()
        from app.core.structures import save_structure_settings

        try:
            self.desk.op(save_structure_settings, matricule=self.matricule.text(), name=self.name.text(),
                         new_stops=self.new_stop_names(), removed_stop_ids=self.removed_stop_ids,
                         service_url=self.url.text())
        except DomainError as exc:
            tab = _TAB_OF_FIELD.get(exc.field or "", None)
            if tab is None:
                self.message.setText("⚠ " + exc.message)
                return False
            self.tabs.setCurrentIndex(tab)
            form = self.structure_form if tab == 0 else self.service_form
            form.show_error(exc, "matricule" if tab == 0 else "url")
            return False
        prefs.put(config.LANGUAGE, "en" if self.english.isChecked() else "fr")
        self.removed_stop_ids = []
        self.load()
        self.message.setText(_("Paramètres enregistrés."))
        return True

    def save_token(self) -> None:
        from app.sync.settings import save_token

        self.service_form.clear_errors()
        try:
            save_token(self.token.text())
        except DomainError as exc:  # ValidationError or SecretStoreUnavailable: shown next to the field
            self.service_form.show_error(ValidationError(exc.message, field="token"), "token")
            self.token.setFocus()
            return
        self.token.clear()
        self.message.setText(_("Jeton enregistré dans le trousseau."))


def install(window) -> None:
    """Add « Paramètres… » to the Tools menu."""
    action = QAction(_("&Paramètres…"), window)
    action.setStatusTip(_("Structure, arrêts du bus, agents, service national, langue"))
    action.triggered.connect(lambda: SettingsDialog(window.desk, window).exec())
    window.menu_tools.addAction(action)
    window.act_settings = action
