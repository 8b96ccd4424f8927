"""Administration: agents (create, role, activity, password reset) and security settings
(auto-lock minutes, retention months). Every change goes through app.core.auth / retention,
which check the administrator role and journal it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from app.i18n import _, label
from app.models.enums import Role
from app.ui.widgets import with_error


class AgentsDialog(QDialog):
    def __init__(self, desk, parent=None):
        super().__init__(parent)
        actor = desk.actor
        actor.require("manage_agents")  # the service checks again; this avoids an empty window
        self.desk = desk
        self.setWindowTitle(_("Agents et sécurité"))
        self.setAccessibleName(self.windowTitle())
        self.resize(760, 620)
        layout = QVBoxLayout(self)

        self.table = QTableWidget(0, 4)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
        self.table.setAccessibleName(_("Liste des agents"))
        self.table.setHorizontalHeaderLabels([_("Nom"), _("Identifiant"), _("Rôle"), _("Actif")])
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setSelectionMode(QTableWidget.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)

        edit = QGroupBox(_("Agent sélectionné ou nouvel agent"))
        form = QFormLayout(edit)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName(_("Nom affiché"))
        self.login_edit = QLineEdit()
        self.login_edit.setAccessibleName(_("Identifiant"))
        self.role_combo = QComboBox()
        self.role_combo.setAccessibleName(_("Rôle"))
        for role in Role:
            self.role_combo.addItem(label("role", role.value), role.value)
        self.active_check = QCheckBox(_("Compte actif"))
        self.active_check.setAccessibleName(_("Compte actif"))
        self.active_check.setChecked(True)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.Password)
        self.password_edit.setAccessibleName(_("Nouveau mot de passe"))
        self.password_edit.setPlaceholderText(_("12 caractères, 3 types, ou une phrase de 5 mots"))
        boxes = {}
        for key, widget, text in (("name", self.name_edit, _("&Nom :")), ("login", self.login_edit, _("&Identifiant :")),
                                  ("role", self.role_combo, _("&Rôle :")),
                                  ("password", self.password_edit, _("&Mot de passe :"))):
            box, boxes[key] = with_error(widget)
            caption = QLabel(text)
            caption.setBuddy(widget)
            form.addRow(caption, box)
        form.addRow("", self.active_check)
        self.errors = boxes
        self.fields = {"name": self.name_edit, "login": self.login_edit, "role": self.role_combo,
                       "password": self.password_edit}
        row = QHBoxLayout()
        self.new_button = QPushButton(_("No&uvel agent"))
        self.save_button = QPushButton(_("&Enregistrer"))
        for b in (self.new_button, self.save_button):
            b.setAccessibleName(b.text().replace("&", ""))
            row.addWidget(b)
        form.addRow(row)
        layout.addWidget(edit)

        settings = QGroupBox(_("Sécurité"))
        sform = QFormLayout(settings)
        self.lock_spin = QSpinBox()
        self.lock_spin.setRange(1, 60)
        self.lock_spin.setSuffix(_(" min"))
        self.lock_spin.setAccessibleName(_("Verrouillage automatique après (minutes)"))
        self.retention_spin = QSpinBox()
        self.retention_spin.setRange(1, 120)
        self.retention_spin.setSuffix(_(" mois"))
        self.retention_spin.setAccessibleName(_("Durée de conservation (mois après le dernier contact)"))
        for widget, text in ((self.lock_spin, _("&Verrouillage automatique après :")),
                             (self.retention_spin, _("&Conservation après le dernier contact :"))):
            caption = QLabel(text)
            caption.setBuddy(widget)
            sform.addRow(caption, widget)
        self.settings_error = QLabel()
        self.settings_error.setWordWrap(True)
        sform.addRow(self.settings_error)
        self.settings_button = QPushButton(_("Enregistrer les ré&glages"))
        self.settings_button.setAccessibleName(_("Enregistrer les réglages"))
        sform.addRow(self.settings_button)
        settings.setEnabled(actor.can("configure_security"))
        layout.addWidget(settings)

        close = QDialogButtonBox(QDialogButtonBox.Close)
        close.button(QDialogButtonBox.Close).setText(_("Fermer"))
        close.button(QDialogButtonBox.Close).setAccessibleName(_("Fermer"))
        close.rejected.connect(self.reject)
        layout.addWidget(close)

        self.table.itemSelectionChanged.connect(self._selected)
        self.new_button.clicked.connect(self.clear_form)
        self.save_button.clicked.connect(self.save)
        self.settings_button.clicked.connect(self.save_settings)
        self.editing_id: int | None = None
        self.reload()

    def reload(self) -> None:
        from app.core import auth, retention

        self.agents, minutes, months = self.desk.query(
            lambda session, actor: (auth.list_agents(session, actor, include_inactive=True),
                                    auth.autolock_minutes(session), retention.retention_months(session)))
        self.lock_spin.setValue(minutes)
        self.retention_spin.setValue(months)
        self.table.setRowCount(len(self.agents))
        for r, a in enumerate(self.agents):
            for c, value in enumerate((a.display_name, a.login, label("role", a.role), _("oui") if a.active else _("non"))):
                self.table.setItem(r, c, QTableWidgetItem(value))

    def clear_form(self) -> None:
        self.table.clearSelection()
        self.editing_id = None
        for w in (self.name_edit, self.login_edit, self.password_edit):
            w.clear()
        self.login_edit.setEnabled(True)
        self.active_check.setChecked(True)
        self.name_edit.setFocus(Qt.OtherFocusReason)

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        agent = self.agents[rows[0].row()]
        self.editing_id = agent.id
        self.name_edit.setText(agent.display_name)
        self.login_edit.setText(agent.login)
        self.login_edit.setEnabled(False)  # logins are stable: the journal refers to agents by id anyway
        self.role_combo.setCurrentIndex(max(0, self.role_combo.findData(agent.role)))
        self.active_check.setChecked(agent.active)
        self.password_edit.clear()

    def _clear_errors(self) -> None:
        for key, error in self.errors.items():
            error.clear_error(self.fields[key])

    def save(self) -> bool:
        from app.core import auth
        from app.models.errors import DomainError

        self._clear_errors()
        password = self.password_edit.text()
        editing_id, login, name = self.editing_id, self.login_edit.text(), self.name_edit.text()
        role, active = self.role_combo.currentData(), self.active_check.isChecked()

        def write(session, actor):
            if editing_id is None:
                auth.add_agent(session, actor, login, name, role, password or None)
            else:
                # the core requires a password for an active agent who has none
                auth.update_agent(session, actor, editing_id, role=role, active=active, display_name=name,
                                  password=password or None)

        try:
            self.desk.op(write)
        except DomainError as exc:
            key = {"display_name": "name"}.get(exc.field, exc.field)
            if key in self.errors:
                self.errors[key].show_error(exc.message, self.fields[key])
                self.fields[key].setFocus(Qt.OtherFocusReason)
            else:
                QMessageBox.warning(self, _("Agents"), exc.message)
            return False
        self.password_edit.clear()
        self.reload()
        self.clear_form()
        return True

    def save_settings(self) -> bool:
        from app.core import auth, retention
        from app.models.errors import DomainError

        minutes, months = self.lock_spin.value(), self.retention_spin.value()

        def write(session, actor):
            auth.set_autolock_minutes(session, actor, minutes)
            retention.set_retention_months(session, actor, months)

        try:
            self.desk.op(write)
        except DomainError as exc:
            self.settings_error.setText("⚠ " + exc.message)
            return False
        self.settings_error.setText(_("Réglages enregistrés. Le verrouillage s'applique au prochain démarrage."))
        return True


def install(window) -> None:
    from app.models.errors import DomainError

    def open_dialog():
        try:
            AgentsDialog(window.desk, window).exec()
        except DomainError as exc:
            QMessageBox.warning(window, _("Agents"), exc.message)

    action = window.menu_supervision.addAction(_("A&gents et sécurité…"))
    action.triggered.connect(open_dialog)
