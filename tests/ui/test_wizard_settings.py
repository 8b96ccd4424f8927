"""Settings dialog: everything the set-up wizard chose stays editable, by an administrator only."""

from __future__ import annotations

import pytest

from app.core import structures
from app.core.context import Actor
from app.core.structures import save_structure_settings
from app.models.enums import Role
from app.models.errors import PermissionDenied
from app.sync.settings import TOKEN_NAME, URL_KEY
from app.ui.settings_dialog import SettingsDialog
from tests.desks import desk_for


@pytest.fixture(autouse=True)
def private_prefs(tmp_path, monkeypatch):
    monkeypatch.setenv("GUICHET_CONFIG_DIR", str(tmp_path / "config"))


def admin_of(store, structure_id, login="admin.test"):
    with store.write() as session:
        agent = structures.create_agent(session, structure_id, login, "Admin Test", Role.ADMINISTRATEUR)
    return Actor(agent.id, structure_id, Role.ADMINISTRATEUR, agent.display_name)


@pytest.fixture
def admin(store, site):
    return admin_of(store, site["fixed"].id)


@pytest.fixture
def bus_admin(store, site):
    return admin_of(store, site["bus"].id, "admin.bus")


def dialog_for(qtbot, store, actor):
    dialog = SettingsDialog(desk_for(store, actor))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_admin_renames_the_structure(qtbot, store, admin, no_keyring):
    dialog = dialog_for(qtbot, store, admin)
    assert dialog.matricule.text() == "100001"
    dialog.matricule.setText("100009")
    dialog.name.setText("France services de Neuville")
    assert dialog.save()
    with store.read() as session:
        site = structures.get_structure(session, admin.structure_id)
    assert (site.matricule, site.name) == ("100009", "France services de Neuville")
    assert "enregistrés" in dialog.message.text()


@pytest.mark.parametrize("bad, expected", [("10A001", "chiffres"), ("100002", "déjà")])
def test_a_bad_or_taken_matricule_is_refused_next_to_the_field(qtbot, store, admin, no_keyring, bad, expected):
    dialog = dialog_for(qtbot, store, admin)
    dialog.matricule.setText(bad)
    dialog.name.setText("Nouveau nom")
    assert not dialog.save()
    assert expected in dialog.structure_form.errors["matricule"].text()
    with store.read() as session:
        assert structures.get_structure(session, admin.structure_id).name == "France services de Testville"


def test_bus_stops_are_added_and_withdrawn_together(qtbot, store, site, bus_admin, no_keyring):
    dialog = dialog_for(qtbot, store, bus_admin)
    assert dialog.stops.count() == 2
    dialog.stops.setCurrentRow(0)
    dialog.remove_stop_button.click()
    dialog.new_stop.setText("Salle des fêtes")
    dialog.add_stop_button.click()
    assert dialog.save()
    with store.read() as session:
        names = [s.name for s in structures.bus_stops(session, site["bus"].id)]
    assert names == ["Marché couvert", "Salle des fêtes"]


def test_a_bus_cannot_lose_all_its_stops(qtbot, store, site, bus_admin, no_keyring):
    dialog = dialog_for(qtbot, store, bus_admin)
    for _ in range(2):
        dialog.stops.setCurrentRow(0)
        dialog.remove_stop_button.click()
    assert not dialog.save()
    assert "arrêt" in dialog.structure_form.errors["stop"].text()
    with store.read() as session:
        assert len(structures.bus_stops(session, site["bus"].id)) == 2


def test_service_url_is_saved_or_refused_on_its_tab(qtbot, store, admin, no_keyring):
    dialog = dialog_for(qtbot, store, admin)
    dialog.url.setText("http://suivi.exemple.fr")
    assert not dialog.save()
    assert dialog.tabs.currentIndex() == 2
    assert "https" in dialog.service_form.errors["url"].text()
    dialog.url.setText("https://suivi.exemple.gouv.fr/api")
    assert dialog.save()
    with store.read() as session:
        assert structures.get_setting(session, URL_KEY) == "https://suivi.exemple.gouv.fr/api"


def test_without_keyring_the_token_cannot_be_typed(qtbot, store, admin, no_keyring):
    dialog = dialog_for(qtbot, store, admin)
    assert not dialog.token.isEnabled() and not dialog.save_token_button.isEnabled()
    assert "Aucun trousseau sécurisé" in dialog.keyring_note.text()


def test_token_is_saved_in_the_keyring(qtbot, store, admin, secure_keyring):
    dialog = dialog_for(qtbot, store, admin)
    dialog.token.setText("court")
    dialog.save_token_button.click()
    assert dialog.service_form.errors["token"].text() and secure_keyring.items == {}
    dialog.token.setText("jeton-valide-123")
    dialog.save_token_button.click()
    assert secure_keyring.items[("Guichet", TOKEN_NAME)] == "jeton-valide-123"
    assert dialog.token.text() == ""


def test_language_is_a_user_preference(qtbot, store, admin, no_keyring):
    from app.ui import prefs

    dialog = dialog_for(qtbot, store, admin)
    dialog.english.setChecked(True)
    assert dialog.save()
    assert prefs.get("language") == "en"


def test_agents_are_listed_for_an_administrator(qtbot, store, admin, no_keyring):
    dialog = dialog_for(qtbot, store, admin)
    logins = {dialog.agents_table.item(r, 1).text() for r in range(dialog.agents_table.rowCount())}
    assert {"marie", "paul", "admin.test"} <= logins


def test_an_agent_sees_but_cannot_change(qtbot, store, site, no_keyring):
    agent = site["agent"]
    dialog = dialog_for(qtbot, store, agent)
    assert not dialog.save_button.isEnabled()
    assert dialog.matricule.isReadOnly()
    assert dialog.agents_table.isHidden()
    with pytest.raises(PermissionDenied):
        with store.write() as session:
            save_structure_settings(session, agent, matricule="100001", name="X", new_stops=[], removed_stop_ids=[],
                                    service_url="")
