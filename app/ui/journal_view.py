"""Supervision: the audit journal (filter, integrity check, CSV export), the retention run and
the RGPD rights of the usager of the selected case (access export, erasure)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from app.i18n import _


class JournalDialog(QDialog):
    def __init__(self, store, actor, parent=None):
        super().__init__(parent)
        self.COLUMNS = (_("N°"), _("Date (UTC)"), _("Agent"), _("Action"), _("Objet"), _("Détail"))
        from app.core import journal, structures

        actor.require("read_journal")  # the service checks again; this avoids an empty window
        self.store, self.actor = store, actor
        self.setWindowTitle(_("Journal des accès et des actions"))
        self.setAccessibleName(self.windowTitle())
        self.resize(980, 560)
        layout = QVBoxLayout(self)
        filters = QFormLayout()
        row = QHBoxLayout()
        self.start_edit = QDateEdit(QDate.currentDate().addDays(-30))
        self.end_edit = QDateEdit(QDate.currentDate())
        for edit, name in ((self.start_edit, _("Du")), (self.end_edit, _("Au"))):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setAccessibleName(name)
            row.addWidget(QLabel(name))
            row.addWidget(edit)
        filters.addRow(_("Période :"), row)
        self.agent_combo = QComboBox()
        self.agent_combo.setAccessibleName(_("Agent"))
        self.agent_combo.addItem(_("Tous les agents"), None)
        with store.read() as session:
            for agent in structures.agents(session):
                self.agent_combo.addItem(agent.display_name, agent.id)
        agent_label = QLabel(_("A&gent :"))
        agent_label.setBuddy(self.agent_combo)
        filters.addRow(agent_label, self.agent_combo)
        self.action_combo = QComboBox()
        self.action_combo.setAccessibleName(_("Action"))
        self.action_combo.addItem(_("Toutes les actions"), None)
        for code, label in sorted(journal.ACTION_LABELS.items(), key=lambda kv: kv[1]):
            self.action_combo.addItem(_(label), code)
        action_label = QLabel(_("A&ction :"))
        action_label.setBuddy(self.action_combo)
        filters.addRow(action_label, self.action_combo)
        self.object_edit = QLineEdit()
        self.object_edit.setAccessibleName(_("Objet (référence)"))
        self.object_edit.setPlaceholderText(_("ex. usager:… ou agent:3"))
        object_label = QLabel(_("&Objet :"))
        object_label.setBuddy(self.object_edit)
        filters.addRow(object_label, self.object_edit)
        layout.addLayout(filters)

        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName(_("Entrées du journal"))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.Stretch)
        layout.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        buttons = QDialogButtonBox()
        self.filter_button = buttons.addButton(_("&Filtrer"), QDialogButtonBox.ActionRole)
        self.verify_button = buttons.addButton(_("&Vérifier l'intégrité"), QDialogButtonBox.ActionRole)
        self.export_button = buttons.addButton(_("&Exporter en CSV…"), QDialogButtonBox.ActionRole)
        close = buttons.addButton(_("Fermer"), QDialogButtonBox.RejectRole)
        for button in (self.filter_button, self.verify_button, self.export_button, close):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        self.export_button.setEnabled(actor.can("export_journal"))
        self.filter_button.clicked.connect(self.reload)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(lambda: self.export())
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.names = {self.agent_combo.itemData(i): self.agent_combo.itemText(i)
                      for i in range(1, self.agent_combo.count())}
        self.reload()

    def current_filter(self):
        from app.core.journal import JournalFilter

        start = datetime.combine(self.start_edit.date().toPython(), time())
        end = datetime.combine(self.end_edit.date().toPython(), time()) + timedelta(days=1)
        return JournalFilter(start=start, end=end, agent_id=self.agent_combo.currentData(),
                             action=self.action_combo.currentData(), object_ref=self.object_edit.text())

    def reload(self) -> None:
        from app.core import journal

        with self.store.read() as session:
            rows = journal.entries(session, self.actor, self.current_filter())
        self.table.setRowCount(len(rows))
        for r, e in enumerate(rows):
            values = (str(e.id), e.at.strftime("%d/%m/%Y %H:%M:%S"), self.names.get(e.agent_id, str(e.agent_id or "—")),
                      _(journal.ACTION_LABELS.get(e.action, e.action)), e.object_ref, e.detail)
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.status.setText(_("{n} entrée(s) affichée(s).").format(n=len(rows)))

    def verify(self) -> bool:
        from app.core import journal_guard

        with self.store.read() as session:
            report = journal_guard.check(session)
        self._show_integrity(report)
        return report.ok

    def _show_integrity(self, report) -> None:
        if report.ok:
            self.status.setText(_("Intégrité vérifiée : {n} entrée(s), chaîne intacte, repère externe "
                                  "conforme.").format(n=report.checked))
        else:
            self.status.setText(_("⚠ Journal altéré : {problems}.").format(problems=" ; ".join(report.problems)))

    def export(self, path: str | None = None) -> str | None:
        from app.core import journal

        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self, _("Exporter le journal"), "journal.csv", "CSV (*.csv)")
            if not path:
                return None
        with self.store.write() as session:
            exported = journal.export_journal(session, self.actor, self.current_filter())
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel reads UTF-8
            handle.write(exported.text)
        self.reload()
        if exported.integrity.ok:
            self.status.setText(_("Journal exporté (intégrité vérifiée) : {path}").format(path=path))
        else:
            self._show_integrity(exported.integrity)
            self.status.setText(self.status.text() + "\n" + _("Journal exporté malgré tout, avec ce constat : "
                                                              "{path}").format(path=path))
        return path


def run_retention_dialog(window) -> None:
    """Show what the retention run would do, then do it after confirmation."""
    from app.core import retention
    from app.i18n import format_date

    with window.store.read() as session:
        due = retention.due(session, window.actor)
    answer = QMessageBox.question(window, _("Durée de conservation"), _(
        "Usagers sans contact depuis le {date} : {u} fiche(s) seront anonymisées, et {a} accompagnement(s) "
        "perdront leurs notes. Les comptages sont conservés. Continuer ?").format(
            date=format_date(due.cutoff), u=due.usagers, a=due.accompaniments))
    if answer != QMessageBox.Yes:
        return
    from app.core.rights import WalBusy

    try:
        report = retention.run_retention(window.store, window.actor)
    except WalBusy:
        window.refresh()  # the run itself is saved
        raise
    QMessageBox.information(window, _("Durée de conservation"), _(
        "{u} usager(s) anonymisé(s), {a} accompagnement(s) allégé(s), {j} entrée(s) de journal purgée(s).").format(
            u=report.usagers, a=report.accompaniments, j=report.journal_entries))
    window.refresh()


def _selected_usager_id(window) -> int | None:
    from app.core.accompaniments import get_accompaniment

    case_id = window.current_case_id()
    if case_id is None:
        return None
    with window.store.read() as session:
        return get_accompaniment(session, case_id).usager_id


def export_usager_dialog(window) -> None:
    from app.core import rights

    usager_id = _selected_usager_id(window)
    if usager_id is None:
        window.statusBar().showMessage(_("Sélectionnez un accompagnement d'un usager identifié."), 5000)
        return
    path, _filter = QFileDialog.getSaveFileName(window, _("Données d'un usager"), "donnees-usager.txt",
                                                _("Texte (*.txt);;JSON (*.json)"))
    if not path:
        return
    with window.store.write() as session:
        data = rights.export_usager(session, window.actor, usager_id)
    content = rights.export_json(data) if path.endswith(".json") else rights.export_text(data)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content)
    window.statusBar().showMessage(_("Données exportées : {path}").format(path=path), 8000)


def erase_usager_dialog(window) -> None:
    from app.core import rights

    usager_id = _selected_usager_id(window)
    if usager_id is None:
        window.statusBar().showMessage(_("Sélectionnez un accompagnement d'un usager identifié."), 5000)
        return
    answer = QMessageBox.warning(window, _("Effacer un usager"), erase_warning(window.store.path),
                                 QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    if answer != QMessageBox.Yes:
        return
    try:
        rights.erase_usager(window.store, window.actor, usager_id)
    except rights.WalBusy:
        window.refresh()  # the erasure itself is saved
        raise
    window.refresh()
    window.statusBar().showMessage(_("Usager effacé."), 8000)


def erase_warning(store_path) -> str:
    """The erase confirmation: what goes, what stays, and for how long copies may hold it."""
    from app.core.backup_service import erasure_horizon
    from app.i18n import format_date

    oldest, months = erasure_horizon(store_path)
    text = _("L'identité de cet usager, ses notes et l'historique de ses dossiers seront effacés du fichier "
             "de données. Ses accompagnements restent comptés, anonymes.\n\n")
    if oldest is not None:
        text += _("Les sauvegardes déjà faites (la plus ancienne date du {date}) en gardent une copie jusqu'à "
                  "leur suppression automatique, en général dans les {months} mois pour un poste utilisé "
                  "chaque jour. ").format(date=format_date(oldest.date()), months=months)
    else:
        text += _("Aucune sauvegarde n'en contient de copie pour l'instant. ")
    text += _("Si une sauvegarde plus ancienne est restaurée, l'effacement est refait automatiquement.\n\nEffacer ?")
    return text


def _guarded(window, fn):
    """Run a supervision action; a refusal or a user error becomes a message, not a traceback."""
    from app.models.errors import DomainError

    def run():
        try:
            fn(window)
        except DomainError as exc:
            QMessageBox.warning(window, _("Supervision"), exc.message)
    return run


def install(window) -> None:
    menu = window.menu_supervision
    entries = (
        (_("&Journal des accès…"), lambda w: JournalDialog(w.store, w.actor, w).exec()),
        (_("&Durée de conservation (anonymiser)…"), run_retention_dialog),
        (_("Données de l'usager sélectionné (droit d'&accès)…"), export_usager_dialog),
        (_("&Effacer l'usager sélectionné…"), erase_usager_dialog),
    )
    menu.addSeparator()
    for text, fn in entries:
        action = menu.addAction(text)
        action.triggered.connect(_guarded(window, fn))
