"""Opening, updating and closing accompaniments through the services."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.core import accompaniments as acc
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.usagers import UsagerInput
from app.models.errors import ValidationError
from app.models.tables import Accompaniment, AccompanimentEvent, Usager


def simple(**kw):
    return AccompanimentInput([ProcedureLine("ANTS", "ANTS-CG-CHANGEMENT-TITULAIRE")], **kw)


def count(store, model):
    with store.read() as s:
        return len(s.exec(select(model)).all())


def test_logging_a_simple_information_request_closes_it(store, actor):
    with store.write() as s:
        a = acc.open_accompaniment(s, actor, simple())
    with store.read() as s:
        saved = s.get(Accompaniment, a.id)
        assert saved.status == "clos"
        assert saved.thematique == "transports_mobilite"  # from the démarche
        assert saved.agent_id == actor.agent_id and saved.structure_id == actor.structure_id
        assert [l.procedure_code for l in acc.procedure_lines(s, a.id)] == ["ANTS-CG-CHANGEMENT-TITULAIRE"]


def test_a_follow_up_date_keeps_the_case_open(store, actor, frozen_clock):
    with store.write() as s:
        a = acc.open_accompaniment(s, actor, simple(follow_up_on=frozen_clock.today() + timedelta(days=7), new_usager=UsagerInput(first_name="Zoé", last_name="Martin", phone="06 12 34 56 78")))
    assert a.status == "ouvert"


@pytest.mark.parametrize("data, field", [
    (AccompanimentInput([]), "procedure"),
    (AccompanimentInput([ProcedureLine("NOPE")]), "procedure"),
    (AccompanimentInput([ProcedureLine("CAF", "ANTS-CG-CESSION")]), "procedure"),
    (simple(canal="pigeon"), "canal"),
    (simple(duration_min=0), "duration"),
    (simple(duration_min="abc"), "duration"),
    (lambda clock: simple(occurred_at=clock.now() + timedelta(days=1)), "occurred_at"),
    (simple(response_type="demarche_realisee_sous_mandat"), "mandate"),
    (lambda clock: simple(follow_up_on=clock.today() - timedelta(days=3)), "follow_up_on"),
    (simple(note="x" * 501), "note"),
    (simple(canal="itinerant_bus"), "bus_stop"),
    (simple(status="perdu"), "status"),
    (AccompanimentInput([ProcedureLine("CAF")], thematique="astrologie"), "thematique"),
    (simple(new_usager=UsagerInput(first_name="Jean", phone="12")), "phone"),
    (simple(new_usager=UsagerInput(first_name="J3an")), "first_name"),
])
def test_bad_input_is_refused_with_a_french_message_and_nothing_is_written(store, actor, frozen_clock, data, field):
    if callable(data):  # relative to the test's clock, not to the moment the module was collected
        data = data(frozen_clock)
    with pytest.raises(ValidationError) as err:
        with store.write() as s:
            acc.open_accompaniment(s, actor, data)
    assert err.value.field == field
    assert err.value.message and err.value.message[0].isupper()
    assert count(store, Accompaniment) == 0
    assert count(store, Usager) == 0
    with store.read() as s:
        assert s.exec(text("SELECT count(*) FROM accompaniment_fts")).one()[0] == 0


def test_bus_accompaniment_needs_a_stop_of_that_bus(store, site):
    bus_agent, stops = site["bus_agent"], site["stops"]
    with store.write() as s:
        a = acc.open_accompaniment(s, bus_agent, simple(canal="itinerant_bus", bus_stop_id=stops[1].id))
    assert a.bus_stop_id == stops[1].id
    with pytest.raises(ValidationError):
        with store.write() as s:
            acc.open_accompaniment(s, site["agent"], simple(canal="itinerant_bus", bus_stop_id=stops[0].id))


def test_new_identified_usager_is_created_with_the_accompaniment(store, actor):
    with store.write() as s:
        a = acc.open_accompaniment(s, actor, simple(new_usager=UsagerInput(first_name="Élise", last_name="Moreau",
                                                                             phone="06 12 34 56 78")))
    with store.read() as s:
        u = s.get(Usager, a.usager_id)
        assert (u.first_name, u.last_name, u.phone, u.anonymous) == ("Élise", "Moreau", "+33612345678", False)
        assert u.last_contact_on == a.occurred_at.date()


def test_updates_and_status_changes_are_kept_in_history(store, actor, frozen_clock):
    with store.write() as s:
        a = acc.open_accompaniment(s, actor, simple(follow_up_on=frozen_clock.today(), new_usager=UsagerInput(first_name="Zoé", last_name="Martin", phone="06 12 34 56 78")))
    with store.write() as s:
        acc.change_status(s, actor, a.id, "en_attente_partenaire")
    with store.write() as s:
        data = acc.input_for(s, actor, a.id)
        data.note = "Rappeler après réponse ANTS"
        data.procedures.append(ProcedureLine("CAF", "CAF-LOGEMENT"))
        acc.update_accompaniment(s, actor, a.id, data)
    with store.write() as s:
        acc.close_accompaniment(s, actor, a.id, finalisation="finalisee")
    with store.read() as s:
        events = acc.history(s, actor, a.id)
        assert [e.kind for e in events] == ["created", "status", "updated", "updated"]
        assert '"en_attente_partenaire"' in events[1].detail
        assert "procedures" in events[2].detail and "note" in events[2].detail
        final = s.get(Accompaniment, a.id)
        assert (final.status, final.finalisation) == ("clos", "finalisee")


def test_an_update_with_no_change_writes_no_history(store, actor):
    with store.write() as s:
        a = acc.open_accompaniment(s, actor, simple())
    with store.write() as s:
        acc.update_accompaniment(s, actor, a.id, acc.input_for(s, actor, a.id))
    assert count(store, AccompanimentEvent) == 1


def test_repeat_last_prefills_from_the_agents_previous_entry(store, actor):
    with store.read() as s:
        assert acc.last_input(s, actor) is None
    with store.write() as s:
        acc.open_accompaniment(s, actor, simple(duration_min=30, note="privé", response_type="accompagnement_numerique"))
    with store.read() as s:
        data = acc.last_input(s, actor)
    assert data.duration_min == 30 and data.response_type == "accompagnement_numerique"
    assert data.note == "" and data.usager_id is None and data.occurred_at is None
