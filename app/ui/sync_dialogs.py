"""Dialogs of the national sync: preflight (what will be sent, month by month), the sync journal,
month closing by a supervisor (and corrections with a reason), and the service address and token."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHeaderView, QLabel, QLineEdit,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout)

from app.i18n import _, format_datetime, format_month, format_number, label
from app.ui.a11y import data_label
from app.models.errors import DomainError, ValidationError
from app.ui.widgets import FieldError


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.setEditTriggers(QTableWidget.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectRows)
    table.setSelectionMode(QTableWidget.SingleSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(str(value))
            if isinstance(value, int):
                item.setText(format_number(value))
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            table.setItem(r, c, item)


def _local(at):
    """Journal times are stored in UTC; show the desk's local time."""
    from datetime import timezone

    return at.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None) if at else at


def _label(vocabulary: str, code: str) -> str:
    try:
        return label(vocabulary, code)
    except Exception:  # a code unknown to this version's vocabularies: show it as is
        return code


class PreflightDialog(QDialog):
    """Month by month: state, totals, hash; the selected month's detailed lines below."""

    send_requested = Signal()

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        actor = desk.actor
        self.setWindowTitle(_("Envoi national — aperçu"))
        self.setAccessibleName(_("Aperçu de l'envoi national"))
        self.resize(980, 600)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Seuls des totaux sont envoyés : aucun nom, téléphone, note ni précision ne quitte "
                         "cet ordinateur. « → » : sera envoyé à la prochaine synchronisation."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.months = _table([_("Mois"), _("État"), _("Clôturé"), _("Accompagnements"), _("Usagers"), _("Lignes"),
                              _("Empreinte"), _("Motif")], _("Mois à envoyer"))
        self.detail = _table([_("Partenaire"), _("Type de réponse"), _("Canal"), _("Arrêt du bus"), _("Nombre")],
                             _("Détail du mois sélectionné"))
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(self.months)
        splitter.addWidget(self.detail)
        layout.addWidget(splitter, 1)
        self.buttons = QDialogButtonBox()
        self.send_button = self.buttons.addButton(_("Envoyer maintenant"), QDialogButtonBox.AcceptRole)
        self.send_button.setAccessibleName(_("Envoyer maintenant"))
        self.close_month_button = self.buttons.addButton(_("Clôturer le mois…"), QDialogButtonBox.ActionRole)
        self.close_month_button.setAccessibleName(_("Clôturer le mois sélectionné (ou le corriger)"))
        self.close_month_button.setVisible(actor.can("sync_close_month"))
        # a month held under a wrong clock: the supervisor checked its dates (as `sync --liberer`)
        self.release_button = self.buttons.addButton(_("Libérer le mois retenu…"), QDialogButtonBox.ActionRole)
        self.release_button.setAccessibleName(_("Libérer le mois retenu sélectionné"))
        self.release_button.setVisible(actor.can("sync_close_month"))
        close = self.buttons.addButton(QDialogButtonBox.Close)
        close.setText(_("Fermer"))
        close.setAccessibleName(_("Fermer"))
        self.buttons.rejected.connect(self.reject)
        self.send_button.clicked.connect(self._send)
        self.close_month_button.clicked.connect(self._close_month)
        self.release_button.clicked.connect(self._release)
        layout.addWidget(self.buttons)
        self.months.currentCellChanged.connect(lambda row, *_: self._show_detail(row))
        self.reload()

    def reload(self) -> None:
        from app.sync.state import month_states

        self.rows = self.desk.query(lambda session, actor: month_states(session, actor.structure_id))
        _fill(self.months, [[("→ " if s.pending else "") + format_month(s.month), s.label,
                             _("oui") if s.closed else _("non"), s.total, snap.payload["totals"]["usagers"],
                             len(snap.payload["cube"]), snap.hash[:12], s.reason] for s, snap in self.rows])
        self.send_button.setEnabled(any(s.pending for s, _snap in self.rows))
        if self.rows:
            self.months.selectRow(len(self.rows) - 1)
            self._show_detail(len(self.rows) - 1)

    def selected(self):
        row = self.months.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _show_detail(self, row: int) -> None:
        held = 0 <= row < len(self.rows) and self.rows[row][0].state == "retenu"
        self.release_button.setEnabled(held)
        if not 0 <= row < len(self.rows):
            self.detail.setRowCount(0)
            return
        cube = self.rows[row][1].payload["cube"]
        _fill(self.detail, [[c["partner"], _label("response_type", c["response_type"]), _label("canal", c["canal"]),
                             c["bus_stop"] or "—", c["count"]] for c in cube])

    def _send(self) -> None:
        self.send_requested.emit()
        self.accept()

    def _close_month(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        dialog = CloseMonthDialog(self.desk, chosen[0].month, self)
        if dialog.exec():
            self.reload()


    def _release(self, _checked=False, ask=None) -> None:
        from app.ui.sync_release import release_held_month

        chosen = self.selected()
        if chosen is not None and release_held_month(self, self.desk, chosen[0].month, ask):
            self.reload()


class CloseMonthDialog(QDialog):
    """Supervisor validation of a month; once closed, a change needs a correction reason."""

    def __init__(self, desk, month, parent=None):
        super().__init__(parent)
        from app.sync.state import month_state

        self.desk, self.month = desk, month
        self.state = desk.query(lambda session, actor: month_state(session, actor.structure_id, month))
        self.correction = self.state.closed
        self.setWindowTitle(_("Clôture du mois de %s") % format_month(month))
        self.setMinimumWidth(560)
        self.setAccessibleName(self.windowTitle())
        layout = QVBoxLayout(self)
        if self.correction:
            text = _("Ce mois est déjà clôturé. Ses totaux ont changé depuis : la correction sera enregistrée "
                     "au journal et renvoyée avec son motif.") if self.state.needs_correction else \
                _("Ce mois est clôturé et n'a pas changé : aucune correction n'est nécessaire.")
        else:
            text = _("Vous validez les totaux de ce mois (%s accompagnements). Toute modification ultérieure "
                     "exigera une correction motivée.") % format_number(self.state.total)
        info = QLabel(text)
        info.setWordWrap(True)
        layout.addWidget(info)
        form = QFormLayout()
        from app.sync.state import correction_reasons

        # The reason is a code from a list (it is sent nationally); the note stays on this computer.
        self.reason = QComboBox()
        self.reason.setAccessibleName(_("Motif de la correction"))
        self.reason.addItem(_("— choisir un motif —"), "")
        for code, text in correction_reasons():
            self.reason.addItem(text, code)
        reason_label = QLabel(_("&Motif de la correction :"))
        reason_label.setBuddy(self.reason)
        self.note = QLineEdit()
        self.note.setAccessibleName(_("Précision (reste sur ce poste)"))
        self.note.setMaxLength(300)
        self.note.setPlaceholderText(_("facultatif, sauf pour « autre » ; jamais envoyé"))
        note_label = QLabel(_("&Précision (reste sur ce poste) :"))
        note_label.setBuddy(self.note)
        self.error = FieldError()
        if self.correction:
            form.addRow(reason_label, self.reason)
            form.addRow(note_label, self.note)
            form.addRow("", self.error)
        else:
            self.reason.hide()
            self.note.hide()
            layout.addWidget(self.error)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok = buttons.button(QDialogButtonBox.Ok)
        self.ok.setText(_("Enregistrer la correction") if self.correction else _("Valider et clôturer"))
        self.ok.setAccessibleName(self.ok.text())
        self.ok.setEnabled(not self.correction or self.state.needs_correction)
        buttons.button(QDialogButtonBox.Cancel).setText(_("Annuler"))
        buttons.button(QDialogButtonBox.Cancel).setAccessibleName(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        from app.sync.state import close_month, record_correction

        try:
            if self.correction:
                reason, note = self.reason.currentData() or "", self.note.text()
                self.desk.op(lambda session, actor: record_correction(session, actor, actor.structure_id,
                                                                      self.month, reason, note))
            else:
                self.desk.op(lambda session, actor: close_month(session, actor, actor.structure_id, self.month))
        except ValidationError as exc:
            widget = {"reason": self.reason, "note": self.note}.get(exc.field)
            self.error.show_error(exc.message, widget)
            (widget or self.ok).setFocus()
            return
        except DomainError as exc:
            self.error.show_error(exc.message)
            return
        self.accept()


class JournalDialog(QDialog):
    """Every attempt, closing, correction and reconciliation, newest first (supervisors)."""

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        from app.sync.client import journal

        self.setWindowTitle(_("Journal de l'envoi national"))
        self.setAccessibleName(self.windowTitle())
        self.resize(1000, 520)
        self.entries = desk.query(lambda session, actor: journal(session, actor, actor.structure_id))
        layout = QVBoxLayout(self)
        self.table = _table([_("Date"), _("Mois"), _("Opération"), _("Résultat"), _("Tentative"), _("HTTP"),
                             _("Empreinte"), _("Réponse du serveur")], _("Journal de l'envoi national"))
        kinds = {"envoi": _("envoi"), "cloture": _("clôture"), "correction": _("correction"),
                 "rapprochement": _("rapprochement"), "export": _("export"), "horloge": _("horloge"),
                 "retenue": _("mois retenu"), "liberation": _("mois libéré"), "identite": _("identité"),
                 "realignement": _("réalignement"), "reprise": _("reprise")}
        outcomes = {"en_cours": _("en cours"), "accepte": _("accepté"), "reessai": _("à réessayer"),
                    "rejete": _("refusé"), "jeton": _("jeton refusé"), "interrompu": _("interrompu"),
                    "hors_ligne": _("hors ligne"), "exporte": _("exporté"), "cloture": _("clôturé"),
                    "correction": _("corrigé"), "ecart": _("écart constaté"), "retenu": _("retenu"),
                    "libere": _("libéré"), "copie": _("copie de base"), "restauration": _("base restaurée"),
                    "reprise": _("repris"), "horloge": _("horloge incorrecte")}
        _fill(self.table, [[format_datetime(_local(e.at)), format_month(e.month) if e.month else "—",
                            kinds.get(e.kind, e.kind), outcomes.get(e.outcome, e.outcome),
                            e.attempt or "", e.http_status or "", e.hash[:12], e.answer] for e in self.entries])
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(_("Fermer"))
        buttons.button(QDialogButtonBox.Close).setAccessibleName(_("Fermer"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class ServiceDialog(QDialog):
    """Service address (store settings) and token (OS keyring only; refused clearly without one)."""

    def __init__(self, desk, parent=None, token_only: bool = False):
        super().__init__(parent)
        from app.sync import settings

        self.desk = desk
        self.setWindowTitle(_("Service national : adresse et jeton"))
        self.setMinimumWidth(640)
        self.setAccessibleName(self.windowTitle())
        layout = QVBoxLayout(self)
        form = QFormLayout()
        current = desk.query(lambda session, _actor: settings.service_url(session))
        self.url = QLineEdit(current)
        self.url.setAccessibleName(_("Adresse du service national"))
        self.url.setPlaceholderText("https://…")
        url_label = QLabel(_("&Adresse :"))
        url_label.setBuddy(self.url)
        self.url_error = FieldError()
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.Password)
        self.token.setAccessibleName(_("Jeton du service national"))
        token_label = QLabel(_("&Jeton :"))
        token_label.setBuddy(self.token)
        self.token_error = FieldError()
        form.addRow(url_label, self.url)
        form.addRow("", self.url_error)
        form.addRow(token_label, self.token)
        form.addRow("", self.token_error)
        layout.addLayout(form)
        secure, message = settings.keyring_status()
        self.keyring_label = QLabel(("✓ " if secure else "⚠ ") + message)
        self.keyring_label.setWordWrap(True)
        data_label(self.keyring_label, _("Trousseau du système"))
        layout.addWidget(self.keyring_label)
        self.token.setEnabled(secure)
        self.url.setEnabled(not token_only)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText(_("Enregistrer"))
        buttons.button(QDialogButtonBox.Save).setAccessibleName(_("Enregistrer"))
        buttons.button(QDialogButtonBox.Cancel).setText(_("Annuler"))
        buttons.button(QDialogButtonBox.Cancel).setAccessibleName(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.token if token_only and secure else self.url).setFocus()

    def save(self) -> None:
        from app.sync import settings

        self.url_error.clear_error(self.url)
        self.token_error.clear_error(self.token)
        try:
            settings.validate_url(self.url.text())
            if self.token.text():
                settings.save_token(self.token.text())  # before the URL: one failure, nothing written
            url, new_token = self.url.text(), bool(self.token.text())

            def write(session, actor):
                settings.set_service_url(session, actor, url)
                if new_token:
                    settings.set_needs_token(session, False)

            self.desk.op(write)
        except ValidationError as exc:
            target, error = (self.url, self.url_error) if exc.field == "url" else (self.token, self.token_error)
            error.show_error(exc.message, target)
            target.setFocus()
            return
        except DomainError as exc:  # no secure keyring, keyring refused
            self.token_error.show_error(exc.message, self.token)
            self.token.setFocus()
            return
        self.accept()


def install_actions(window, controller) -> None:
    """Outils › Envoi national : aperçu ; Supervision › journal, clôture, service."""
    from PySide6.QtGui import QAction

    def preflight():
        dialog = PreflightDialog(window.desk, window)
        dialog.send_requested.connect(controller.sync_now)
        dialog.exec()
        controller.refresh_state()

    def add(menu, text, slot):
        action = QAction(text, window)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    add(window.menu_tools, _("Envoi national : aperçu…"), preflight)
    if window.actor.can("read_sync_journal"):
        add(window.menu_supervision, _("Journal de l'envoi national…"),
            lambda: JournalDialog(window.desk, window).exec())
    if window.actor.can("configure_sync"):
        add(window.menu_supervision, _("Service national : adresse et jeton…"),
            lambda: ServiceDialog(window.desk, window).exec() and controller.refresh_state())

    def ask_token():
        if window.actor.can("configure_sync"):
            if ServiceDialog(window.desk, window, token_only=True).exec():
                controller.sync_now()
        else:
            window.statusBar().showMessage(_("Le service national refuse le jeton : prévenez un superviseur."), 10000)

    controller.token_needed.connect(ask_token)
