"""Every figure of the monthly report, on the hand-built store of conftest.py."""

from __future__ import annotations

from datetime import date

import pytest

from app.models.errors import PermissionDenied, ValidationError
from app.models.month import Month
from app.reports import monthly, raw
from tests.reports.conftest import AS_OF, OCTOBER
from tests.pg import store  # noqa: F401,E402  (both back ends)


def build(store, actor, **kw):
    with store.read() as s:
        return monthly.build_report(s, actor, OCTOBER, today=AS_OF, **kw)


def counts(lines):
    return {line.code: line.count for line in lines}


def test_totals_count_each_visit_once_and_each_anonymous_visit_as_a_usager(store, october):
    r = build(store, october["agent"])
    assert r.all_structures and [s.matricule for s in r.structures] == ["100001", "100002"]
    assert (r.current.accompaniments, r.current.usagers) == (5, 4)  # Alice twice + 3 anonymous


def test_partner_rows_count_a_visit_once_per_partner_with_top_demarches(store, october):
    r = build(store, october["agent"])
    assert counts(r.by_partner) == {"CAF": 3, "ANTS": 1, "CPAM": 1, "DGFIP": 1}
    assert r.by_partner[0].code == "CAF" and r.by_partner[0].label == "CAF"
    assert r.by_partner[0].share == pytest.approx(3 / 5)
    assert r.by_partner[0].details == (("Prime d'activité – demande", 2), ("RSA – demande", 1))
    cpam = next(line for line in r.by_partner if line.code == "CPAM")
    assert cpam.label == "Assurance Maladie" and cpam.details == (("Démarche hors catalogue", 1),)
    # ties are ordered by label
    assert [line.label for line in r.by_partner[1:]] == ["Assurance Maladie", "DGFiP", "France Titres"]


def test_breakdowns_by_answer_canal_stop_theme_autonomy_outcome(store, october):
    r = build(store, october["agent"])
    stop_a, stop_b = october["stops"]
    assert counts(r.by_response_type) == {"information_orientation": 3, "accompagnement_numerique": 1,
                                          "demarche_realisee_sous_mandat": 1}
    assert counts(r.by_canal) == {"guichet": 2, "telephone": 1, "itinerant_bus": 2}
    assert {(line.group, line.code, line.label): line.count for line in r.by_bus_stop} == {
        ("Bus France services du Val", "100002", stop_a.name): 1, ("Bus France services du Val", "100002", stop_b.name): 1}
    assert counts(r.by_thematique) == {"social_sante": 3, "papiers_citoyennete": 1, "argent_impots": 1}
    assert counts(r.by_autonomy) == {"": 2, "a_participe": 1, "entierement_accompagne": 1, "plutot_autonome": 1}
    assert r.by_autonomy[0].label == "Non renseigné"
    assert counts(r.by_finalisation) == {"": 3, "finalisee": 1, "doit_revenir": 1}
    telephone = next(line for line in r.by_canal if line.code == "telephone")
    assert telephone.label == "Téléphone" and telephone.share == pytest.approx(0.2)


def test_daily_and_weekday_distribution_use_local_dates(store, october):
    r = build(store, october["agent"])
    assert len(r.by_day) == 31 and r.by_day[0][0] == date(2026, 10, 1)
    days = {d.day: n for d, n in r.by_day if n}
    assert days == {5: 2, 12: 1, 13: 1, 31: 1}  # 31 Oct 23:30 is October; 1 Nov 00:00 is not
    expected = [0] * 7
    for day, n in days.items():
        expected[date(2026, 10, day).weekday()] += n
    assert r.by_weekday == expected and sum(r.by_weekday) == 5


def test_follow_ups_open_and_overdue_for_the_month_and_the_backlog(store, october):
    f = build(store, october["agent"]).follow_ups
    assert f.as_of == AS_OF
    assert (f.month_open, f.month_overdue) == (2, 1)
    assert (f.backlog_open, f.backlog_overdue) == (3, 2)  # + the August case to follow up


def test_comparisons_and_twelve_month_trend(store, october):
    r = build(store, october["agent"])
    assert (r.previous.month, r.previous.accompaniments, r.previous.usagers) == (date(2026, 9, 1), 2, 2)
    assert (r.last_year.month, r.last_year.accompaniments, r.last_year.usagers) == (date(2025, 10, 1), 1, 1)
    assert [p.month for p in r.trend][0] == date(2025, 11, 1) and r.trend[-1].month == OCTOBER
    assert [p.accompaniments for p in r.trend] == [0] * 9 + [1, 2, 5]


def test_scope_can_be_one_structure_or_several(store, october):
    fixed = build(store, october["agent"], matricules=["100001"])
    assert not fixed.all_structures and fixed.scope_label == "France services de Testville"
    assert (fixed.current.accompaniments, fixed.current.usagers) == (3, 2)
    assert fixed.by_bus_stop == []
    bus = build(store, october["agent"], matricules=["100002"])
    assert bus.current.accompaniments == 2 and counts(bus.by_partner) == {"CAF": 1, "DGFIP": 1}
    both = build(store, october["agent"], structure_ids=[october["fixed"].id, october["bus"].id])
    assert both.current.accompaniments == 5 and not both.all_structures


def test_cube_totals_add_up_to_partner_rows(store, october):
    r = build(store, october["agent"])
    totals = monthly.cube_totals(r)
    assert totals[("CAF", "information_orientation", "guichet")] == 1
    assert totals[("CAF", "information_orientation", "itinerant_bus")] == 1
    assert totals[("CPAM", "accompagnement_numerique", "telephone")] == 1
    for line in r.by_partner:
        assert sum(n for (p, _t, _c), n in totals.items() if p == line.code) == line.count


def test_bad_month_and_unknown_structure_give_french_messages(store, october):
    with pytest.raises(ValidationError) as err:
        Month.parse("octobre")
    assert err.value.field == "month" and "AAAA-MM" in str(err.value)
    assert Month.parse(" 2026-10 ").first_day == OCTOBER
    with pytest.raises(ValidationError) as err:
        build(store, october["agent"], matricules=["999"])
    assert err.value.field == "structure"


def test_an_empty_month_reports_zeros_without_dividing_by_zero(store, october):
    with store.read() as s:
        r = monthly.build_report(s, october["agent"], date(2026, 6, 1), today=AS_OF)
    assert r.current.accompaniments == 0 and r.by_partner == [] and sum(r.by_weekday) == 0


def test_raw_rows_are_pseudonymised_and_reserved_to_supervisors(store, october):
    r = build(store, october["supervisor"])
    with store.read() as s:
        with pytest.raises(PermissionDenied):
            list(raw.raw_rows(s, october["agent"], r))
        rows = list(raw.raw_rows(s, october["supervisor"], r))
    assert len(rows) == 5 and len(rows[0]) == len(raw.RAW_COLUMNS)
    text = repr(rows)
    assert "Alice" not in text and "Zorglub" not in text and "carte vitale" not in text
    alice = {row[-1] for row in rows[:2]}
    assert len(alice) == 1 and alice.pop().startswith("U-")  # same usager, same pseudonym
    assert rows[2][-1] == "anonyme"
    assert rows[1][6] == "CAF, Assurance Maladie" and rows[1][14] == date(2026, 10, 20)
    assert rows[-1][5] == "Marché couvert" and rows[-1][1].day == 31
