"""The optional usager profile in the accompaniment form's « new identified usager » part: age
band, sex, residence (QPV / ZRR) and commune. Nothing is recorded unless the agent ticks
« Renseigner le profil » after asking the usager (anonymous and « non communiqué » stay the
defaults, CNIL minimisation); validation is the core's (app/core/usagers.py), its messages
are shown under the field concerned.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QWidget

from app.i18n import _
from app.models.enums import AgeBand, Gender, Territory
from app.ui.widgets import select_data, vocabulary_combo, with_error


class UsagerProfileFields(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.consent = QCheckBox(_("Renseigner le &profil (avec l'accord de l'usager)"))
        self.consent.setAccessibleName(_("Renseigner le profil de l'usager, avec son accord"))
        layout.addRow(self.consent)
        self.age_combo = vocabulary_combo("age_band", _("Tranche d'âge"))
        self.gender_combo = vocabulary_combo("gender", _("Sexe"))
        self.territory_combo = vocabulary_combo("territory", _("Résidence en QPV ou en ZRR"))
        self.commune_edit = QLineEdit()
        self.commune_edit.setMaxLength(5)
        self.commune_edit.setPlaceholderText(_("code INSEE, ex. 23096"))
        self.commune_edit.setAccessibleName(_("Commune de résidence (code INSEE)"))
        # field name (as ValidationError.field says it) → its widget and its error label
        self.widgets = {"age_band": self.age_combo, "gender": self.gender_combo,
                        "territory": self.territory_combo, "commune_insee": self.commune_edit}
        self.errors = {}
        captions = {"age_band": _("Tranche d'âge :"), "gender": _("Sexe :"), "territory": _("QPV / ZRR :"),
                    "commune_insee": _("Commune :")}
        # the four fields show only once the box is ticked: the form stays as short as before for
        # the usual case (no profile), on a 768-pixel-high screen too
        self.details = QWidget()
        rows = QFormLayout(self.details)
        rows.setContentsMargins(0, 0, 0, 0)
        for field, widget in self.widgets.items():
            box, self.errors[field] = with_error(widget)
            rows.addRow(captions[field], box)
        layout.addRow(self.details)
        self.consent.toggled.connect(self._on_consent)
        self.clear()

    def _on_consent(self, on: bool) -> None:
        if not on:
            self.clear()
        self.details.setVisible(on)
        for widget in self.widgets.values():
            widget.setEnabled(on)

    def clear(self) -> None:
        """Back to « non communiqué »: unticking the box forgets what was chosen."""
        select_data(self.age_combo, AgeBand.NON_COMMUNIQUE.value)
        select_data(self.gender_combo, Gender.NON_COMMUNIQUE.value)
        select_data(self.territory_combo, Territory.NON_COMMUNIQUE.value)
        self.commune_edit.clear()
        for widget in self.widgets.values():
            widget.setEnabled(self.consent.isChecked())
        self.details.setVisible(self.consent.isChecked())

    def values(self) -> dict:
        """UsagerInput's profile fields: the defaults unless the box is ticked."""
        if not self.consent.isChecked():
            return {}
        return {"age_band": self.age_combo.currentData(), "gender": self.gender_combo.currentData(),
                "territory": self.territory_combo.currentData(), "commune_insee": self.commune_edit.text()}

    def focus_order(self) -> list[QWidget]:
        return [self.consent, *self.widgets.values()]
