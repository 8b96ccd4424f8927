"""Supervision screens: journal view (filter, integrity, CSV export) and the agents dialog."""

from __future__ import annotations

import csv
from datetime import datetime

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
from tests.desks import desk_for


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    from argon2 import profiles

    monkeypatch.setenv("GUICHET_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)


ADMIN_PW = "Grand-Chef-Gouverne-2026"


@pytest.fixture
def admin(store, site):
    """The administrator, with the password the set-up wizard gave them (log in with ADMIN_PW)."""
    with store.write() as session:
        agent = create_agent(session, site["fixed"].id, "admin", "Ada Admin", Role.ADMINISTRATEUR)
        auth.set_password(session, agent.id, ADMIN_PW)  # as the set-up wizard does
    return Actor(agent.id, site["fixed"].id, Role.ADMINISTRATEUR, "Ada Admin")


def test_journal_view_lists_filters_verifies_and_exports_with_escaping(qtbot, store, site, tmp_path, frozen_clock):
    sup = site["supervisor"]
    with store.write() as session:
        journal.record(session, site["agent"], "usager_viewed", "usager:abc")
        journal.record(session, sup, "login", "=cmd|' /C calc'!A0")
    dialog = JournalDialog(desk_for(store, sup))
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
    with qtbot.waitSignal(dialog.verified, timeout=10000) as checked:  # off the UI thread
        dialog.verify()
    assert checked.args == [True] and "intacte" in dialog.status.text()
    dialog.agent_combo.setCurrentIndex(0)
    with qtbot.waitSignal(dialog.exported, timeout=10000) as written:
        dialog.export(str(tmp_path / "journal.csv"))
    path = written.args[0]
    rows = list(csv.reader(open(path, encoding="utf-8-sig"), delimiter=";"))
    assert any(r[4] == "'=cmd|' /C calc'!A0" for r in rows[1:-1])


def test_journal_view_refuses_agents(qtbot, store, site):
    with pytest.raises(PermissionDenied):
        JournalDialog(desk_for(store, site["agent"]))


def test_agents_dialog_creates_an_agent_and_shows_policy_errors_next_to_the_field(qtbot, store, site, admin):
    dialog = AgentsDialog(desk_for(store, admin, ADMIN_PW))
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


def test_agents_dialog_refuses_a_new_agent_without_a_password_next_to_the_field(qtbot, store, site, admin):
    """Issue 12, finding 1: the dialog used to create a supervisor with a blank password."""
    dialog = AgentsDialog(desk_for(store, admin, ADMIN_PW))
    qtbot.addWidget(dialog)
    dialog.show()
    before = dialog.table.rowCount()
    dialog.clear_form()
    dialog.name_edit.setText("Zoé Neuve")
    dialog.login_edit.setText("zoe")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.SUPERVISEUR.value))
    assert not dialog.save()
    assert dialog.errors["password"].isVisible() and "mot de passe" in dialog.errors["password"].text()
    dialog.reload()
    assert dialog.table.rowCount() == before


def test_agents_dialog_asks_a_password_when_editing_an_agent_who_has_none(qtbot, store, site, admin):
    dialog = AgentsDialog(desk_for(store, admin, ADMIN_PW))
    qtbot.addWidget(dialog)
    dialog.show()
    row = next(r for r, a in enumerate(dialog.agents) if a.login == "paul")
    dialog.table.selectRow(row)
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.AGENT.value))
    assert not dialog.save()
    assert dialog.errors["password"].isVisible() and "pas de mot de passe" in dialog.errors["password"].text()
    dialog.password_edit.setText("Soleil-Revient-2031")
    assert dialog.save()
    assert auth.login(store, _id(store, "paul"), "Soleil-Revient-2031").role == Role.AGENT


def test_agents_dialog_is_for_administrators_only(qtbot, store, site):
    with pytest.raises(PermissionDenied):
        AgentsDialog(desk_for(store, site["supervisor"]))


def _id(store, login):
    from sqlmodel import select

    from app.models.tables import Agent

    with store.read() as session:
        return session.exec(select(Agent).where(Agent.login == login)).one().id


def test_journal_view_shows_entries_of_the_first_hours_of_the_day_under_that_day(qtbot, store, site,
                                                                                 frozen_clock):
    """Journal times are UTC; the period and the times shown are local: at 00:30 in Paris (22:30 UTC
    the day before) today's entries are today's, shown at 00:30."""
    frozen_clock.move_to(datetime(2026, 10, 14, 0, 30))
    with store.write() as session:
        journal.record(session, site["agent"], "usager_viewed", "usager:minuit")
    dialog = JournalDialog(desk_for(store, site["supervisor"]))
    qtbot.addWidget(dialog)
    today = QDate(2026, 10, 14)
    dialog.start_edit.setDate(today)
    dialog.end_edit.setDate(today)
    dialog.reload()
    shown = [dialog.table.item(r, 4).text() for r in range(dialog.table.rowCount())]
    assert "usager:minuit" in shown
    row = shown.index("usager:minuit")
    assert dialog.table.item(row, 1).text().startswith("14/10/2026 00:3")
