"""Issue 15 point 9 (and the Settings wording of point 7): the report dialog's Entrée and folder,
« Toutes les structures » consistent with the boxes, Settings' Alt+N and keyring wording, role-greyed
Supervision entries, the lock screen's password field with its label."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from app.ui.report_dialog import ReportDialog
from tests.desks import desk_for
from tests.reports.conftest import october  # noqa: F401  (fixture)

TODAY = date(2026, 11, 23)


def _shown(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    return dialog


def test_enter_in_the_report_dialog_creates_the_report_in_a_folder_that_did_not_exist(
        qtbot, store, october, tmp_path, monkeypatch):  # noqa: F811
    browsed = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: browsed.append(a) or "")
    d = _shown(qtbot, ReportDialog(desk_for(store, october["supervisor"]), today=TODAY))
    d.open_file = lambda path: None
    missing = tmp_path / "profil-neuf" / "Documents"
    d.folder.setText(str(missing))
    d.folder.setFocus()
    qtbot.keyClick(d.folder, Qt.Key_Return)  # Entrée: « Créer le rapport », never « Parcourir… »
    qtbot.waitUntil(lambda: bool(d.result_paths), timeout=30000)
    assert browsed == [] and missing.is_dir()
    assert [p.name for p in d.result_paths] == ["rapport-2026-10.pdf", "rapport-2026-10.xlsx"]


def test_the_report_dialog_mnemonics_are_distinct_and_alt_c_creates(qtbot, store, october, tmp_path):  # noqa: F811
    d = _shown(qtbot, ReportDialog(desk_for(store, october["supervisor"]), today=TODAY))
    assert d.formats["csv"].text() == "CS&V" and d.create_button.text() == "&Créer le rapport"
    from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

    texts = [w.text() for w in d.findChildren(QWidget)
             if isinstance(w, (QAbstractButton, QLabel)) and "&" in w.text()]
    keys = [t[t.index("&") + 1].lower() for t in texts]
    assert len(keys) == len(set(keys)), texts  # one Alt+letter, one control


def test_all_structures_ticks_every_box_and_unticking_goes_back_to_the_agents_own(
        qtbot, store, october, tmp_path):  # noqa: F811
    d = _shown(qtbot, ReportDialog(desk_for(store, october["agent"]), today=TODAY))
    states = lambda: [d.structures.item(i).checkState() for i in range(d.structures.count())]  # noqa: E731
    assert d.all_structures.isChecked() and states() == [Qt.Checked, Qt.Checked]  # what the PDF covers
    assert not d.structures.isEnabled() and d.chosen_structures() is None
    qtbot.keyClick(d, Qt.Key_T, Qt.AltModifier)  # « &Toutes les structures »
    qtbot.waitUntil(lambda: not d.all_structures.isChecked(), timeout=2000)  # a mnemonic clicks after 100 ms
    assert states() == [Qt.Checked, Qt.Unchecked]
    assert d.chosen_structures() == [october["agent"].structure_id]


def test_settings_alt_n_reaches_the_national_service_and_no_class_name_is_shown(qtbot, store, site,
                                                                                 secure_keyring):
    from app.ui.settings_dialog import SettingsDialog

    d = _shown(qtbot, SettingsDialog(desk_for(store, site["supervisor"])))
    qtbot.keyClick(d.matricule, Qt.Key_N, Qt.AltModifier)
    assert d.tabs.currentIndex() == 2 and d.tabs.tabText(2) == "Service &national"
    assert "keyring" not in d.keyring_note.text().lower()
    from app.ui.sync_dialogs import ServiceDialog

    service = _shown(qtbot, ServiceDialog(desk_for(store, site["supervisor"])))
    text = service.keyring_label.text()  # it read « (keyring.backends.SecretService.Keyring) »
    assert text.startswith("✓ Trousseau sécurisé disponible : ")
    assert "keyring" not in text.lower() and "MemoryKeyring" not in text and "." not in text.rstrip(".")


def test_keyring_names_are_said_in_the_systems_own_words(monkeypatch):
    from app.store import secrets

    for backend, human in (("keyring.backends.SecretService.Keyring", "Secret Service"),
                           ("keyring.backends.Windows.WinVaultKeyring", "Windows"),
                           ("keyring.backends.kwallet.DBusKeyring", "KWallet"),
                           ("some.custom.Backend", "trousseau sécurisé du système")):
        monkeypatch.setattr(secrets, "backend_name", lambda b=backend: b)
        assert human in secrets.human_backend_name() and "keyring." not in secrets.human_backend_name()


def test_the_site_setting_turns_the_survey_offer_off_from_settings(qtbot, store, site):
    from app.core import structures
    from app.core.context import Actor
    from app.core.survey_offer import site_offers_survey
    from app.models.enums import Role
    from app.ui.settings_dialog import SettingsDialog

    with store.write() as s:
        admin = structures.create_agent(s, site["fixed"].id, "admin", "Ada Admin", Role.ADMINISTRATEUR)
    desk = desk_for(store, Actor(admin.id, site["fixed"].id, Role.ADMINISTRATEUR, "Ada Admin"))
    d = _shown(qtbot, SettingsDialog(desk))
    assert d.survey_hint.isChecked() and d.survey_hint.isEnabled()
    qtbot.keyClick(d.matricule, Qt.Key_Q, Qt.AltModifier)  # « Proposer l'en&quête… »
    qtbot.waitUntil(lambda: not d.survey_hint.isChecked(), timeout=2000)
    assert d.save()
    assert desk.query(site_offers_survey) is False
    agent_dialog = _shown(qtbot, SettingsDialog(desk_for(store, site["agent"])))
    assert not agent_dialog.survey_hint.isEnabled() and not agent_dialog.survey_hint.isChecked()


@pytest.mark.parametrize("who, enabled", [("agent", False), ("supervisor", True)])
def test_supervision_entries_are_greyed_out_for_an_agent(qtbot, store, site, frozen_clock, who, enabled):
    from app.ui.main_window import MainWindow
    from tests.ui.helpers import wait_refreshed

    window = MainWindow(desk_for(store, site[who]))
    qtbot.addWidget(window)
    window.show()
    wait_refreshed(qtbot, window)
    needing = {a.text().replace("&", ""): a for a in window.menu_supervision.actions() if a.property("permission")}
    assert {"Journal des accès…", "Effacer l'usager sélectionné…", "Agents et sécurité…"} <= set(needing)
    supervision = [a for name, a in needing.items() if name != "Agents et sécurité…"]
    assert all(a.isEnabled() is enabled for a in supervision)
    assert not needing["Agents et sécurité…"].isEnabled()  # administrators only
    if not enabled:
        assert "Réservé" in needing["Journal des accès…"].toolTip()
    assert window.report_action.isEnabled()  # the monthly report is every agent's


def test_lock_screen_shows_the_password_field_with_its_label_or_neither(qtbot, store, site, frozen_clock):
    from app.core import auth
    from app.ui import lock
    from app.ui.main_window import MainWindow
    from tests.ui.helpers import wait_refreshed

    window = MainWindow(desk_for(store, site["agent"]))
    qtbot.addWidget(window)
    window.show()
    wait_refreshed(qtbot, window)
    guard = lock.install(window, clock=lambda: 0.0)
    guard.lock()
    screen = guard.screen
    assert not screen.password_label.isVisible() and not screen.password_edit.isVisible()  # no passwords yet
    assert "Aucun mot de passe" in screen.hint.text() and screen.unlock_button.text() == "&Reprendre"
    screen.try_unlock()
    with store.write() as s:
        auth.set_password(s, site["agent"].agent_id, "Un-mot-de-passe-2026", site["agent"])
    guard.lock()
    assert screen.password_label.isVisible() and screen.password_edit.isVisible()
    assert screen.password_label.buddy() is screen.password_edit and screen.password_edit.width() > 100
