"""Case detail: what was done, for whom, its history, and a quick status / follow-up change."""

from __future__ import annotations

import json
from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
                               QHeaderView, QAbstractItemView)

from app.i18n import _, format_datetime, label
from app.ui.a11y import data_label
from app.models.catalogue import catalogue
from app.models.errors import DomainError, ValidationError
from app.ui import fit
from app.ui.date_fields import DateField
from app.ui.widgets import select_data, vocabulary_combo, with_error

_FIELD_NAMES = {
    "status": "Statut", "follow_up_on": "Relance", "note": "Note", "procedures": "Démarches",
    "response_type": "Type de réponse", "canal": "Canal", "duration_min": "Durée", "autonomy": "Autonomie",
    "finalisation": "Finalisation", "mandate": "Mandat", "occurred_at": "Date", "usager_id": "Usager",
    "bus_stop_id": "Arrêt", "thematique": "Thématique",
}
_VOCAB = {"status": "status", "response_type": "response_type", "canal": "canal", "autonomy": "autonomy",
          "finalisation": "finalisation", "mandate": "mandate", "thematique": "thematique"}


def describe_event(kind: str, detail: str) -> str:
    """One readable line per history entry."""
    if kind == "created":
        return _("Création")
    if kind == "escalation":
        from app.core.escalations import describe
        return describe(detail)
    try:
        changes = json.loads(detail or "{}")
    except ValueError:
        return detail
    parts = []
    for key, (old, new) in changes.items():
        name = _(_FIELD_NAMES.get(key, key))
        if key in _VOCAB:
            old, new = label(_VOCAB[key], old) or "—", label(_VOCAB[key], new) or "—"
        elif key == "procedures":
            old, new = len(old), len(new)
            parts.append(f"{name} : {old} → {new}")
            continue
        parts.append(f"{name} : {old or '—'} → {new or '—'}")
    return " ; ".join(parts)


