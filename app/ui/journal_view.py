"""Supervision: the audit journal (filter, integrity check, CSV export), the retention run and
the RGPD rights of the usager of the selected case (access export, erasure).

The integrity check, the export, the retention run and the erasure read or rewrite a whole
journal or store: they run off the UI thread (app/ui/workers.py) and report back; the lists
refresh from `OpsHub.executed` like after any write."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QProgressDialog,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from app.i18n import _
from app.ui.workers import query_op, run_op, show_failure, write_pool


def _to_utc(local: datetime) -> datetime:
    """Naive local time of this computer → naive UTC, as the journal stores it."""
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _to_local(utc: datetime) -> datetime:
    return utc.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)


def _verify(session, actor):
    """The journal's keyed chain and its pinned head, checked by whoever may read the journal."""
    from app.core import journal_guard

    actor.require("read_journal")
    return journal_guard.check(session)


class JournalDialog(QDialog):
    verified = Signal(bool)  # the integrity check's answer (shown in the status line)
    exported = Signal(str)  # the CSV file written

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.COLUMNS = (_("N°"), _("Date (UTC)"), _("Agent"), _("Action"), _("Objet"), _("Détail"))
        from app.core import journal, structures

        actor = desk.actor
        actor.require("read_journal")  # the service checks again; this avoids an empty window
        self.desk = desk
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
        for agent in desk.query(lambda session, _actor: structures.agents(session)):
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
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
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

        # The agent picks local days; journal times are naive UTC: convert the bounds, or the first
        # hours after midnight land on the previous day (two in Paris, up to four overseas).
        start = _to_utc(datetime.combine(self.start_edit.date().toPython(), time()))
        end = _to_utc(datetime.combine(self.end_edit.date().toPython(), time()) + timedelta(days=1))
        return JournalFilter(start=start, end=end, agent_id=self.agent_combo.currentData(),
                             action=self.action_combo.currentData(), object_ref=self.object_edit.text())

    def reload(self) -> None:
        from app.core import journal

        rows = self.desk.query(journal.entries, self.current_filter())
        self.table.setRowCount(len(rows))
        for r, e in enumerate(rows):
            values = (str(e.id), _to_local(e.at).strftime("%d/%m/%Y %H:%M:%S"), self.names.get(e.agent_id, str(e.agent_id or "—")),
                      _(journal.ACTION_LABELS.get(e.action, e.action)), e.object_ref, e.detail)
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.status.setText(_("{n} entrée(s) affichée(s).").format(n=len(rows)))

    def _busy(self, text: str) -> None:
        for button in (self.verify_button, self.export_button):
            button.setEnabled(False)
        self.status.setText(text)

    def _idle(self) -> None:
        self.verify_button.setEnabled(True)
        self.export_button.setEnabled(self.desk.actor.can("export_journal"))

    def _failed(self, exc: BaseException) -> None:
        self._idle()
        self.status.clear()
        show_failure(self, exc)

    def verify(self) -> None:
        """Check the hash chain in the background; the answer goes to the status line and `verified`."""
        self._busy(_("Vérification de l'intégrité du journal…"))
        query_op(self, self.desk, _verify, on_done=self._verified, on_error=self._failed)

    def _verified(self, report) -> None:
        self._idle()
        self._show_integrity(report)
        self.verified.emit(report.ok)

    def _show_integrity(self, report) -> None:
        if report.ok:
            self.status.setText(_("Intégrité vérifiée : {n} entrée(s), chaîne intacte, repère externe "
                                  "conforme.").format(n=report.checked))
        else:
            self.status.setText(_("⚠ Journal altéré : {problems}.").format(problems=" ; ".join(report.problems)))

    def export(self, path: str | None = None) -> None:
        """Write the filtered journal as CSV in the background, after checking its integrity (the
        verdict goes into the file and the export's own journal entry)."""
        from app.core import journal_guard

        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self, _("Exporter le journal"), "journal.csv", "CSV (*.csv)")
            if not path:
                return
        desk, wanted = self.desk, self.current_filter()

        def work(_progress):
            exported = desk.op(journal_guard.export_journal, wanted).value  # checks the chain first
            with open(path, "w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel reads UTF-8
                handle.write(exported.text)
            return path, exported.integrity

        self._busy(_("Export du journal…"))
        run_op(self, work, on_done=self._exported, on_error=self._failed, pool=write_pool())  # a write: in order

    def _exported(self, result) -> None:
        path, integrity = result
        self._idle()
        self.reload()
        if integrity.ok:
            self.status.setText(_("Journal exporté (intégrité vérifiée) : {path}").format(path=path))
        else:
            self._show_integrity(integrity)
            self.status.setText(self.status.text() + "\n" + _("Journal exporté malgré tout, avec ce constat : "
                                                              "{path}").format(path=path))
        self.exported.emit(path)


def _busy_box(window, text: str) -> QProgressDialog:
    """A modal « please wait » while a long supervision operation runs in the background."""
    box = QProgressDialog(text, None, 0, 0, window)
    box.setWindowTitle(_("Supervision"))
    box.setWindowModality(Qt.WindowModal)
    box.setMinimumDuration(0)
    box.show()
    return box


def _run_long(window, fn, *args, text: str, on_done) -> None:
    """`desk.store_op(fn, *args)` off the UI thread, a busy box meanwhile, failures shown."""
    box = _busy_box(window, text)
    desk = window.desk

    def done(result):
        box.close()
        on_done(result.value)

    def failed(exc):
        box.close()
        show_failure(window, exc)

    run_op(window, lambda _progress: desk.store_op(fn, *args), on_done=done, on_error=failed, pool=write_pool())


def run_retention_dialog(window) -> None:
    """Show what the retention run would do, then do it after confirmation."""
    from app.core import retention
    from app.i18n import format_date

    def confirm(due) -> None:
        answer = QMessageBox.question(window, _("Durée de conservation"), _(
            "Usagers sans contact depuis le {date} : {u} fiche(s) seront anonymisées, et {a} accompagnement(s) "
            "perdront leurs notes. Les comptages sont conservés. Continuer ?").format(
                date=format_date(due.cutoff), u=due.usagers, a=due.accompaniments))
        if answer == QMessageBox.Yes:
            _run_long(window, retention.run_retention, text=_("Anonymisation en cours…"), on_done=report)

    def report(done) -> None:
        QMessageBox.information(window, _("Durée de conservation"), _(
            "{u} usager(s) anonymisé(s), {a} accompagnement(s) allégé(s), "
            "{j} entrée(s) de journal purgée(s).").format(u=done.usagers, a=done.accompaniments, j=done.journal_entries))

    query_op(window, window.desk, retention.due, on_done=confirm)


def _selected_usager_id(window) -> int | None:
    from app.core.accompaniments import get_accompaniment

    case_id = window.current_case_id()
    if case_id is None:
        return None
    return window.desk.query(get_accompaniment, case_id).usager_id


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
    data = window.desk.op(rights.export_usager, usager_id).value
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
    _run_long(window, rights.erase_usager, usager_id, text=_("Effacement en cours…"),
              on_done=lambda _report: window.statusBar().showMessage(_("Usager effacé."), 8000))


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
        (_("&Journal des accès…"), lambda w: JournalDialog(w.desk, w).exec()),
        (_("&Durée de conservation (anonymiser)…"), run_retention_dialog),
        (_("Données de l'usager sélectionné (droit d'&accès)…"), export_usager_dialog),
        (_("&Effacer l'usager sélectionné…"), erase_usager_dialog),
    )
    menu.addSeparator()
    for text, fn in entries:
        action = menu.addAction(text)
        action.triggered.connect(_guarded(window, fn))
