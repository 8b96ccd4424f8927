"""The Desk: one door, a fresh actor at every operation, scope applied in the core, the changes
record, and derived data (search rows, last contact, sync month marks) kept in step on commit."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, select

from app.core import auth, cases, checklists, followups, journal, rights, structures, usagers
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.cases import CaseFilter
from app.core.context import Actor
from app.core.desk import Desk
from tests.pg import backend
from app.models.enums import CaseStatus, Role
from app.models.errors import DomainError, NotFound, PermissionDenied
from app.models.sync_status import SyncMonthStatus
from app.models.tables import Usager

WHEN = datetime(2026, 10, 14, 10, 30)
NOW = datetime(2026, 10, 20, 12, 0)


def desk_for(store, actor: Actor) -> Desk:
    """A Desk for one of the `site` fixture's agents (no passwords yet: choosing is the login)."""
    with store.read() as session:
        return Desk(store, auth.grant_without_password(session, actor.agent_id))


def visit(partner="CAF", proc="CAF-RSA", **kw) -> AccompanimentInput:
    kw.setdefault("occurred_at", WHEN)
    return AccompanimentInput([ProcedureLine(partner, proc)], **kw)


def dump(store) -> dict:
    """Every row of every table (and of the FTS tables), to prove a refusal changed nothing."""
    out = {}
    with store.read() as s:
        for table in SQLModel.metadata.sorted_tables:
            out[table.name] = sorted(map(repr, s.execute(table.select()).all()))
        for fts in ("accompaniment_fts", "usager_fts"):
            key = "id" if backend(store) == "postgresql" else "rowid"
            out[fts] = sorted(map(repr, s.execute(text(f"SELECT {key}, body FROM {fts}")).all()))
    return out


@pytest.fixture
def world(store, site):
    """A case with an identified usager at the fixed site, and one at the bus."""
    site_desk, bus_desk = desk_for(store, site["agent"]), desk_for(store, site["bus_agent"])
    fixed = site_desk.open_accompaniment(visit(follow_up_on=date(2026, 10, 30), status="ouvert",
                                               new_usager=usagers.UsagerInput(first_name="Hélène", last_name="Fixe",
                                                                              phone="06 11 22 33 44")),
                                         now=NOW).value
    bus = bus_desk.open_accompaniment(visit(canal="itinerant_bus", bus_stop_id=site["stops"][0].id,
                                            new_usager=usagers.UsagerInput(first_name="Bastien", last_name="Route")),
                                      now=NOW).value
    return {"site": site_desk, "bus": bus_desk, "fixed_case": fixed.id, "bus_case": bus.id,
            "fixed_usager": fixed.usager_id, "bus_usager": bus.usager_id, "stop": site["stops"][0].id}


# --------------------------------------------------------------------------- issuing

def test_a_hand_built_actor_or_grant_cannot_open_a_desk(store, site):
    with pytest.raises(PermissionDenied):
        Desk(store, Actor(site["agent"].agent_id, site["fixed"].id, Role.ADMINISTRATEUR))
    with pytest.raises(PermissionDenied):
        Desk(store, auth.Grant(site["agent"].agent_id, site["fixed"].id, Role.ADMINISTRATEUR, seal="0" * 64))


def test_a_grant_of_an_agent_with_a_claimed_role_acts_with_the_role_in_the_store(store, site):
    desk = desk_for(store, site["agent"])
    assert desk.actor.role == Role.AGENT
    with pytest.raises(PermissionDenied):
        desk.query(journal.entries)


def test_choosing_an_agent_is_no_login_once_passwords_exist(store, site):
    with store.write() as s:
        auth.set_password(s, site["supervisor"].agent_id, "Pomme-Verte-Guichet-9")
    with store.read() as s, pytest.raises(PermissionDenied):
        auth.grant_without_password(s, site["agent"].agent_id)


# --------------------------------------------------------------------------- the stale actor

ADMIN_PW, SUP_PW = "Pomme-Verte-Guichet-9", "Poire-Jaune-Guichet-4"


@pytest.fixture
def logged_in_supervisor(store, site):
    """An administrator and a supervisor with passwords; the supervisor logged in at a desk."""
    with store.write() as s:
        admin = structures.create_agent(s, site["fixed"].id, "root", "Admin", Role.ADMINISTRATEUR)
        auth.set_password(s, admin.id, ADMIN_PW)
    admin_grant = auth.login(store, admin.id, ADMIN_PW)
    with store.write() as s:
        auth.set_password(s, site["supervisor"].agent_id, SUP_PW, admin_grant)
    return Desk(store, auth.login(store, site["supervisor"].agent_id, SUP_PW)), Desk(store, admin_grant)


