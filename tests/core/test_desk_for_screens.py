"""What the screens need from the core besides Desk.query/op: store-level operations with a fresh
actor and their changes announced, handing the desk over, the screens' one-transaction reads,
the structure settings writer and the set-up that logs the administrator in (real SQLite file)."""

from __future__ import annotations

from datetime import datetime

import pytest

from app import config
from app.core import accompaniments, auth, counter, rights, structures, usagers
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.context import Actor
from app.core.desk import Desk
from app.core.setup import SetupAnswers, apply_setup
from app.models.enums import Role
from app.models.errors import NotFound, PermissionDenied, ValidationError
from app.models.tables import Agent, Setting, Usager
from tests.desks import desk_for


def _case(store, actor, **kw) -> int:
    with store.write() as session:
        return accompaniments.open_accompaniment(session, actor, AccompanimentInput(
            [ProcedureLine("CAF")], occurred_at=datetime(2026, 10, 6, 10, 0), **kw)).id


def test_store_op_runs_with_a_fresh_actor_and_announces_what_it_committed(store, site):
    sup = site["supervisor"]
    with store.write() as session:
        uid = usagers.create_usager(session, sup, usagers.UsagerInput(first_name="Effa", last_name="Cement")).id
    with store.write() as session:
        session.get(Agent, sup.agent_id).role = Role.ADMINISTRATEUR.value  # promoted since the login
    desk = desk_for(store, sup)
    heard = []
    desk.listen(lambda changes, source: heard.append((changes, source)))
    seen = []
    result = desk.store_op(lambda st, actor, i: seen.append(actor.role) or rights.erase_usager(st, actor, i), uid,
                           source="supervision")
    assert seen == [Role.ADMINISTRATEUR]  # re-read from the store, not the grant's copy
    with store.read() as session:
        assert session.get(Usager, uid) is None
    [(changes, source)] = heard
    assert source == "supervision" and uid in changes.usagers and changes == result.changes


def test_store_op_refuses_a_deactivated_agent_before_anything_runs(store, site):
    desk = desk_for(store, site["supervisor"])
    with store.write() as session:
        session.get(Agent, site["supervisor"].agent_id).active = False
    ran = []
    with pytest.raises(PermissionDenied):
        desk.store_op(lambda st, actor: ran.append(actor))
    assert ran == []


def test_store_op_does_not_announce_a_write_it_rolled_back(store, site):
    desk = desk_for(store, site["agent"])
    heard = []
    desk.listen(lambda changes, source: heard.append(changes))

    def half(st, actor):
        try:
            with st.write() as session:
                session.add(Setting(key="brouillon", value="1"))
                session.flush()
                raise ValueError("abandon")
        except ValueError:
            return "rolled back"

    assert desk.store_op(half).value == "rolled back"
    assert heard == []


def test_hand_over_switches_the_agent_and_refuses_a_hand_built_actor(store, site):
    desk = desk_for(store, site["agent"])
    assert desk.actor.display_name == "Marie Curie"
    with pytest.raises(PermissionDenied):
        desk.hand_over(Actor(site["bus_agent"].agent_id, site["bus"].id, Role.ADMINISTRATEUR))
    assert desk.actor.display_name == "Marie Curie"
    desk.hand_over(auth.choose_agent(store, site["bus_agent"].agent_id))
    assert desk.actor.display_name == "Léa Bus" and desk.actor.structure_ids == frozenset({site["bus"].id})


def test_the_form_and_the_case_detail_read_only_cases_in_scope(store, site):
    case_id = _case(store, site["agent"], new_usager=usagers.UsagerInput(first_name="Ana", last_name="Lopez"))
    mine = desk_for(store, site["agent"]).query(counter.form_setup, case_id)
    assert mine.existing.procedures[0].partner_code == "CAF" and mine.existing_usager == "Ana LOPEZ"
    detail = desk_for(store, site["agent"]).query(counter.case_detail, case_id)
    assert detail.view.usager_name == "Ana LOPEZ" and detail.agent_names[site["agent"].agent_id] == "Marie Curie"
    bus = desk_for(store, site["bus_agent"])
    for read in (counter.form_setup, counter.case_detail):
        with pytest.raises(NotFound):
            bus.query(read, case_id)
    rows, cursor, extra = bus.query(counter.list_page, None, None, 10, [lambda session, ids: {}])
    assert rows == [] and cursor is None and extra == {}


def test_list_page_gives_each_extra_column_a_text_per_row(store, site):
    ids = [_case(store, site["agent"]) for _ in range(3)]
    rows, cursor, extra = desk_for(store, site["agent"]).query(
        counter.list_page, None, None, 2, [lambda session, got: {i: f"n°{i}" for i in got}])
    assert [r.id for r in rows] == sorted(ids, reverse=True)[:2] and cursor is not None
    assert extra == {r.id: [f"n°{r.id}"] for r in rows}


def test_structure_settings_are_saved_together_or_not_at_all(store, site):
    admin = desk_for(store, _admin(store, site))
    with pytest.raises(ValidationError) as refused:
        admin.op(structures.save_structure_settings, matricule="100001", name="Nouveau nom", new_stops=[],
                 removed_stop_ids=[], service_url="http://exemple.fr")  # plain http off 127.0.0.1
    assert refused.value.field == "url"
    with store.read() as session:
        assert structures.get_structure(session, site["fixed"].id).name == "France services de Testville"
    admin.op(structures.save_structure_settings, matricule="100001", name="Nouveau nom", new_stops=[],
             removed_stop_ids=[], service_url="https://service.exemple.fr/")
    with store.read() as session:
        assert structures.get_structure(session, site["fixed"].id).name == "Nouveau nom"
        assert config.SYNC_SERVICE_URL.get(session) == "https://service.exemple.fr"


def _admin(store, site) -> Actor:
    with store.write() as session:
        agent = structures.create_agent(session, site["fixed"].id, "ada", "Ada Admin", Role.ADMINISTRATEUR)
    return Actor(agent.id, site["fixed"].id, Role.ADMINISTRATEUR, agent.display_name)


def test_the_set_up_logs_the_new_administrator_in(store, monkeypatch):
    from argon2 import profiles

    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)
    result = apply_setup(store, SetupAnswers(matricule="123456", name="FS de Test", login="claire.admin",
                                             display_name="Claire Admin", password="Guichet-2026-sûr!"))
    desk = Desk(store, result.grant)  # a real Grant: the Desk accepts it
    assert (desk.actor.display_name, desk.actor.role) == ("Claire Admin", Role.ADMINISTRATEUR)
    assert result.token_saved is False


def test_a_token_without_the_keyring_writer_is_a_programming_error_and_writes_nothing(store):
    answers = SetupAnswers(matricule="123456", name="FS de Test", login="claire.admin",
                           password="Guichet-2026-sûr!", token="jeton-de-plus-de-vingt-caracteres")
    with pytest.raises(ValueError):
        apply_setup(store, answers)
    with store.read() as session:
        assert structures.structures(session) == []
