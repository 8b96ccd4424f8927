"""Indicator maths on hand-computed examples (fractions in [0, 1])."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from app.core import activity
from app.core.surveys import DIMENSIONS, DimensionStats, indicator_rows, indicators
from tests.surveys.factories import answer, visit

OCT = dict(start=date(2026, 10, 1), end=date(2026, 11, 1))


def test_empty_period_has_no_rates_and_no_division_by_zero(store, site):
    result = indicators_for(store, **OCT)
    assert result.responses == 0 and result.accompaniments == 0
    assert result.response_rate is None
    assert set(result.dimensions) == set(DIMENSIONS)
    for stats in result.dimensions.values():
        assert stats.answered == 0
        assert (stats.pct_satisfied, stats.pct_neutral, stats.pct_dissatisfied, stats.net_rate) == (None,) * 4


def test_accompaniments_without_any_response_give_a_zero_rate(store, site, actor):
    visit(store, actor)
    result = indicators_for(store, **OCT)
    assert result.accompaniments == 1 and result.responses == 0 and result.response_rate == 0.0
    assert result.dimensions["delais"].net_rate is None


def test_hand_computed_example(store, site, actor):
    # 10 counted accompaniments, one cancelled (not counted)
    for _ in range(10):
        visit(store, actor)
    visit(store, actor, status="annule")
    # satisfaction globale: 5 4 4 3 1 -> 3 satisfied, 1 neutral, 1 dissatisfied out of 5
    # délais:               2 2 - - 5 -> 1 satisfied, 0 neutral, 2 dissatisfied out of 3
    answer(store, actor, globale=5, delais=2, aboutie=True)
    answer(store, actor, globale=4, delais=2, aboutie=True)
    answer(store, actor, globale=4, aboutie=False)
    answer(store, actor, globale=3)
    answer(store, actor, globale=1, delais=5, accueil=5)
    result = indicators_for(store, **OCT)
    assert result.responses == 5
    assert result.accompaniments == 10
    assert result.response_rate == pytest.approx(0.5)
    g = result.dimensions["satisfaction_globale"]
    assert (g.answered, g.satisfied, g.neutral, g.dissatisfied) == (5, 3, 1, 1)
    assert (g.pct_satisfied, g.pct_neutral, g.pct_dissatisfied) == pytest.approx((0.6, 0.2, 0.2))
    assert g.net_rate == pytest.approx(0.4)
    d = result.dimensions["delais"]
    assert (d.answered, d.satisfied, d.neutral, d.dissatisfied) == (3, 1, 0, 2)
    assert d.pct_satisfied == pytest.approx(1 / 3) and d.pct_dissatisfied == pytest.approx(2 / 3)
    assert d.net_rate == pytest.approx(-1 / 3)
    a = result.dimensions["qualite_accueil"]
    assert (a.answered, a.pct_satisfied, a.net_rate) == (1, 1.0, 1.0)
    assert result.dimensions["simplicite"].pct_satisfied is None
    assert (result.demarche_aboutie_yes, result.demarche_aboutie_no) == (2, 1)
    # the derived fields travel with asdict (sync payloads)
    assert dataclasses.asdict(result)["dimensions"]["satisfaction_globale"]["net_rate"] == pytest.approx(0.4)
    assert dataclasses.asdict(result)["response_rate"] == pytest.approx(0.5)


def test_end_is_exclusive_and_start_inclusive(store, site, actor):
    answer(store, actor, day=date(2026, 10, 1), globale=5)
    answer(store, actor, day=date(2026, 10, 31), globale=5)
    answer(store, actor, day=date(2026, 11, 1), globale=1)
    answer(store, actor, day=date(2026, 9, 30), globale=1)
    result = indicators_for(store, **OCT)
    assert result.responses == 2
    assert result.dimensions["satisfaction_globale"].pct_satisfied == 1.0


def test_accompaniment_count_follows_the_activity_rules(store, site, actor):
    visit(store, actor, when=datetime(2026, 10, 1, 0, 0))
    visit(store, actor, when=datetime(2026, 10, 31, 23, 59))
    visit(store, actor, when=datetime(2026, 11, 1, 0, 0))
    visit(store, actor, status="annule")
    visit(store, actor, status="en_attente_partenaire")
    with store.read() as s:
        expected = activity.total_accompaniments(s, None, OCT["start"], OCT["end"])
    assert indicators_for(store, **OCT).accompaniments == expected == 3


def test_filters_by_canal_partner_and_structure(store, site, actor):
    visit(store, actor, partners=("CAF", "CPAM"))  # counts once for each partner
    visit(store, actor, partners=("CAF",), canal="telephone")
    visit(store, site["bus_agent"], partners=("ANTS",), canal="itinerant_bus", bus_stop_id=site["stops"][0].id)
    answer(store, actor, globale=5, partner="CAF")
    answer(store, actor, globale=2, partner="CPAM")
    answer(store, actor, globale=4, partner=None, canal="telephone")
    answer(store, site["bus_agent"], globale=1, partner="ANTS", canal="itinerant_bus")

    assert summary(store, partner_code="CAF") == (1, 2, 0.5, 1.0)
    assert summary(store, partner_code="CPAM") == (1, 1, 1.0, 0.0)
    assert summary(store, partner_code="") == (1, 0, None, 1.0)  # responses naming no partner
    assert summary(store, canal="telephone") == (1, 1, 1.0, 1.0)
    assert summary(store, structure_ids=[site["bus"].id]) == (1, 1, 1.0, 0.0)
    assert summary(store, structure_ids=[site["fixed"].id]) == (3, 2, 1.5, pytest.approx(2 / 3))
    assert summary(store, structure_ids=[]) == (0, 0, None, None)
    assert summary(store) == (4, 3, pytest.approx(4 / 3), 0.5)


def test_rows_by_canal_and_by_partner(store, site, actor):
    visit(store, actor, partners=("CAF", "CPAM"))
    visit(store, actor, partners=("DGFIP",), canal="telephone")
    answer(store, actor, globale=5, partner="CAF")
    answer(store, actor, globale=3, partner=None, canal="visio")
    with store.read() as s:
        by_canal = {r.code: r.indicators for r in indicator_rows(s, **OCT, group_by="canal")}
        by_partner = {r.code: r.indicators for r in indicator_rows(s, **OCT, group_by="partner")}
        with pytest.raises(ValueError):
            indicator_rows(s, **OCT, group_by="age")
    assert list(by_canal) == ["guichet", "telephone", "visio"]
    assert (by_canal["guichet"].responses, by_canal["guichet"].accompaniments) == (1, 1)
    assert (by_canal["telephone"].responses, by_canal["telephone"].response_rate) == (0, 0.0)
    assert (by_canal["visio"].responses, by_canal["visio"].response_rate) == (1, None)
    assert list(by_partner) == ["CAF", "CPAM", "DGFIP", ""]
    assert by_partner["CAF"].response_rate == 1.0
    assert by_partner[""].dimensions["satisfaction_globale"].pct_neutral == 1.0


def test_dimension_stats_refuse_inconsistent_counts():
    with pytest.raises(ValueError):
        DimensionStats(answered=3, satisfied=1, neutral=0, dissatisfied=0)
    assert DimensionStats().net_rate is None


def indicators_for(store, **kw):
    with store.read() as s:
        return indicators(s, **kw)


def summary(store, **kw):
    r = indicators_for(store, **OCT, **kw)
    return r.responses, r.accompaniments, r.response_rate, r.dimensions["satisfaction_globale"].pct_satisfied
