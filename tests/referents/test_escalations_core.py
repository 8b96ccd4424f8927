"""Escalation lifecycle in the core: case waits for the partner, answer ends the wait, À relancer,
scope, journal, and the note's anonymisation with the case."""

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from app.core import escalations as esc
from app.core import referents
from app.core.cases import CaseFilter, list_cases
from app.core.escalations import EscalationInput
from app.core.rights import strip_accompaniments
from app.models.errors import NotFound, ValidationError
from app.models.referents import Escalation
from app.models.security import JournalEntry
from tests.desks import desk_for
from tests.referents.helpers import add_referent, open_case


def send(desk, case_id, **kw):
    base = dict(accompaniment_id=case_id, partner_code="CAF", channel="telephone", reason="dossier_bloque",
                note="Relance dossier")
    base.update(kw)
    return desk.op(esc.escalate, EscalationInput(**base)).value


def test_lifecycle_waits_then_answer_reopens_for_follow_up(store, site, frozen_clock):
    today = frozen_clock.today()
    desk = desk_for(store, site["agent"])
    case = open_case(store, site["agent"], frozen_clock.earlier_today(30))
    rid = add_referent(store, site["agent"])
    first = send(desk, case, referent_id=rid)
    view = desk.case(case).accompaniment
    assert (view.status, view.follow_up_on) == ("en_attente_partenaire", today + timedelta(days=15))
    second = send(desk, case, partner_code="CPAM", channel="email", expected_by=today + timedelta(days=5))
    assert desk.case(case).accompaniment.follow_up_on == today + timedelta(days=5)  # the earliest open one
    desk.op(esc.record_answer, second.id, "piece_demandee")
    view = desk.case(case).accompaniment
    assert (view.status, view.follow_up_on) == ("en_attente_partenaire", today + timedelta(days=15))
    desk.op(esc.record_answer, first.id, "resolu")
    view = desk.case(case).accompaniment
    # back to the agent; the usager is anonymous, so no call-back date (app/core/reachability.py)
    assert (view.status, view.follow_up_on) == ("ouvert", None)
    rows = desk.query(esc.case_escalations, case)
    assert [(r.partner, r.referent, r.outcome) for r in rows] == [
        ("CAF", "Référente partenariats", "resolu"), ("Assurance Maladie", "", "piece_demandee")]
    with store.read() as s:
        actions = [e.action for e in s.exec(select(JournalEntry).where(JournalEntry.action.like("escalation_%")))]
    assert actions == ["escalation_sent", "escalation_sent", "escalation_answered", "escalation_answered"]
    kinds = [e.kind for e in desk.case(case).history]
    assert kinds.count("escalation") == 4 and ("status" in kinds or "updated" in kinds)


def test_an_answer_is_recorded_once(store, site, frozen_clock):
    desk = desk_for(store, site["agent"])
    e = send(desk, open_case(store, site["agent"]))
    desk.op(esc.record_answer, e.id, "refus")
    with pytest.raises(ValidationError) as err:
        desk.op(esc.record_answer, e.id, "resolu")
    assert err.value.field == "outcome"


@pytest.mark.parametrize("change, field", [
    (dict(partner_code="NOPE"), "partner"),
    (dict(channel="fax"), "channel"),
    (dict(reason="colère"), "reason"),
    (dict(note="NIR 1 84 12 75 123 456 78"), "note"),
    (dict(note="x" * 201), "note"),
    (dict(sent_on=date(2026, 10, 15)), "sent_on"),
    (dict(sent_on=date(2026, 10, 1)), "sent_on"),  # before the case
    (dict(expected_by=date(2026, 10, 1)), "expected_by"),
    (dict(expected_by=date(2028, 1, 1)), "expected_by"),
])
def test_bad_escalations_are_refused_and_the_case_does_not_move(store, site, frozen_clock, change, field):
    desk = desk_for(store, site["agent"])
    case = open_case(store, site["agent"], frozen_clock.earlier_today(30))
    before = desk.case(case).accompaniment.status
    with pytest.raises(ValidationError) as err:
        send(desk, case, **change)
    assert err.value.field == field
    assert desk.case(case).accompaniment.status == before
    assert desk.query(esc.case_escalations, case) == []


def test_answer_dates_are_checked(store, site, frozen_clock):
    desk = desk_for(store, site["agent"])
    e = send(desk, open_case(store, site["agent"]))
    for day in (frozen_clock.today() + timedelta(days=1), frozen_clock.today() - timedelta(days=1)):
        with pytest.raises(ValidationError) as err:
            desk.op(esc.record_answer, e.id, "resolu", day)
        assert err.value.field == "answered_on"


def test_referent_of_another_partner_or_structure_is_refused(store, site, frozen_clock):
    desk = desk_for(store, site["agent"])
    case = open_case(store, site["agent"])
    with pytest.raises(ValidationError):
        send(desk, case, partner_code="CPAM", referent_id=add_referent(store, site["agent"]))
    with pytest.raises(ValidationError):
        send(desk, case, referent_id=add_referent(store, site["bus_agent"]))


def test_overdue_escalation_is_a_relancer_and_flagged(store, site, frozen_clock):
    desk = desk_for(store, site["agent"])
    case = open_case(store, site["agent"], datetime(2026, 9, 1, 10, 0))
    send(desk, case, sent_on=date(2026, 9, 1), expected_by=date(2026, 9, 20))
    send(desk, open_case(store, site["agent"]))  # expected in 15 days: not due
    due = desk.query(esc.due_escalations)
    assert [r.accompaniment_id for r in due] == [case]
    rows, _ = desk.query(list_cases, CaseFilter(follow_up_due_by=frozen_clock.today()))
    assert [r.id for r in rows] == [case]
    flags = desk.query(esc.relance_flags, [case])
    assert flags == {case: "Réponse CAF attendue le 20/09/2026 (Téléphone dédié France services)"}
    # the bus agent sees none of it
    assert desk_for(store, site["bus_agent"]).query(esc.due_escalations) == []
    with pytest.raises(NotFound):
        desk_for(store, site["bus_agent"]).query(esc.case_escalations, case)


def test_note_goes_with_the_case_anonymisation_and_erased_referent_leaves_partner(store, site, frozen_clock):
    desk = desk_for(store, site["agent"])
    case = open_case(store, site["agent"])
    rid = add_referent(store, site["agent"])
    e = send(desk, case, referent_id=rid, note="Attestation attendue")
    with store.write() as s:
        strip_accompaniments(s, [case])
    desk_for(store, site["supervisor"]).store_op(referents.erase_referent, rid)
    with store.read() as s:
        row = s.get(Escalation, e.id)
    assert (row.note, row.referent_id, row.partner_code, row.channel) == ("", None, "CAF", "telephone")


def test_rights_export_of_the_usager_includes_the_escalations(store, site, frozen_clock):
    from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
    from app.core.rights import collect
    from app.core.usagers import UsagerInput

    with store.write() as s:
        acc = open_accompaniment(s, site["agent"], AccompanimentInput(
            [ProcedureLine("CAF")], new_usager=UsagerInput(first_name="Jeanne", last_name="Test")))
        uid, case = acc.usager_id, acc.id
    send(desk_for(store, site["agent"]), case)
    with store.read() as s:
        data = collect(s, uid)
    assert [r["partner_code"] for r in data["tables"]["escalation"]] == ["CAF"]