def test_a_deactivated_supervisor_is_refused_at_the_next_operation(store, site, logged_in_supervisor):
    sup, admin = logged_in_supervisor
    assert sup.query(journal.entries) is not None
    admin.op(auth.update_agent, site["supervisor"].agent_id, active=False)
    with pytest.raises(PermissionDenied, match="désactivé"):
        sup.query(journal.entries)
    with pytest.raises(PermissionDenied):
        sup.today()


def test_a_demoted_supervisor_loses_the_journal_at_once(store, site, logged_in_supervisor):
    sup, admin = logged_in_supervisor
    admin.op(auth.update_agent, site["supervisor"].agent_id, role="agent")
    with pytest.raises(PermissionDenied):
        sup.query(journal.entries)
    assert sup.actor.role == Role.AGENT


# --------------------------------------------------------------------------- scope matrix

def _bus_agent_attempts(w):
    """Every core read and write, by the bus agent, aimed at the fixed site's records."""
    case, usager = w["fixed_case"], w["fixed_usager"]
    bus = w["bus"]
    return {
        "case": lambda: bus.case(case),
        "input_for": lambda: bus.input_for(case),
        "history": lambda: bus.query(lambda s, a: __import__("app.core.accompaniments", fromlist=["x"]).history(s, a, case)),
        "update": lambda: bus.update_accompaniment(case, visit(note="modifié par le bus"), now=NOW),
        "change_status": lambda: bus.change_status(case, CaseStatus.CLOS),
        "usager": lambda: bus.usager(usager),
        "update_usager": lambda: bus.op(usagers.update_usager, usager, usagers.UsagerInput(first_name="Pirate")),
        "attach_usager": lambda: bus.open_accompaniment(visit(canal="itinerant_bus", bus_stop_id=w["stop"],
                                                              usager_id=usager), now=NOW),
        "moments": lambda: bus.query(checklists.moments_for_case, case),
        "start_moment": lambda: bus.op(checklists.start_moment, case, next(iter(checklists.bundled_catalogue().moments)),
                                       date(2026, 10, 1), today=date(2026, 10, 14)),
        "log_call": lambda: bus.op(followups.log_call, case, followups.CallInput("joint")),
        "calls_of": lambda: bus.query(followups.calls_of, case),
        "case_phone": lambda: bus.query(followups.case_phone, case),
        "set_usager_phone": lambda: bus.op(followups.set_usager_phone, usager, "0611111111"),
    }


@pytest.mark.parametrize("name", sorted(_bus_agent_attempts({"fixed_case": 0, "fixed_usager": 0, "bus": None, "stop": 0})))
def test_a_bus_agent_cannot_read_or_write_the_sites_records_and_nothing_changes(store, world, name):
    before = dump(store)
    with pytest.raises(DomainError) as err:  # NotFound, or « Usager introuvable » next to the field
        _bus_agent_attempts(world)[name]()
    assert err.value.message  # a French message, not a traceback
    assert dump(store) == before


def test_lists_and_searches_are_filtered_to_the_agents_structure(store, world):
    bus, site = world["bus"], world["site"]
    assert [r.id for r in bus.list_cases()[0]] == [world["bus_case"]]
    assert bus.list_cases(CaseFilter(structure_id=site.actor.structure_id))[0] == []
    assert bus.list_cases(CaseFilter(text="Hélène"))[0] == []
    assert bus.search_usagers("Hél") == []
    assert [u.id for u in site.search_usagers("Hél")] == [world["fixed_usager"]]
    assert bus.query(cases.count_cases, CaseFilter()) == 1


def test_a_supervisor_sees_the_site_and_its_bus(store, site, world):
    sup = desk_for(store, site["supervisor"])
    assert {r.id for r in sup.list_cases()[0]} == {world["fixed_case"], world["bus_case"]}
    assert sup.case(world["bus_case"]).usager_name == "Bastien ROUTE"
    assert sup.query(rights.export_usager, world["bus_usager"])["usager"]["first_name"] == "Bastien"


def test_rights_of_another_structure_are_refused(store, site, world):
    with store.write() as s:
        other = structures.create_structure(s, "100003", "France services d'Ailleurs")
        boss = structures.create_agent(s, other.id, "bob", "Bob Ailleurs", Role.SUPERVISEUR)
    with store.read() as s:
        boss_desk = Desk(store, auth.grant_without_password(s, boss.id))
    # the supervisor of a store sees every structure of that store: that is the rule, documented
    assert boss_desk.actor.sees(site["fixed"].id)
    bus = world["bus"]
    with pytest.raises(PermissionDenied):
        bus.query(rights.export_usager, world["fixed_usager"])


