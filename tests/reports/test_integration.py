"""The report agrees with the national snapshot and shows the satisfaction survey's indicators."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from app.reports import monthly
from tests.reports.conftest import AS_OF, OCTOBER

snapshot = pytest.importorskip("app.sync.snapshot")
surveys = pytest.importorskip("app.core.surveys")


def _snapshot_totals(payload) -> dict:
    totals = defaultdict(int)
    for row in payload["cube"]:
        totals[(row["partner"], row["response_type"], row["canal"])] += row["count"]
    return dict(totals)


def test_report_partner_type_canal_totals_equal_the_snapshot_of_each_structure(store, october):
    with store.read() as s:
        everything = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
        combined = defaultdict(int)
        for structure in (october["fixed"], october["bus"]):
            snap = snapshot.build_snapshot(s, structure.id, OCTOBER)
            alone = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF,
                                         matricules=[structure.matricule])
            assert monthly.cube_totals(alone) == _snapshot_totals(snap.payload)
            assert alone.current.accompaniments == snap.payload["totals"]["accompaniments"]
            assert alone.current.usagers == snap.payload["totals"]["usagers"]
            for key, n in _snapshot_totals(snap.payload).items():
                combined[key] += n
            assert [i.snapshot_hash for i in alone.sync] == [snap.hash]
    assert monthly.cube_totals(everything) == dict(combined)
    assert sum(combined.values()) == 6  # 5 accompaniments, one of them for two partners


def test_report_prints_each_structure_hash_and_sync_state(store, october):
    with store.read() as s:
        report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
        expected = {st.matricule: snapshot.build_snapshot(s, st.id, OCTOBER).hash
                    for st in (october["fixed"], october["bus"])}
    assert report.sync is not None
    assert {i.matricule: i.snapshot_hash for i in report.sync} == expected
    assert all(len(i.snapshot_hash) == 64 and i.state == "brouillon" and i.state_label for i in report.sync)


def test_report_shows_satisfaction_indicators_of_the_month(store, october):
    agent = october["agent"]
    with store.write() as s:
        for globale, accueil in ((5, 5), (4, 3), (2, 1), (5, None)):
            surveys.record_response(s, agent, surveys.SurveyInput(satisfaction_globale=globale, qualite_accueil=accueil,
                                                                  answered_on=date(2026, 10, 20)), today=AS_OF)
        surveys.record_response(s, agent, surveys.SurveyInput(satisfaction_globale=1, answered_on=date(2026, 9, 20)),
                                today=AS_OF)  # September: not in October's figures
    with store.read() as s:
        sat = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF).satisfaction
    assert sat.responses == 4
    assert sat.response_rate == pytest.approx(4 / 5)  # 4 responses for 5 accompaniments in scope
    dims = {d.code: d for d in sat.dimensions}
    assert dims["satisfaction_globale"].pct_satisfied == pytest.approx(3 / 4)
    assert dims["satisfaction_globale"].net_rate == pytest.approx((3 - 1) / 4)
    assert dims["qualite_accueil"].pct_neutral == pytest.approx(1 / 3)
    assert dims["satisfaction_globale"].label == "Satisfaction globale"


def test_report_counts_moments_de_vie_once_per_moment(store, october):
    checklists = pytest.importorskip("app.core.checklists")
    from sqlmodel import select

    from app.models.tables import Accompaniment

    with store.write() as s:
        accs = list(s.exec(select(Accompaniment).where(Accompaniment.structure_id == october["fixed"].id)
                           .order_by(Accompaniment.occurred_at)))
        october_ids = [a.id for a in accs if (a.occurred_at.year, a.occurred_at.month) == (2026, 10) and a.status != "annule"]
        september = next(a.id for a in accs if a.occurred_at.month == 9)  # another month: not counted
        supervisor = october["supervisor"]
        checklists.start_moment(s, supervisor, october_ids[0], "deces", date(2026, 10, 1), today=AS_OF)
        checklists.start_moment(s, supervisor, october_ids[1], "deces", date(2026, 10, 1), today=AS_OF)
        checklists.start_moment(s, supervisor, october_ids[1], "retraite", date(2026, 10, 1), today=AS_OF)
        checklists.start_moment(s, supervisor, september, "retraite", date(2026, 10, 1), today=AS_OF)
    with store.read() as s:
        report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
    assert {line.code: line.count for line in report.by_moment} == {"deces": 2, "retraite": 1}
    assert report.by_moment[0].share == pytest.approx(2 / 5) and report.by_moment[0].label