class CaseDetailDialog(QDialog):
    """Reads through the desk; its saves are announced by `OpsHub.executed` (source COUNTER)."""

    def __init__(self, desk, accompaniment_id: int, parent=None):
        super().__init__(parent)
        self.desk, self.accompaniment_id = desk, accompaniment_id
        self.setWindowTitle(_("Accompagnement n° {n}").format(n=accompaniment_id))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumSize(720, 520)
        fit.clamp(self)  # no larger than a small screen (app/ui/fit.py)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        data_label(self.summary, _("Résumé de l'accompagnement"))
        layout.addWidget(self.summary)

        form = QFormLayout()
        self.status_combo = vocabulary_combo("status", _("Statut"))
        box, self.status_error = with_error(self.status_combo)
        status_label = QLabel(_("&Statut :"))
        status_label.setBuddy(self.status_combo)
        form.addRow(status_label, box)
        self.follow_check = QCheckBox(_("À re&lancer le"))
        self.follow_check.setAccessibleDescription(_("Prévoir une relance"))  # name: « À relancer le »
        # Typed jj/mm/aaaa, refused rather than corrected (app/ui/date_fields.py).
        self.follow_date = DateField("follow_up_on", _("Date de relance"), _("Date de relance"))
        self.follow_check.toggled.connect(self.follow_date.setEnabled)
        row = QWidget()
        r = QHBoxLayout(row)
        r.setContentsMargins(0, 0, 0, 0)
        r.addWidget(self.follow_check)
        r.addWidget(self.follow_date)
        r.addStretch()
        box, self.follow_error = with_error(row)
        form.addRow(_("Suivi :"), box)
        self.form = form
        self.phone_row = None  # « Noter le téléphone », for an identified usager without one (load)
        layout.addLayout(form)

        self.history = QTableWidget(0, 3)
        self.history.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
        self.history.setHorizontalHeaderLabels([_("Quand"), _("Qui"), _("Quoi")])
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.history.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.history.verticalHeader().hide()  # no row numbers: the date says the order
        self.history.setAccessibleName(_("Historique de l'accompagnement"))
        layout.addWidget(QLabel(_("Historique :")))
        layout.addWidget(self.history, 1)

        buttons = QDialogButtonBox()
        buttons.setAccessibleName(_("Boutons de la fenêtre"))
        self.save_button = buttons.addButton(_("Enregistrer le statut"), QDialogButtonBox.AcceptRole)
        self.save_button.setAccessibleName(_("Enregistrer le statut et la relance"))
        self.save_button.setDefault(True)
        self.edit_button = QPushButton(_("&Modifier tout…"))
        self.edit_button.setAccessibleName(_("Modifier tout : tous les champs de l'accompagnement"))
        buttons.addButton(self.edit_button, QDialogButtonBox.ActionRole)
        self.partner_button = QPushButton(_("Transmettre au &partenaire…"))  # issue 20
        self.partner_button.setAccessibleName(_("Transmettre au partenaire… (transmissions et réponses)"))
        buttons.addButton(self.partner_button, QDialogButtonBox.ActionRole)
        self.partner_button.clicked.connect(self.partner)
        self.call_button = QPushButton(_("Noter un &appel…"))
        self.call_button.setAccessibleName(_("Noter un appel de relance : son résultat et la suite"))
        buttons.addButton(self.call_button, QDialogButtonBox.ActionRole)
        self.call_button.clicked.connect(self.log_call)
        close = buttons.addButton(_("Fermer"), QDialogButtonBox.RejectRole)
        close.setAccessibleName(_("Fermer"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.edit_button.clicked.connect(self.edit)
        layout.addWidget(buttons)
        self.load()
        if self.usager_id is not None:  # opening an identified usager's file is journaled
            from app.core.journal import record_usager_view

            desk.store_op(record_usager_view, self.usager_id)

    def load(self) -> None:
        from app.core.counter import case_detail
        from app.core.followups import calls_of, describe_call, format_phone

        detail = self.desk.query(case_detail, self.accompaniment_id)
        calls = self.desk.query(calls_of, self.accompaniment_id)
        view, names = detail.view, detail.agent_names
        acc, lines, events = view.accompaniment, view.lines, view.history
        self.usager_id = acc.usager_id
        cat = catalogue()
        demarches = "<br>".join(
            f"• {cat.procedures[l.procedure_code].label if l.procedure_code in cat.procedures else _('Autre démarche')}"
            f" — {cat.partners[l.partner_code].short_label if l.partner_code in cat.partners else l.partner_code}"
            for l in lines)
        self.summary.setText(
            f"<b>{format_datetime(acc.occurred_at)}</b> — {view.usager_name}"
            + (f" — ☎ <b>{format_phone(view.usager.phone)}</b>" if view.usager is not None and not view.usager.anonymous
               and view.usager.phone else "")
            + f"<br>{demarches}<br>"
            f"{label('response_type', acc.response_type)} · {label('canal', acc.canal)} · {acc.duration_min} min"
            + (f" · {label('mandate', acc.mandate)}" if acc.mandate != "aucun" else "")
            + (f"<br><i>{acc.note}</i>" if acc.note else ""))
        self._offer_phone(view.usager)
        select_data(self.status_combo, acc.status)
        self.follow_check.setChecked(acc.follow_up_on is not None)
        self.follow_date.setEnabled(acc.follow_up_on is not None)
        d = acc.follow_up_on
        self.follow_date.setDate(d or date.today() + timedelta(days=7))
        # Changes and call attempts, in time order (both stamped in UTC).
        rows = sorted([(e.at, e.agent_id, describe_event(e.kind, e.detail)) for e in events]
                      + [(c.at, c.agent_id, describe_call(c)) for c in calls], key=lambda r: r[0])
        self.history.setRowCount(len(rows))
        for i, (at, agent_id, what) in enumerate(rows):
            for j, text in enumerate((format_datetime(at), names.get(agent_id, ""), what)):
                self.history.setItem(i, j, QTableWidgetItem(text))

    def save(self) -> None:
        """The status change runs on the write pool (issue 11); the dialog is greyed out until
        its answer, then shows the new history or the refusal next to its field."""
        from app.ui.accompaniment_form import COUNTER
        from app.ui.workers import run_op, write_pool

        if self.saving:
            return
        self.status_error.clear_error()
        self.follow_error.clear_error()
        try:
            follow = self.follow_date.value() if self.follow_check.isChecked() else None
        except ValidationError as exc:
            self.follow_error.show_error(exc.message, self.follow_date)
            self.follow_date.select_for_retyping()
            return
        desk, case_id, status = self.desk, self.accompaniment_id, self.status_combo.currentData()
        self._busy(True)
        run_op(self, lambda _p: desk.change_status(case_id, status, follow, source=COUNTER).value,
               on_done=self._status_saved, on_error=self._status_refused, pool=write_pool())

    @property
    def saving(self) -> bool:
        return getattr(self, "_saving", False)

    def _busy(self, on: bool) -> None:
        self._saving = on
        for child in self.findChildren(QWidget, options=Qt.FindDirectChildrenOnly):
            child.setEnabled(not on)
        if not on:
            self.status_combo.setFocus()

    def _status_saved(self, _acc) -> None:
        self._busy(False)
        self.load()

    def _status_refused(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, ValidationError):
            target, field = ((self.follow_error, self.follow_date) if exc.field == "follow_up_on"
                             else (self.status_error, self.status_combo))
            target.show_error(exc.message, field)
            field.setFocus()
        elif isinstance(exc, DomainError):
            self.status_error.show_error(exc.message)
        else:
            from app.ui.workers import show_failure

            show_failure(self, exc)

    def partner(self):
        from app.ui.escalation_dialog import CaseEscalationsDialog

        self.partner_dialog = CaseEscalationsDialog(self.desk, self.accompaniment_id, self)
        self.partner_dialog.finished.connect(lambda _r: self.load())
        self.partner_dialog.open()
        return self.partner_dialog

    def _offer_phone(self, usager) -> None:
        from app.ui.call_dialog import PhoneRow

        wanted = usager is not None and not usager.anonymous and not usager.phone
        if wanted and self.phone_row is None:
            self.phone_row = PhoneRow(self.desk, usager.id, self.load, self)
            label = QLabel(_("&Téléphone :"))
            label.setBuddy(self.phone_row.edit)  # Alt+T
            self.form.insertRow(0, label, self.phone_row)
        elif not wanted and self.phone_row is not None:
            taken = self.form.takeRow(self.phone_row)  # not removeRow: we may be in the row's own slot
            for item in (taken.labelItem, taken.fieldItem):
                item.widget().hide()
                item.widget().deleteLater()
            self.phone_row = None

    def log_call(self) -> None:
        from app.ui.call_dialog import CallDialog

        if CallDialog(self.desk, self.accompaniment_id, parent=self).exec():
            self.load()

    def edit(self) -> None:
        from app.ui.accompaniment_form import AccompanimentForm

        form = AccompanimentForm(self.desk, self.accompaniment_id, parent=self)
        if form.exec():
            self.load()