# --------------------------------------------------------------------------- changes and derived data

def test_a_write_returns_what_it_touched(store, world):
    result = world["site"].update_accompaniment(world["fixed_case"], visit(occurred_at=datetime(2026, 9, 30, 9, 0),
                                                                           usager_id=world["fixed_usager"]), now=NOW)
    ch = result.changes
    assert ch.accompaniments == {world["fixed_case"]}
    assert (world["site"].actor.structure_id, date(2026, 9, 1)) in ch.months
    assert (world["site"].actor.structure_id, date(2026, 10, 1)) in ch.months
    assert ch.touches("accompaniment")


def test_listeners_hear_committed_writes_only(store, world):
    heard = []
    stop = world["site"].listen(lambda ch, source: heard.append((sorted(ch.accompaniments), source)))
    world["site"].change_status(world["fixed_case"], CaseStatus.CLOS, source="detail")
    with pytest.raises(NotFound):
        world["site"].change_status(999999, CaseStatus.CLOS)
    stop()
    world["site"].change_status(world["fixed_case"], CaseStatus.OUVERT)
    assert heard == [([world["fixed_case"]], "detail")]


def test_renaming_a_usager_reindexes_all_their_cases(store, world):
    site = world["site"]
    second = site.open_accompaniment(visit("ANTS", None, thematique="papiers_citoyennete",
                                           usager_id=world["fixed_usager"]), now=NOW).value
    site.op(usagers.update_usager, world["fixed_usager"], usagers.UsagerInput(first_name="Hélène", last_name="Nouvelnom"))
    found = {r.id for r in site.list_cases(CaseFilter(text="nouvelnom"))[0]}
    assert found == {world["fixed_case"], second.id}
    assert site.list_cases(CaseFilter(text="fixe"))[0] == []


def test_an_autre_demarche_case_is_edited_through_the_same_path_as_created(store, world):
    site = world["site"]
    created = site.open_accompaniment(AccompanimentInput([ProcedureLine("CAF", None, "Aide exceptionnelle")],
                                                         occurred_at=WHEN), now=NOW).value
    assert created.thematique  # the core chose the partner's usual thématique
    data = site.input_for(created.id)
    data.thematique = None  # the form does not hold a thématique for a free démarche
    data.note = "rappel prévu"
    edited = site.update_accompaniment(created.id, data, now=NOW).value
    assert edited.note == "rappel prévu" and edited.thematique == created.thematique


def test_last_contact_follows_the_visit_dates_both_ways(store, world):
    site, case, uid = world["site"], world["fixed_case"], world["fixed_usager"]

    def last_contact():
        with store.read() as s:
            return s.get(Usager, uid).last_contact_on

    assert last_contact() == WHEN.date()
    data = site.input_for(case)
    data.occurred_at = datetime(2026, 10, 19, 9, 0)
    site.update_accompaniment(case, data, now=NOW)
    assert last_contact() == date(2026, 10, 19)
    data.occurred_at = datetime(2026, 3, 2, 9, 0)
    data.follow_up_on = None
    site.update_accompaniment(case, data, now=NOW)
    assert last_contact() == date(2026, 3, 2)


def test_writes_mark_their_months_and_the_sync_counts_only_those_again(store, world, monkeypatch):
    from app.sync import pending, snapshot, state

    sid = world["site"].actor.structure_id
    with store.write() as s:
        assert pending.settle(s, sid) == 1  # October
    with store.read() as s:
        rows = {r.month: r.dirty for r in s.exec(select(SyncMonthStatus).where(SyncMonthStatus.structure_id == sid))}
    assert rows == {date(2026, 10, 1): False}
    world["site"].open_accompaniment(visit(occurred_at=datetime(2026, 8, 3, 9, 0)), now=NOW)
    counted = []
    real = snapshot.month_counts
    monkeypatch.setattr(snapshot, "month_counts", lambda s, i, m: counted.append(m) or real(s, i, m))
    with store.read() as s:
        states = state.month_states(s, sid)
    monkeypatch.undo()
    with store.read() as s:
        fresh = [snapshot.build_snapshot(s, sid, st.month).hash for st, _ in states]
    # August is dirty and counted; September (no row: between the first and last month) is
    # counted as a zero month; October's kept counts are reused, and give the same hash.
    assert counted == [date(2026, 8, 1), date(2026, 9, 1)]
    assert [snap.hash for _, snap in states] == fresh
