"""Case detail: what was done, for whom, its history, and a quick status / follow-up change."""

from __future__ import annotations

import json

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QCheckBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
                               QHeaderView, QAbstractItemView)

from app.i18n import _, format_datetime, label
from app.ui.a11y import data_label
from app.models.catalogue import catalogue
from app.models.errors import DomainError, ValidationError
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
        self.follow_date = QDateEdit()
        self.follow_date.setCalendarPopup(True)
        self.follow_date.setDisplayFormat("dd/MM/yyyy")
        self.follow_date.setAccessibleName(_("Date de relance"))
        self.follow_check.toggled.connect(self.follow_date.setEnabled)
        row = QWidget()
        r = QHBoxLayout(row)
        r.setContentsMargins(0, 0, 0, 0)
        r.addWidget(self.follow_check)
        r.addWidget(self.follow_date)
        r.addStretch()
        box, self.follow_error = with_error(row)
        form.addRow(_("Suivi :"), box)
        layout.addLayout(form)

        self.history = QTableWidget(0, 3)
        self.history.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
        self.history.setHorizontalHeaderLabels([_("Quand"), _("Qui"), _("Quoi")])
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.history.setEditTriggers(QAbstractItemView.NoEditTriggers)
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

        detail = self.desk.query(case_detail, self.accompaniment_id)
        view, names = detail.view, detail.agent_names
        acc, lines, events = view.accompaniment, view.lines, view.history
        self.usager_id = acc.usager_id
        cat = catalogue()
        demarches = "<br>".join(
            f"• {cat.procedures[l.procedure_code].label if l.procedure_code in cat.procedures else _('Autre démarche')}"
            f" — {cat.partners[l.partner_code].short_label if l.partner_code in cat.partners else l.partner_code}"
            for l in lines)
        self.summary.setText(
            f"<b>{format_datetime(acc.occurred_at)}</b> — {view.usager_name}<br>{demarches}<br>"
            f"{label('response_type', acc.response_type)} · {label('canal', acc.canal)} · {acc.duration_min} min"
            + (f" · {label('mandate', acc.mandate)}" if acc.mandate != "aucun" else "")
            + (f"<br><i>{acc.note}</i>" if acc.note else ""))
        select_data(self.status_combo, acc.status)
        self.follow_check.setChecked(acc.follow_up_on is not None)
        self.follow_date.setEnabled(acc.follow_up_on is not None)
        d = acc.follow_up_on
        self.follow_date.setDate(QDate(d.year, d.month, d.day) if d else QDate.currentDate().addDays(7))
        self.history.setRowCount(len(events))
        for i, e in enumerate(events):
            for j, text in enumerate((format_datetime(e.at), names.get(e.agent_id, ""), describe_event(e.kind, e.detail))):
                self.history.setItem(i, j, QTableWidgetItem(text))

    def save(self) -> None:
        from app.ui.accompaniment_form import COUNTER

        self.status_error.clear_error()
        self.follow_error.clear_error()
        follow = self.follow_date.date().toPython() if self.follow_check.isChecked() else None
        try:
            self.desk.change_status(self.accompaniment_id, self.status_combo.currentData(), follow,
                                    source=COUNTER)
        except ValidationError as exc:
            target, field = ((self.follow_error, self.follow_date) if exc.field == "follow_up_on"
                             else (self.status_error, self.status_combo))
            target.show_error(exc.message, field)
            field.setFocus()
            return
        except DomainError as exc:
            self.status_error.show_error(exc.message)
            return
        self.load()

    def edit(self) -> None:
        from app.ui.accompaniment_form import AccompanimentForm

        form = AccompanimentForm(self.desk, self.accompaniment_id, parent=self)
        if form.exec():
            self.load()
