"""Several desks at once on one site: no lost update, a clear message for a stale form, retries."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from app.core import accompaniments as acc, concurrency
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from tests.desks import desk_for
from tests.pg import open_site


def _case(store, actor, note="départ"):
    with store.write() as s:
        return acc.open_accompaniment(s, actor, AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")], note=note,
                                                                   follow_up_on=None)).id


def test_a_form_saving_over_a_case_changed_elsewhere_is_refused_with_who_what_and_when(store, site):
    """Both back ends (tests/core/conftest.py): the version check is the core's, not the server's."""
    case = _case(store, site["agent"])
    marie, paul = desk_for(store, site["agent"]), desk_for(store, site["supervisor"])
    mine, theirs = marie.input_for(case), paul.input_for(case)
    theirs.note, theirs.status = "rappeler lundi", "en_attente_partenaire"
    paul.update_accompaniment(case, theirs)
    mine.note = "ma version"
    with pytest.raises(concurrency.ConcurrentChange) as refused:
        marie.update_accompaniment(case, mine)
    message = str(refused.value)
    assert message.startswith("Paul Sup a modifié ce dossier le ") and "(statut, note)" in message
    assert "« Recharger »" in message and refused.value.action == "Recharger"
    assert marie.case(case).accompaniment.note == "rappeler lundi"  # nothing of mine was written
    fresh = marie.input_for(case)  # « Recharger »: the current version, then the save goes through
    fresh.note = "ma version"
    marie.update_accompaniment(case, fresh)
    view = marie.case(case)
    assert view.accompaniment.note == "ma version" and view.accompaniment.version == 3


def test_serialization_failures_and_deadlocks_are_retried_then_succeed():
    class Failure(Exception):
        def __init__(self, state):
            self.sqlstate = state

    calls, sleeps = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise Failure("40001" if len(calls) == 1 else "40P01")
        return "ok"

    assert concurrency.run_with_retries(flaky, sleep=sleeps.append) == "ok" and len(calls) == 3
    assert len(sleeps) == 2 and all(0 < s < 0.1 for s in sleeps)
    with pytest.raises(Failure):  # anything else is not retried
        concurrency.run_with_retries(lambda: (_ for _ in ()).throw(Failure("23505")), sleep=sleeps.append)


@pytest.mark.postgresql
def test_four_desks_saving_250_times_at_once_lose_nothing(pg_url, tmp_path, site_on_pg):
    """4 processes × 250 saves (one new visit in five, else a note on one of 3 shared cases) against
    one site database: exact counts, no error, every change in the history; p95 save time printed."""
    from tests import site_worker

    store, actors = site_on_pg
    shared = [_case(store, actors[0], f"partagé {i}") for i in range(3)]
    with store.read() as s:
        before = s.exec(_count_visits()).one()
    saves, new_every = 250, 5
    ctx = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with ctx.Pool(4) as pool:
        runs = pool.starmap(site_worker.run, [
            (pg_url, str(tmp_path / f"desk{n}.site"), actors[n % len(actors)].agent_id, shared, saves, new_every,
             f"d{n}") for n in range(4)])
    wall = time.perf_counter() - started
    errors = [e for r in runs for e in r["errors"]]
    assert errors == []
    new_per_desk = len(range(0, saves, new_every))
    notes = 4 * (saves - new_per_desk)
    from sqlmodel import func, select

    from app.core import journal
    from app.models.tables import Accompaniment, AccompanimentEvent

    with store.read() as s:
        assert s.exec(_count_visits()).one() == before + 4 * new_per_desk
        versions = s.exec(select(func.sum(Accompaniment.version - 1)).where(Accompaniment.id.in_(shared))).one()
        events = s.exec(select(func.count()).select_from(AccompanimentEvent)
                        .where(AccompanimentEvent.accompaniment_id.in_(shared), AccompanimentEvent.kind == "updated")).one()
        assert journal.verify_chain(s).ok
    assert versions == notes and events == notes  # every note saved once, none lost or doubled
    times = sorted(t for r in runs for t in r["times"])
    p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95) - 1]
    print(f"\n4 desks × {saves} saves: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
          f"max {times[-1] * 1000:.1f} ms, wall {wall:.1f} s")


def _count_visits():
    from sqlmodel import func, select

    from app.models.tables import Accompaniment

    return select(func.count()).select_from(Accompaniment)


@pytest.fixture
def site_on_pg(pg_url, tmp_path):
    from app.core import structures
    from app.core.context import Actor
    from app.models.enums import Role

    store = open_site(pg_url, tmp_path)
    with store.write() as s:
        fixed = structures.create_structure(s, "100001", "France services de Testville")
        agents = [structures.create_agent(s, fixed.id, f"agent{i}", f"Agent {i}") for i in range(4)]
    yield store, [Actor(a.id, fixed.id, Role.AGENT, a.display_name) for a in agents]
    store.close()
