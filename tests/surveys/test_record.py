"""Recording responses: validation in French naming the field, nothing half-written."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from app.core.surveys import SurveyInput, input_for_accompaniment, record_batch, record_response
from app.models.errors import ValidationError
from app.models.surveys import SurveyResponse
from tests.surveys.factories import visit

TODAY = date(2026, 11, 23)


def rows(store):
    with store.read() as s:
        found = list(s.exec(select(SurveyResponse).order_by(SurveyResponse.id)))
        s.expunge_all()  # read() rolls back at exit, which would expire them
        return found


def save(store, actor, **kw):
    with store.write() as s:
        return record_response(s, actor, SurveyInput(**kw), today=TODAY)


def test_a_response_is_stored_with_its_context(store, site, actor):
    save(store, actor, satisfaction_globale=5, delais="4", demarche_aboutie=True, partner_code="caf",
         comment="  Merci   beaucoup\n", thematique="social_sante")
    [r] = rows(store)
    assert (r.answered_on, r.structure_id, r.canal, r.partner_code) == (TODAY, site["fixed"].id, "guichet", "CAF")
    assert (r.satisfaction_globale, r.delais, r.simplicite, r.demarche_aboutie) == (5, 4, None, True)
    assert r.comment == "Merci beaucoup" and r.source == "ecran" and len(r.uuid) == 32


@pytest.mark.parametrize("kw, field", [
    (dict(satisfaction_globale=0), "satisfaction_globale"),
    (dict(delais=6), "delais"),
    (dict(simplicite="a"), "simplicite"),
    (dict(simplicite="٣"), "simplicite"),  # Arabic-Indic three: ASCII digits only
    (dict(qualite_accueil=True), "qualite_accueil"),
    (dict(facilite_acces=4.5), "facilite_acces"),
    (dict(), "satisfaction_globale"),  # nothing answered
    (dict(satisfaction_globale=3, answered_on=date(2026, 11, 24)), "answered_on"),
    (dict(satisfaction_globale=3, answered_on=date(2018, 12, 31)), "answered_on"),
    (dict(satisfaction_globale=3, answered_on="hier"), "answered_on"),
    (dict(satisfaction_globale=3, canal="pigeon"), "canal"),
    (dict(satisfaction_globale=3, partner_code="XYZ"), "partner"),
    (dict(satisfaction_globale=3, thematique="cuisine"), "thematique"),
    (dict(satisfaction_globale=3, bus_stop_id=9999), "bus_stop"),
    (dict(satisfaction_globale=3, comment="x" * 301), "comment"),
    (dict(satisfaction_globale=3, source="web"), "source"),
    (dict(satisfaction_globale=3, structure_id=9999), "structure"),
])
def test_bad_input_is_refused_with_a_french_message_and_nothing_written(store, site, actor, kw, field):
    with pytest.raises(ValidationError) as err:
        save(store, actor, **kw)
    assert err.value.field == field
    assert err.value.message and err.value.message[0].isupper()
    assert rows(store) == []


def test_a_bus_stop_of_another_structure_is_refused(store, site, actor):
    with pytest.raises(ValidationError) as err:
        save(store, actor, satisfaction_globale=4, canal="itinerant_bus", bus_stop_id=site["stops"][0].id)
    assert err.value.field == "bus_stop"
    save(store, site["bus_agent"], satisfaction_globale=4, canal="itinerant_bus", bus_stop_id=site["stops"][0].id)
    assert rows(store)[0].bus_stop_id == site["stops"][0].id


def test_only_aboutie_is_a_valid_answer(store, site, actor):
    save(store, actor, demarche_aboutie=False)
    assert rows(store)[0].demarche_aboutie is False


def test_a_time_given_with_the_date_is_dropped(store, site, actor):
    save(store, actor, satisfaction_globale=4, answered_on=datetime(2026, 11, 20, 15, 42, 7))
    assert rows(store)[0].answered_on == date(2026, 11, 20)


def test_comments_are_masked_before_saving(store, site, actor):
    save(store, actor, satisfaction_globale=4, comment="Rappelez-moi au 06 12 34 56 78 ou jean@free.fr")
    assert rows(store)[0].comment == "Rappelez-moi au [téléphone masqué] ou [courriel masqué]"


def test_a_batch_with_one_bad_row_writes_nothing(store, site, actor):
    good = SurveyInput(satisfaction_globale=5, answered_on=date(2026, 11, 2), source="papier")
    bad = SurveyInput(satisfaction_globale=7, answered_on=date(2026, 11, 2), source="papier")
    with pytest.raises(ValidationError) as err:
        with store.write() as s:
            record_batch(s, actor, [good, good, bad, good], today=TODAY)
    assert err.value.row == 2 and str(err.value).startswith("Ligne 3 : ")
    assert err.value.field == "satisfaction_globale"
    assert rows(store) == []
    with store.write() as s:
        record_batch(s, actor, [good, good], today=TODAY)
    assert [r.source for r in rows(store)] == ["papier", "papier"]


def test_context_of_an_accompaniment_is_copied_but_not_its_identity(store, site):
    bus_agent = site["bus_agent"]
    acc_id = visit(store, bus_agent, partners=("ANTS", "CAF"), canal="itinerant_bus",
                   bus_stop_id=site["stops"][1].id)
    with store.read() as s:
        data = input_for_accompaniment(s, acc_id, today=TODAY)
    assert (data.canal, data.bus_stop_id, data.partner_code, data.structure_id) == (
        "itinerant_bus", site["stops"][1].id, "ANTS", site["bus"].id)
    assert not any("accompaniment" in k or "usager" in k for k in vars(data))


def test_surveys_need_a_role_with_the_permission(store, site):
    from app.core.context import Actor
    from app.models.errors import PermissionDenied

    ghost = Actor(agent_id=1, structure_id=site["fixed"].id, role="inconnu")
    with pytest.raises(PermissionDenied):
        save(store, ghost, satisfaction_globale=5)
