"""The demo store's report has something in every section a newcomer sees first: satisfaction
answers (about one visit in ten) and moments de vie in progress."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from app.core import demo
from app.core.bootstrap import open_app_store
from app.core.context import Actor
from app.models.enums import Role
from app.models.tables import Agent
from app.reports import monthly

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = open_app_store(demo.build_demo_store(tmp_path_factory.mktemp("demo") / "demo.db", today=TODAY))
    yield store
    store.close()


def _report(store, month: date):
    with store.read() as s:
        nadia = s.exec(select(Agent).where(Agent.login == "nadia")).one()
        actor = Actor(nadia.id, nadia.structure_id, Role.SUPERVISEUR, nadia.display_name)
        return monthly.build_report(s, actor, month, today=TODAY)


def test_the_demo_month_has_survey_answers_at_a_believable_rate(demo_store):
    r = _report(demo_store, date(2026, 10, 1))
    assert r.satisfaction is not None and r.satisfaction.responses > 0
    assert 0.07 <= r.satisfaction.response_rate <= 0.13
    overall = next(d for d in r.satisfaction.dimensions if d.code == "satisfaction_globale")
    assert 0.6 <= overall.pct_satisfied <= 0.9


def test_recent_cases_have_moments_de_vie_in_progress(demo_store):
    months = [_report(demo_store, m) for m in (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))]
    moments = [line for r in months for line in (r.by_moment or [])]
    assert sum(line.count for line in moments) == 12 and len({line.code for line in moments}) >= 5


def test_the_demo_month_has_a_usager_profile_in_every_table(demo_store):
    r = _report(demo_store, date(2026, 10, 1))
    for table in r.usager_profile:
        assert sum(line.count for line in table.lines) == r.current.usagers, table.dimension
        assert table.recorded > 0, table.dimension  # age band, sex, QPV/ZRR and commune all recorded for some
    (residence,) = [t for t in r.usager_profile if t.dimension == "territory"]
    counts = {line.code: line.count for line in residence.lines}
    assert counts["zrr"] > counts["qpv"] > 0
