"""Follow-ups as a work list: the reachability rule, call attempts and their effect on the case,
the list's columns, retention and erasure of call notes, and nothing of it counted nationally."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from app.core import accompaniments as acc
from app.core import followups, journal
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.cases import CaseFilter, list_cases
from app.core.followups import CallInput
from app.core.usagers import UsagerInput
from app.models.errors import NotFound, ValidationError
from app.models.followups import CallAttempt
from app.models.security import JournalEntry
from app.models.tables import Accompaniment, Usager
from app.sync.snapshot import month_counts
from tests.desks import desk_for

REACHABLE = UsagerInput(first_name="Zoé", last_name="Martin", phone="06 12 34 56 78")


def case(**kw) -> AccompanimentInput:
    return AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")], **kw)


def followed(store, actor, clock, days: int = 0, **kw) -> int:
    kw.setdefault("new_usager", REACHABLE)
    with store.write() as s:
        return acc.open_accompaniment(s, actor, case(follow_up_on=clock.today() + timedelta(days=days), **kw)).id


# ----------------------------------------------------------------------------- the rule

@pytest.mark.parametrize("usager, words", [
    (None, "anonyme"),
    (UsagerInput(first_name="Zoé", last_name="Martin"), "aucun téléphone"),
])
def test_a_follow_up_nobody_can_make_is_refused_next_to_the_follow_up_field(store, actor, frozen_clock, usager, words):
    with pytest.raises(ValidationError) as err:
        with store.write() as s:
            acc.open_accompaniment(s, actor, case(follow_up_on=frozen_clock.today(), new_usager=usager))
    assert err.value.field == "follow_up_on" and words in err.value.message
    with store.read() as s:
        assert s.exec(select(Accompaniment)).all() == [] and s.exec(select(Usager)).all() == []


def test_an_identified_usager_with_a_phone_can_be_followed_up_and_a_closed_visit_needs_nothing(store, actor, frozen_clock):
    case_id = followed(store, actor, frozen_clock, days=3)
    with store.write() as s:
        anonymous = acc.open_accompaniment(s, actor, case()).id  # no follow-up: anonymous is fine
        assert s.get(Accompaniment, case_id).status == "ouvert"
        assert s.get(Accompaniment, anonymous).status == "clos"


def test_the_rule_goes_through_the_desk_for_an_existing_usager_without_phone(store, actor, frozen_clock):
    desk = desk_for(store, actor)
    first = desk.open_accompaniment(case(new_usager=UsagerInput(first_name="Léo", last_name="Roux"))).value
    with pytest.raises(ValidationError) as err:
        desk.open_accompaniment(case(usager_id=first.usager_id, follow_up_on=frozen_clock.today()))
    assert err.value.field == "follow_up_on"
    desk.op(followups.set_usager_phone, first.usager_id, "06 98 76 54 32")
    saved = desk.open_accompaniment(case(usager_id=first.usager_id, follow_up_on=frozen_clock.today())).value
    assert saved.follow_up_on == frozen_clock.today()


def test_an_old_anonymous_follow_up_can_still_be_closed_but_not_moved(store, actor, frozen_clock):
    """Cases planned before the rule: closing or annotating works, planning a new date does not."""
    with store.write() as s:
        old = acc.open_accompaniment(s, actor, case(status="ouvert"))
        old.follow_up_on = frozen_clock.today()  # as written before the rule existed
        s.add(old)
    with store.write() as s:
        acc.change_status(s, actor, old.id, "en_attente_partenaire")
    with pytest.raises(ValidationError):
        with store.write() as s:
            acc.change_status(s, actor, old.id, "ouvert", frozen_clock.today() + timedelta(days=7))
    with store.write() as s:
        acc.close_accompaniment(s, actor, old.id)
    with store.read() as s:
        assert s.get(Accompaniment, old.id).status == "clos"


def test_phone_numbers_are_shown_the_french_way():
    assert followups.format_phone("+33612345678") == "06 12 34 56 78"
    assert followups.format_phone("+32470123456").startswith("+32")
    assert followups.format_phone(None) == ""


# ----------------------------------------------------------------------------- call attempts

def test_a_call_on_voicemail_moves_the_relance_and_is_in_the_case_history(store, actor, frozen_clock):
    case_id = followed(store, actor, frozen_clock)
    desk = desk_for(store, actor)
    nxt = frozen_clock.today() + timedelta(days=2)
    result = desk.op(followups.log_call, case_id, CallInput("messagerie", "laissé un message", nxt))
    assert result.changes.touches("call_attempt", "accompaniment")
    calls = desk.query(followups.calls_of, case_id)
    assert [(c.outcome, c.note, c.next_follow_up_on, c.agent_id) for c in calls] == [
        ("messagerie", "laissé un message", nxt, actor.agent_id)]
    assert "Messagerie" in followups.describe_call(calls[0]) and "laissé un message" in followups.describe_call(calls[0])
    with store.read() as s:
        a = s.get(Accompaniment, case_id)
        assert (a.follow_up_on, a.status) == (nxt, "ouvert")
        assert '"follow_up_on"' in acc.history(s, actor, case_id)[-1].detail
        # journaled about the person (their right of access lists it), without the note
        entry = s.exec(select(JournalEntry).where(JournalEntry.action == "call_logged")).one()
        usager = s.get(Usager, a.usager_id)
        assert entry.object_ref == journal.usager_ref(usager) and "laissé" not in entry.detail


def test_a_reached_usager_closes_the_case_and_it_leaves_the_list(store, actor, frozen_clock):
    case_id = followed(store, actor, frozen_clock)
    desk = desk_for(store, actor)
    due = CaseFilter(follow_up_due_by=frozen_clock.today())
    assert [r.id for r in desk.list_cases(due)[0]] == [case_id]
    desk.op(followups.log_call, case_id, CallInput("joint", close=True))
    assert desk.list_cases(due)[0] == []
    assert desk.case(case_id).accompaniment.status == "clos"


def test_an_unreachable_call_without_date_keeps_the_case_as_it_was(store, actor, frozen_clock):
    case_id = followed(store, actor, frozen_clock)
    desk = desk_for(store, actor)
    desk.op(followups.log_call, case_id, CallInput("injoignable"))
    desk.op(followups.log_call, case_id, CallInput("injoignable"))
    view = desk.case(case_id)
    assert (view.accompaniment.follow_up_on, view.accompaniment.status) == (frozen_clock.today(), "ouvert")
    with store.read() as s:
        assert followups.last_call_column(s, [case_id])[case_id].startswith("Injoignable")
        assert "(×2)" in followups.last_call_column(s, [case_id])[case_id]


@pytest.mark.parametrize("data, field", [
    (lambda t: CallInput("perdu"), "outcome"),
    (lambda t: CallInput("rappel_prevu"), "next_follow_up_on"),
    (lambda t: CallInput("messagerie", next_follow_up_on=t - timedelta(days=1)), "next_follow_up_on"),
    (lambda t: CallInput("messagerie", next_follow_up_on=t + timedelta(days=800)), "next_follow_up_on"),
    (lambda t: CallInput("joint", next_follow_up_on=t, close=True), "next_follow_up_on"),
    (lambda t: CallInput("joint", note="x" * 201), "call_note"),
])
def test_bad_call_input_is_refused_and_nothing_is_written(store, actor, frozen_clock, data, field):
    case_id = followed(store, actor, frozen_clock)
    desk = desk_for(store, actor)
    with pytest.raises(ValidationError) as err:
        desk.op(followups.log_call, case_id, data(frozen_clock.today()))
    assert err.value.field == field and err.value.message[0].isupper()
    with store.read() as s:
        assert s.exec(select(CallAttempt)).all() == []
        assert s.get(Accompaniment, case_id).follow_up_on == frozen_clock.today()


def test_a_next_call_for_an_anonymous_case_is_refused_by_the_rule(store, actor, frozen_clock):
    with store.write() as s:
        old = acc.open_accompaniment(s, actor, case(status="ouvert"))
        old.follow_up_on = frozen_clock.today()
        s.add(old)
    desk = desk_for(store, actor)
    with pytest.raises(ValidationError) as err:
        desk.op(followups.log_call, old.id, CallInput("rappel_prevu", next_follow_up_on=frozen_clock.today() + timedelta(days=2)))
    assert err.value.field == "follow_up_on" and "anonyme" in err.value.message
    desk.op(followups.log_call, old.id, CallInput("injoignable", close=True))  # but it can be closed
    assert desk.case(old.id).accompaniment.status == "clos"


def test_calls_on_another_structures_case_are_introuvable(store, site, frozen_clock):
    case_id = followed(store, site["agent"], frozen_clock)
    bus = desk_for(store, site["bus_agent"])
    with pytest.raises(NotFound):
        bus.op(followups.log_call, case_id, CallInput("joint"))
    with pytest.raises(NotFound):
        bus.query(followups.calls_of, case_id)


# ----------------------------------------------------------------------------- list columns

def test_mine_lists_the_agents_own_follow_ups_and_columns_give_phone_and_last_call(store, site, frozen_clock):
    marie, paul = site["agent"], site["supervisor"]
    mine = followed(store, marie, frozen_clock)
    theirs = followed(store, paul, frozen_clock, new_usager=UsagerInput(first_name="Ana", last_name="Lopes",
                                                                         phone="+32 470 12 34 56"))
    desk = desk_for(store, marie)
    due = frozen_clock.today()
    everyone = [r.id for r in desk.list_cases(CaseFilter(follow_up_due_by=due, structure_id=marie.structure_id))[0]]
    only_mine = desk.list_cases(CaseFilter(follow_up_due_by=due, structure_id=marie.structure_id,
                                           agent_id=marie.agent_id))[0]
    assert sorted(everyone) == sorted([mine, theirs]) and [r.id for r in only_mine] == [mine]
    with store.read() as s:
        phones = followups.phone_column(s, [mine, theirs])
        assert phones[mine] == "06 12 34 56 78" and phones[theirs].startswith("+32")
        assert desk.query(followups.case_phone, mine) == "06 12 34 56 78"


# ----------------------------------------------------------------------------- privacy, counts

def _old_call(store, site, clock) -> tuple[int, int]:
    agent = site["agent"]
    when = clock.now() - timedelta(days=800)
    with store.write() as s:
        a = acc.open_accompaniment(s, agent, case(occurred_at=when, follow_up_on=when.date(), new_usager=REACHABLE),
                                   now=when)
        followups.log_call(s, agent, a.id, CallInput("messagerie", "rappeler après 17h"), now=when)
        return a.id, a.usager_id


def test_retention_blanks_old_call_notes_and_keeps_the_attempts(store, site, frozen_clock):
    from app.core.retention import run_retention

    case_id, _usager = _old_call(store, site, frozen_clock)
    report = run_retention(store, site["supervisor"], today=frozen_clock.today())
    assert report.accompaniments == 1 and report.usagers == 1
    with store.read() as s:
        call = s.exec(select(CallAttempt).where(CallAttempt.accompaniment_id == case_id)).one()
        assert (call.outcome, call.note) == ("messagerie", "")


def test_erasure_blanks_call_notes_and_the_access_export_lists_the_calls(store, site, frozen_clock):
    from app.core.rights import collect, erase_usager

    case_id, usager_id = _old_call(store, site, frozen_clock)
    with store.read() as s:
        exported = collect(s, usager_id)
    assert [c["note"] for c in exported["tables"]["call_attempt"]] == ["rappeler après 17h"]
    assert any(e["action"] == "call_logged" for e in exported["journal"])
    erase_usager(store, site["supervisor"], usager_id)
    with store.read() as s:
        assert s.exec(select(CallAttempt.note)).all() == [""]
        assert s.get(Accompaniment, case_id) is not None


def test_call_attempts_change_no_national_count(store, site, frozen_clock):
    agent = site["agent"]
    case_id = followed(store, agent, frozen_clock)
    month = frozen_clock.today().replace(day=1)
    with store.read() as s:
        before = month_counts(s, agent.structure_id, month)
    desk = desk_for(store, agent)
    for outcome in ("messagerie", "injoignable"):
        desk.op(followups.log_call, case_id, CallInput(outcome))
    with store.read() as s:
        assert month_counts(s, agent.structure_id, month) == before
