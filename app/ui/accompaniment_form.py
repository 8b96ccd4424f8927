"""New / edit accompaniment form, built for speed at the counter.

Fastest path for a simple information request: Ctrl+N, type « carte gr », Enter (takes the first
suggestion), Enter (saves). Defaults come from the agent's last entries; favourite démarches are
one Alt+digit away; Enter saves from any field; Esc cancels.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QEvent, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QCompleter, QDialog, QDialogButtonBox, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.catalogue import ProcedureChoice, ProcedureMatcher
from app.core.counter import form_setup
from app.core.usagers import UsagerInput
from app.i18n import _
from app.models.catalogue import catalogue
from app.models.enums import Canal, CaseStatus, StructureKind
from app.models.errors import ValidationError
from app.ui import fit
from app.ui.a11y import refocus
from app.ui.date_fields import DateField, TimeField, WhenRow
from app.ui.form_saving import BackgroundSave
from app.ui.usager_profile_fields import UsagerProfileFields
from app.ui.usager_typeahead import UsagerTypeahead
from app.ui.widgets import select_data, vocabulary_combo, with_error

COUNTER = "counter"  # `source` of the form's and the case detail's saves (OpsHub.executed)
_matcher: ProcedureMatcher | None = None


def matcher() -> ProcedureMatcher:
    global _matcher
    if _matcher is None:
        cat = catalogue()
        base = ProcedureMatcher.from_catalogue(cat)
        # « Autre démarche » per partner: counts by partner even when the démarche is not listed.
        others = [ProcedureChoice("", code, _("Autre démarche"), p.short_label, "") for code, p in cat.partners.items()]
        extra = {c.code: " ".join(w for w in base._words[i][1]) for i, c in enumerate(base.choices)}
        _matcher = ProcedureMatcher(base.choices + others, extra)
    return _matcher


class AccompanimentForm(BackgroundSave, QDialog):
    saved = Signal(int)

    def __init__(self, desk, accompaniment_id: int | None = None, parent=None,
                 initial: AccompanimentInput | None = None):
        super().__init__(parent)
        self.desk, self.accompaniment_id = desk, accompaniment_id
        self.saved_id: int | None = None
        self.selected: list[ProcedureChoice] = []
        self.setWindowTitle(_("Modifier l'accompagnement") if accompaniment_id else _("Nouvel accompagnement"))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(760)
        setup = desk.query(form_setup, accompaniment_id)
        self.structure, self.stops, self.defaults = setup.structure, setup.stops, setup.defaults
        self.favourites, self.boost, self.existing_usager = setup.favourites, setup.boost, setup.existing_usager
        existing = setup.existing
        self._build()
        self._apply_defaults()
        if existing or initial:
            self._load(existing or initial)

    # -- construction -------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        fields = QWidget()
        form = QFormLayout(fields)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)
        # Scrolls when the screen is short (1366×768 at 200 % text): Statut, Note and the
        # buttons below stay reachable.
        self.fields_area = fit.scrollable(fields, "formFields")
        outer.addWidget(self.fields_area, 1)
        self.errors = {}

        self.demarche_edit = QLineEdit()
        self.demarche_edit.setPlaceholderText(_("Tapez quelques lettres : « carte gr », « apl », « impôts »…"))
        self.demarche_edit.setAccessibleName(_("Démarche"))
        self.completer_model = QStringListModel(self)
        self.completer = QCompleter(self.completer_model, self)
        self.completer.setCompletionMode(QCompleter.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.completer.popup().setAccessibleName(_("Suggestions de démarches"))
        # setWidget, not QLineEdit.setCompleter: the latter writes every highlighted suggestion
        # into the field while the agent is still typing.
        self.completer.setWidget(self.demarche_edit)
        self.completer.activated[str].connect(self._pick_display)
        self.demarche_edit.textEdited.connect(self._suggest)
        box, self.errors["procedure"] = with_error(self.demarche_edit)
        lab = QLabel(_("&Démarche :"))
        lab.setBuddy(self.demarche_edit)
        form.addRow(lab, box)

        self.selected_list = QListWidget()
        self.selected_list.setAccessibleName(_("Retenue(s) : démarches retenues (Suppr pour retirer)"))
        self.selected_list.setMaximumHeight(52)
        self.selected_list.installEventFilter(self)
        form.addRow(_("Retenue(s) :"), self.selected_list)

        self.fav_buttons = []
        if self.favourites:
            fav_box = QWidget()
            grid = QGridLayout(fav_box)
            grid.setContentsMargins(0, 0, 0, 0)
            for i, code in enumerate(self.favourites, start=1):
                choice = matcher().get(code)
                if choice is None:
                    continue
                button = fit.ElidedButton(f"&{i}  ", choice.label)  # cut to its width, « … », not clipped
                button.setAccessibleName(_("Démarche favorite : ") + choice.display)
                button.setToolTip(choice.display)
                button.setFocusPolicy(Qt.NoFocus)  # reached with Alt+digit, not Tab: keeps Tab short
                button.clicked.connect(lambda _=False, c=choice: self._pick(c))
                grid.addWidget(button, (i - 1) // 3, (i - 1) % 3)
                self.fav_buttons.append(button)
            form.addRow(_("Favoris (Alt+chiffre) :"), fav_box)

        self.response_combo = vocabulary_combo("response_type", _("Type de réponse"))
        form.addRow(self._buddy(_("&Type de réponse :"), self.response_combo), self.response_combo)

        self.canal_combo = vocabulary_combo("canal", _("Canal"))
        self.stop_combo = QComboBox()
        self.stop_combo.setAccessibleName(_("Arrêt du bus"))
        for stop in self.stops:
            self.stop_combo.addItem(stop.name, stop.id)
        row = QHBoxLayout()  # a layout, not a widget: the « Canal » caption stays a sibling (labelled-by)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.canal_combo, 1)
        self.stop_label = QLabel(_("A&rrêt :"))
        self.stop_label.setBuddy(self.stop_combo)
        row.addWidget(self.stop_label)
        row.addWidget(self.stop_combo, 1)
        box, self.errors["bus_stop"] = with_error(row)
        self.errors["canal"] = self.errors["bus_stop"]
        form.addRow(self._buddy(_("&Canal :"), self.canal_combo), box)
        self.canal_combo.currentIndexChanged.connect(self._update_stop_visibility)

        # When: now by default; a bus agent types the paper sheet's date and time afterwards.
        self.when = WhenRow("occurred_at", _("Date de l'accompagnement"))
        self.date_edit, self.time_edit = self.when.date_edit, self.when.time_edit
        box, self.errors["occurred_at"] = with_error(self.when)
        self.errors["occurred_time"] = self.errors["occurred_at"]
        form.addRow(self._buddy(_("Dat&e :"), self.date_edit), box)

        self.duration_spin = QSpinBox()
        self.duration_spin.setRange(1, 480)
        self.duration_spin.setSingleStep(5)
        self.duration_spin.setSuffix(" min")
        self.duration_spin.setAccessibleName(_("Durée en minutes"))
        box, self.errors["duration"] = with_error(self.duration_spin)
        form.addRow(self._buddy(_("Du&rée :"), self.duration_spin), box)

        self.autonomy_combo = vocabulary_combo("autonomy", _("Autonomie de l'usager"), optional=True)
        form.addRow(self._buddy(_("&Autonomie :"), self.autonomy_combo), self.autonomy_combo)
        self.finalisation_combo = vocabulary_combo("finalisation", _("Démarche finalisée ?"), optional=True)
        form.addRow(self._buddy(_("&Finalisation :"), self.finalisation_combo), self.finalisation_combo)
        self.mandate_combo = vocabulary_combo("mandate", _("Mandat"))
        box, self.errors["mandate"] = with_error(self.mandate_combo)
        form.addRow(self._buddy(_("&Mandat :"), self.mandate_combo), box)

        self.usager_edit = QLineEdit()
        self.usager_edit.setPlaceholderText(_("Anonyme — ou tapez le nom d'un usager déjà suivi"))
        self.usager_edit.setAccessibleName(_("Usager suivi (recherche)"))
        self.usager_search = UsagerTypeahead(self.desk, self.usager_edit, self)
        box, self.errors["usager"] = with_error(self.usager_edit)
        form.addRow(self._buddy(_("&Usager :"), self.usager_edit), box)

        self.new_usager_box = QGroupBox(_("Nouvel usager identifié (seulement si un suivi l'exige)"))
        self.new_usager_box.setCheckable(True)
        self.new_usager_box.setChecked(False)
        self.new_usager_box.setAccessibleDescription(_("Identifier un nouvel usager"))  # name: its title
        # Its fields show only when ticked: 130 px less, so the form fits a 1366×768 screen unscrolled.
        identity = QWidget()
        QVBoxLayout(self.new_usager_box).addWidget(identity)
        identity.setVisible(False)
        self.new_usager_box.toggled.connect(identity.setVisible)
        nu = QFormLayout(identity)
        nu.setContentsMargins(0, 0, 0, 0)
        self.first_name_edit, self.last_name_edit, self.phone_edit = QLineEdit(), QLineEdit(), QLineEdit()
        for widget, name, key in ((self.first_name_edit, _("Prénom"), "first_name"),
                                  (self.last_name_edit, _("Nom"), "last_name"),
                                  (self.phone_edit, _("Téléphone"), "phone")):
            widget.setAccessibleName(name)
            widget.setEnabled(False)
            box, self.errors[key] = with_error(widget)
            nu.addRow(name + " :", box)
        self.profile_fields = UsagerProfileFields()  # age band, sex, QPV/ZRR, commune: opt-in
        self.profile_fields.setEnabled(False)
        nu.addRow(self.profile_fields)
        self.errors.update(self.profile_fields.errors)
        self.new_usager_box.toggled.connect(lambda on: [w.setEnabled(on) for w in
                                                        (self.first_name_edit, self.last_name_edit, self.phone_edit,
                                                         self.profile_fields)])
        form.addRow(self.new_usager_box)

        self.follow_check = QCheckBox(_("À re&lancer le"))
        self.follow_check.setAccessibleDescription(_("Prévoir une relance"))  # name: « À relancer le »
        self.follow_date = DateField("follow_up_on", _("Date de relance"), _("Date de relance"))
        self.follow_date.setDate(date.today() + timedelta(days=7))
        self.follow_date.setEnabled(False)
        self.follow_check.toggled.connect(self._on_follow_toggled)
        follow_row = QWidget()
        fr = QHBoxLayout(follow_row)
        fr.setContentsMargins(0, 0, 0, 0)
        fr.addWidget(self.follow_check)
        fr.addWidget(self.follow_date)
        fr.addStretch()
        box, self.errors["follow_up_on"] = with_error(follow_row)
        form.addRow(_("Suivi :"), box)

        self.status_combo = vocabulary_combo("status", _("Statut"))
        box, self.errors["status"] = with_error(self.status_combo)
        form.addRow(self._buddy(_("&Statut :"), self.status_combo), box)

        self.note_edit = QLineEdit()
        # No setMaxLength: it would cut a pasted text silently; the core refuses it with its length.
        self.note_edit.setPlaceholderText(_("Note courte, sans information sur la situation personnelle"))
        self.note_edit.setAccessibleName(_("Note"))
        box, self.errors["note"] = with_error(self.note_edit)
        form.addRow(self._buddy(_("&Note :"), self.note_edit), box)

        self.general_error = QLabel()
        self.general_error.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        outer.addWidget(self.general_error)
        # Another desk changed the case meanwhile (app/core/concurrency.py): reload it, keep the dialog.
        self.reload_button = QPushButton(_("Recharger"))
        self.reload_button.setAccessibleName(_("Recharger le dossier modifié sur un autre poste"))
        self.reload_button.clicked.connect(self._reload)
        self.reload_button.hide()
        outer.addWidget(self.reload_button)

        buttons = QDialogButtonBox()
        buttons.setAccessibleName(_("Boutons de la fenêtre"))
        self.save_button = buttons.addButton(_("Enregistrer (Entrée)"), QDialogButtonBox.AcceptRole)
        self.save_button.setAccessibleName(_("Enregistrer l'accompagnement"))
        self.save_button.setDefault(True)
        cancel = buttons.addButton(_("Annuler (Échap)"), QDialogButtonBox.RejectRole)
        cancel.setAccessibleName(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        fit.fit_height(self.fields_area, self, rest=buttons.sizeHint().height() + 40)

        for i, button in enumerate(self.fav_buttons, start=1):
            QShortcut(QKeySequence(f"Alt+{i}"), self, activated=button.click)
        QShortcut(QKeySequence("F2"), self, activated=self.open_fiche)  # the chosen démarche's fiche
        order = [self.demarche_edit, self.selected_list, self.response_combo, self.canal_combo, self.stop_combo,
                 self.date_edit, self.time_edit, self.duration_spin, self.autonomy_combo, self.finalisation_combo, self.mandate_combo,
                 self.usager_edit, self.new_usager_box, self.first_name_edit, self.last_name_edit,
                 self.phone_edit, *self.profile_fields.focus_order(), self.follow_check, self.follow_date, self.status_combo, self.note_edit,
                 self.save_button, cancel]
        for a, b in zip(order, order[1:]):
            QWidget.setTabOrder(a, b)
        self.demarche_edit.setFocus()

    def _buddy(self, text: str, widget: QWidget) -> QLabel:
        lab = QLabel(text)
        lab.setBuddy(widget)
        return lab

    def _apply_defaults(self) -> None:
        d = self.defaults
        is_bus = self.structure.kind == StructureKind.BUS
        select_data(self.canal_combo, d.canal or (Canal.ITINERANT_BUS.value if is_bus else Canal.GUICHET.value))
        if d.bus_stop_id:
            select_data(self.stop_combo, d.bus_stop_id)
        self.duration_spin.setValue(d.duration_min or 15)
        if d.response_type:
            select_data(self.response_combo, d.response_type)
        select_data(self.status_combo, CaseStatus.CLOS.value)
        self._update_stop_visibility()

    def _reload(self) -> None:
        existing = self.desk.query(form_setup, self.accompaniment_id).existing
        self.selected.clear()
        self.selected_list.clear()
        self._load(existing)
        self.general_error.hide()
        self.reload_button.hide()

    def _load(self, data: AccompanimentInput) -> None:
        self.version = data.version if self.accompaniment_id else None
        m = matcher()
        for line in data.procedures:
            choice = (m.get(line.procedure_code) if line.procedure_code else
                      next((c for c in m.choices if not c.code and c.partner_code == line.partner_code), None))
            if choice:
                self._pick(choice)
        select_data(self.response_combo, data.response_type)
        select_data(self.canal_combo, data.canal)
        if data.bus_stop_id:
            select_data(self.stop_combo, data.bus_stop_id)
        self.duration_spin.setValue(data.duration_min)
        select_data(self.autonomy_combo, data.autonomy)
        select_data(self.finalisation_combo, data.finalisation)
        select_data(self.mandate_combo, data.mandate)
        if data.follow_up_on:
            self.follow_check.setChecked(True)
            self.follow_date.setDate(QDate(data.follow_up_on.year, data.follow_up_on.month, data.follow_up_on.day))
        if data.status:
            select_data(self.status_combo, data.status)
        self.note_edit.setText(data.note or "")
        self.when.show_when(data.occurred_at)
        if data.usager_id:
            self.usager_search.set_usager(data.usager_id, self.existing_usager)

    # -- behaviour -----------------------------------------------------------------------
    def _suggest(self, text: str) -> None:
        hits = matcher().match(text, limit=12, boost=self.boost)
        self._hits = {c.display: c for c in hits}
        self.completer_model.setStringList(list(self._hits))
        if hits:
            self.completer.complete()
            # First suggestion pre-selected: Enter takes it.
            self.completer.popup().setCurrentIndex(self.completer_model.index(0, 0))

    def open_fiche(self) -> None:
        """F2: the service-public.fr fiche of the chosen démarche (app/ui/fiches_pane.py)."""
        from app.ui.fiches_pane import open_for_form

        open_for_form(self)

    def _pick_display(self, display: str) -> None:
        choice = getattr(self, "_hits", {}).get(display)
        if choice:
            self._pick(choice)

    def _pick(self, choice: ProcedureChoice) -> None:
        if all((c.code, c.partner_code) != (choice.code, choice.partner_code) for c in self.selected):
            self.selected.append(choice)
            item = QListWidgetItem(choice.display)
            item.setData(Qt.AccessibleTextRole, choice.display)
            self.selected_list.addItem(item)
        self.demarche_edit.clear()
        self.errors["procedure"].clear_error(self.demarche_edit)
        QTimer.singleShot(0, self, lambda: refocus(self.demarche_edit))  # after the popup has closed

    def eventFilter(self, obj, event):
        if obj is self.selected_list and event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Delete, Qt.Key_Backspace):
            row = self.selected_list.currentRow()
            if row >= 0:
                self.selected_list.takeItem(row)
                del self.selected[row]
            return True
        return super().eventFilter(obj, event)

    def _update_stop_visibility(self) -> None:
        on_bus = self.canal_combo.currentData() == Canal.ITINERANT_BUS.value and bool(self.stops)
        self.stop_combo.setVisible(on_bus)
        self.stop_label.setVisible(on_bus)

    def _on_follow_toggled(self, on: bool) -> None:
        self.follow_date.setEnabled(on)
        if on and self.status_combo.currentData() == CaseStatus.CLOS:
            select_data(self.status_combo, CaseStatus.OUVERT.value)
        elif not on and self.status_combo.currentData() == CaseStatus.OUVERT:
            select_data(self.status_combo, CaseStatus.CLOS.value)

    @property
    def usager_id(self) -> int | None:
        return self.usager_search.usager_id

    def collect(self) -> AccompanimentInput:
        occurred_at = self.when.value()
        follow = self.follow_date.value() if self.follow_check.isChecked() else None
        new_usager = None
        if self.new_usager_box.isChecked():
            new_usager = UsagerInput(first_name=self.first_name_edit.text(), last_name=self.last_name_edit.text(),
                                     phone=self.phone_edit.text(), **self.profile_fields.values())
        if self.usager_edit.text().strip() and self.usager_id is None and new_usager is None:
            raise ValidationError(_("Choisissez l'usager dans la liste, ou videz le champ pour un usager anonyme."),
                                  field="usager")
        return AccompanimentInput(
            procedures=[ProcedureLine(c.partner_code, c.code or None) for c in self.selected],
            response_type=self.response_combo.currentData(), canal=self.canal_combo.currentData(),
            occurred_at=occurred_at, duration_min=self.duration_spin.value(),
            bus_stop_id=self.stop_combo.currentData() if self.stop_combo.isVisible() else None,
            thematique=(self.selected[0].thematique or None) if self.selected else None,
            autonomy=self.autonomy_combo.currentData(), finalisation=self.finalisation_combo.currentData(),
            mandate=self.mandate_combo.currentData(), follow_up_on=follow, status=self.status_combo.currentData(),
            note=self.note_edit.text(), usager_id=self.usager_id, new_usager=new_usager,
            version=getattr(self, "version", None) if self.accompaniment_id else None)

    def save(self) -> None:
        """Check the fields here, then write off the UI thread (app/ui/form_saving.py)."""
        if self.saving or self.completer.popup().isVisible():
            return  # a second Entrée during a save; Entrée in the suggestions picks one
        for label in set(self.errors.values()):
            label.clear_error()
        self.general_error.hide()
        self.reload_button.hide()
        try:
            data = self.collect()
        except ValidationError as exc:
            self.show_error(exc)
            return
        desk, case_id = self.desk, self.accompaniment_id
        # « Autre démarche » has no thématique of its own: the core gives it the partner's usual one.
        self.save_in_background(lambda: desk.save_accompaniment(case_id, data, source=COUNTER).value.id)

    def show_error(self, exc: ValidationError) -> None:
        targets = {"procedure": self.demarche_edit, "bus_stop": self.stop_combo, "canal": self.canal_combo,
                   "duration": self.duration_spin, "mandate": self.mandate_combo, "usager": self.usager_edit,
                   "first_name": self.first_name_edit, "last_name": self.last_name_edit, "phone": self.phone_edit,
                   "follow_up_on": self.follow_date, "status": self.status_combo, "note": self.note_edit,
                   "thematique": self.demarche_edit, "occurred_at": self.date_edit, "occurred_time": self.time_edit,
                   **self.profile_fields.widgets}
        widget = targets.get(exc.field)
        label = self.errors.get(exc.field) or (self.errors["procedure"] if exc.field == "thematique" else None)
        if label is not None and widget is not None:
            label.show_error(exc.message, widget)
            if isinstance(widget, (DateField, TimeField)):
                widget.select_for_retyping()  # retyping starts at the day, not in the year
            else:
                widget.setFocus()
        else:
            self.general_error.setText("⚠ " + exc.message)
            self.general_error.show()

