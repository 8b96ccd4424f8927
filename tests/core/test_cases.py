"""Search, case pages, today's activity, follow-ups, defaults and favourites."""

from datetime import timedelta

import pytest

from app.core import accompaniments as acc, cases
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.catalogue import ProcedureMatcher
from app.core.cases import CaseFilter
from app.core.usagers import UsagerInput, search_usagers


def log(store, actor, partner, code=None, **kw):
    with store.write() as s:
        return acc.open_accompaniment(s, actor, AccompanimentInput([ProcedureLine(partner, code)], **kw))


@pytest.fixture
def sample(store, actor, frozen_clock):
    now, today = frozen_clock.now().replace(microsecond=0), frozen_clock.today()
    # "Today" must stay today at any --clock-at instant: five minutes before 00:02 is yesterday.
    log(store, actor, "ANTS", "ANTS-CG-CHANGEMENT-TITULAIRE", occurred_at=frozen_clock.earlier_today(5),
        new_usager=UsagerInput(first_name="Hélène", last_name="Lefèvre"))
    log(store, actor, "CAF", "CAF-LOGEMENT", occurred_at=frozen_clock.earlier_today(3), note="Dossier APL étudiant")
    # follow-ups need someone to call (app/core/reachability.py)
    log(store, actor, "FT", "FT-INSCRIPTION", occurred_at=now - timedelta(days=2),
        follow_up_on=today - timedelta(days=1), new_usager=UsagerInput(last_name="Yamamoto", phone="0612345678"))
    log(store, actor, "DGFIP", "DGFIP-PAS", occurred_at=now - timedelta(days=1), follow_up_on=today + timedelta(days=3),
        new_usager=UsagerInput(last_name="Yilmaz", phone="0698765432"))


@pytest.mark.parametrize("query, expected", [
    ("helene", ["Carte grise – changement de titulaire"]),      # accent-insensitive
    ("LEFEV", ["Carte grise – changement de titulaire"]),       # case-insensitive prefix
    ("carte gr", ["Carte grise – changement de titulaire"]),    # démarche, two prefixes
    ("france tit", ["Carte grise – changement de titulaire"]),  # partner
    ("pole emploi", ["Inscription / réinscription"]),           # former partner name
    ("etudiant", ["Aides au logement (APL / ALF / ALS)"]),      # note
    ("zzz", []),
])
def test_search_is_accent_and_case_insensitive_prefix_search(store, actor, sample, query, expected):
    with store.read() as s:
        rows, _ = cases.list_cases(s, actor, CaseFilter(text=query))
    assert [r.demarches for r in rows] == expected


def test_punctuation_only_search_finds_nothing_and_does_not_fail(store, actor, sample):
    with store.read() as s:
        rows, cursor = cases.list_cases(s, actor, CaseFilter(text='"*)( -'))
    assert rows == [] and cursor is None


def test_case_list_pages_newest_first_without_overlap(store, actor, frozen_clock):
    base = frozen_clock.now().replace(microsecond=0) - timedelta(days=10)
    for i in range(25):
        log(store, actor, "CAF", "CAF-RSA", occurred_at=base + timedelta(hours=i))
    seen, cursor = [], None
    with store.read() as s:
        while True:
            rows, cursor = cases.list_cases(s, actor, CaseFilter(), after=cursor, limit=10)
            seen += rows
            if cursor is None:
                break
    assert len(seen) == 25 and len({r.id for r in seen}) == 25
    assert [r.occurred_at for r in seen] == sorted((r.occurred_at for r in seen), reverse=True)


def test_follow_ups_due_lists_open_cases_oldest_first(store, actor, sample, frozen_clock):
    today = frozen_clock.today()
    with store.read() as s:
        rows, _ = cases.list_cases(s, actor, CaseFilter(follow_up_due_by=today))
        later, _ = cases.list_cases(s, actor, CaseFilter(follow_up_due_by=today + timedelta(days=7)))
    assert [r.partners for r in rows] == ["France Travail"]
    assert [r.partners for r in later] == ["France Travail", "DGFiP"]


def test_closed_case_leaves_the_follow_up_list(store, actor, sample, frozen_clock):
    due_today = CaseFilter(follow_up_due_by=frozen_clock.today())
    with store.read() as s:
        (row,), _ = cases.list_cases(s, actor, due_today)
    with store.write() as s:
        acc.change_status(s, actor, row.id, "clos")
    with store.read() as s:
        assert cases.list_cases(s, actor, due_today)[0] == []


def test_today_activity_counts_todays_cases_by_partner(store, actor, sample, site, frozen_clock):
    log(store, site["supervisor"], "CAF", "CAF-RSA")
    with store.read() as s:
        summary = cases.today_activity(s, actor)
    assert summary.total == 3 and summary.mine == 2
    assert summary.usagers == 3  # one identified + two anonymous visits
    assert dict(summary.by_partner) == {"CAF": 2, "France Titres": 1}
    assert summary.follow_ups_due == 1


def test_cancelled_entries_are_not_counted_today(store, actor, frozen_clock):
    a = log(store, actor, "CAF", "CAF-RSA")
    with store.write() as s:
        acc.change_status(s, actor, a.id, "annule")
    with store.read() as s:
        assert cases.today_activity(s, actor).total == 0


def test_defaults_and_favourites_follow_the_agents_habits(store, actor, frozen_clock):
    for _ in range(3):
        log(store, actor, "CPAM", "CPAM-C2S", duration_min=30, response_type="accompagnement_numerique")
    log(store, actor, "CAF", "CAF-RSA", duration_min=10)
    with store.write() as s:
        cases.set_favourite(s, actor, "ANTS-CNI-PREDEMANDE")
    with store.read() as s:
        d = cases.agent_defaults(s, actor)
        favs = cases.favourite_procedures(s, actor)
    assert (d.duration_min, d.response_type, d.canal) == (30, "accompagnement_numerique", "guichet")
    assert favs[:3] == ["ANTS-CNI-PREDEMANDE", "CPAM-C2S", "CAF-RSA"]


def test_usager_search_finds_identified_usagers_only(store, actor, sample):
    with store.read() as s:
        assert [u.last_name for u in search_usagers(s, actor, "hel")] == ["Lefèvre"]
        assert search_usagers(s, actor, "anonyme") == []


@pytest.mark.parametrize("typed, first", [
    ("carte gr", "ANTS-CG-CHANGEMENT-TITULAIRE"),
    ("c2s", "CPAM-C2S"),
    ("apl", "CAF-LOGEMENT"),
    ("pole emploi inscr", "FT-INSCRIPTION"),
    ("impots declar", "DGFIP-DECLARATION-REVENUS"),
    ("pension rever", "CNAV-REVERSION"),
])
def test_procedure_typeahead(typed, first):
    hits = ProcedureMatcher.from_catalogue().match(typed)
    assert hits and hits[0].code == first


def test_typeahead_ranks_the_agents_frequent_demarches_first():
    m = ProcedureMatcher.from_catalogue()
    plain = [c.code for c in m.match("carte grise")]
    boosted = [c.code for c in m.match("carte grise", boost={"ANTS-CG-DUPLICATA": 9})]
    assert boosted[0] == "ANTS-CG-DUPLICATA" and plain[0] != "ANTS-CG-DUPLICATA"
