"""The optional usager profile in the accompaniment form: nothing recorded unless the agent ticks
« Renseigner le profil »; the core's French messages shown under the field, focus there."""

from __future__ import annotations

from sqlmodel import select

from app.models.tables import Usager
from app.ui.accompaniment_form import AccompanimentForm, matcher
from app.ui.widgets import select_data
from tests.ui.helpers import focusable_widgets_without_name
from tests.ui.shots import SHOTS_DIR


def _form(qtbot, desk, first: str, last: str) -> AccompanimentForm:
    form = AccompanimentForm(desk)
    qtbot.addWidget(form)
    form.show()
    form._pick(matcher().get("CAF-RSA"))
    form.new_usager_box.setChecked(True)
    form.first_name_edit.setText(first)
    form.last_name_edit.setText(last)
    return form


def _usager(store, last: str) -> Usager:
    with store.read() as s:
        return s.exec(select(Usager).where(Usager.last_name == last)).one()


def test_profile_is_off_by_default_and_records_nothing(qtbot, desk, store):
    form = _form(qtbot, desk, "Anne", "Sansprofil")
    profile = form.profile_fields
    assert not profile.consent.isChecked() and not profile.age_combo.isEnabled()
    assert not profile.details.isVisible()  # the form stays short: the fields appear once ticked
    select_data(profile.age_combo, "60_69")  # chosen, then the box left unticked: not recorded
    form.save()
    assert form.result() == form.DialogCode.Accepted
    u = _usager(store, "Sansprofil")
    assert (u.age_band, u.gender, u.territory, u.commune_insee) == ("non_communique",) * 3 + (None,)


def test_profile_recorded_when_ticked_and_errors_shown_under_the_field(qtbot, desk, store):
    form = _form(qtbot, desk, "Bruno", "Avecprofil")
    profile = form.profile_fields
    profile.consent.setChecked(True)
    assert profile.age_combo.isEnabled() and profile.commune_edit.isVisible()
    assert focusable_widgets_without_name(form) == []
    select_data(profile.age_combo, "60_69")
    select_data(profile.gender_combo, "masculin")
    select_data(profile.territory_combo, "zrr")
    profile.commune_edit.setText("2A0")  # too short: refused by the core with a French message
    form.save()
    form.grab().save(str(SHOTS_DIR / "usager_profile_form.png"))
    assert form.isVisible() and profile.errors["commune_insee"].isVisible()
    assert "INSEE" in profile.errors["commune_insee"].text() or "commune" in profile.errors["commune_insee"].text().lower()
    assert form.focusWidget() is profile.commune_edit
    profile.commune_edit.setText("23096")
    form.save()
    assert form.result() == form.DialogCode.Accepted
    u = _usager(store, "Avecprofil")
    assert (u.age_band, u.gender, u.territory, u.commune_insee) == ("60_69", "masculin", "zrr", "23096")


def test_unticking_forgets_the_choices(qtbot, desk):
    form = _form(qtbot, desk, "Carla", "Hesite")
    profile = form.profile_fields
    profile.consent.setChecked(True)
    select_data(profile.territory_combo, "qpv")
    profile.consent.setChecked(False)
    assert profile.values() == {} and profile.territory_combo.currentData() == "non_communique"
