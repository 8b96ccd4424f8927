"""Supervision screens: journal view (filter, integrity, CSV export) and the agents dialog."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import QDate

from app.core import auth, journal
from app.core.context import Actor
from app.core.structures import create_agent
from app.models.enums import Role
from app.models.errors import PermissionDenied
from app.ui.agents_dialog import AgentsDialog
from app.ui.journal_view import JournalDialog
from tests.ui.helpers import focusable_widgets_without_name


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    from argon2 import profiles

    monkeypatch.setenv("GUICHET_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)


@pytest.fixture
def admin(store, site):
    with store.write() as session:
        agent = create_agent(session, site["fixed"].id, "admin", "Ada Admin", Role.ADMINISTRATEUR)
    return Actor(agent.id, site["fixed"].id, Role.ADMINISTRATEUR, "Ada Admin")


def test_journal_view_lists_filters_verifies_and_exports_with_escaping(qtbot, store, site, tmp_path, frozen_clock):
    sup = site["supervisor"]
    with store.write() as session:
        journal.record(session, site["agent"], "usager_viewed", "usager:abc")
        journal.record(session, sup, "login", "=cmd|' /C calc'!A0")
    dialog = JournalDialog(store, sup)
    qtbot.addWidget(dialog)
    dialog.show()
    assert focusable_widgets_without_name(dialog) == []
    # The default period comes from Qt's clock (QDate.currentDate), which time-machine does not
    # stop: the supervisor picks today's date, as the test's clock has it.
    today = QDate(frozen_clock.today().year, frozen_clock.today().month, frozen_clock.today().day)
    dialog.start_edit.setDate(today)
    dialog.end_edit.setDate(today)
    dialog.reload()
    assert dialog.table.rowCount() == 2
    dialog.agent_combo.setCurrentIndex(dialog.agent_combo.findData(site["agent"].agent_id))
    dialog.reload()
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 3).text() == "Fiche usager consultée"
    assert dialog.verify() and "intacte" in dialog.status.text()
    dialog.agent_combo.setCurrentIndex(0)
    path = dialog.export(str(tmp_path / "journal.csv"))
    rows = list(csv.reader(open(path, encoding="utf-8-sig"), delimiter=";"))
    assert any(r[4] == "'=cmd|' /C calc'!A0" for r in rows[1:-1])


def test_journal_view_refuses_agents(qtbot, store, site):
    with pytest.raises(PermissionDenied):
        JournalDialog(store, site["agent"])


def test_agents_dialog_creates_an_agent_and_shows_policy_errors_next_to_the_field(qtbot, store, site, admin):
    dialog = AgentsDialog(store, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert focusable_widgets_without_name(dialog) == []
    before = dialog.table.rowCount()
    dialog.clear_form()
    dialog.name_edit.setText("Jean Neuf")
    dialog.login_edit.setText("jean")
    dialog.password_edit.setText("court")
    assert not dialog.save()
    assert dialog.errors["password"].isVisible() and "trop faible" in dialog.errors["password"].text()
    dialog.password_edit.setText("Pomme-Neuve-Guichet-7")
    assert dialog.save()
    assert dialog.table.rowCount() == before + 1
    assert auth.login(store, _id(store, "jean"), "Pomme-Neuve-Guichet-7").display_name == "Jean Neuf"
    dialog.lock_spin.setValue(10)
    assert dialog.save_settings()
    with store.read() as session:
        assert auth.autolock_minutes(session) == 10


def test_agents_dialog_is_for_administrators_only(qtbot, store, site):
    with pytest.raises(PermissionDenied):
        AgentsDialog(store, site["supervisor"])


def _id(store, login):
    from sqlmodel import select

    from app.models.tables import Agent

    with store.read() as session:
        return session.exec(select(Agent).where(Agent.login == login)).one().id
