"""Fault matrix against the real stand-in server on 127.0.0.1: whatever the fault, nothing is marked
accepted that the server did not confirm, and once the fault clears the server holds the local totals."""

import random

import pytest
from sqlmodel import select

from app.models.sync import SyncJournal
from app.sync import settings
from app.sync.client import ERREUR, JETON, RetryPolicy, sync_structure
from app.sync.snapshot import month_key
from app.sync.state import ACCEPTE, REJETE, month_state, month_states
from app.sync.transport import HttpTransport
from tests.sync.conftest import TOKEN
from tests.sync.helpers import REFERENCE_DAY, device_id, add_activity, assert_server_matches, months_back

RETRYABLE = ["500", "502", "503", "429", "slow", "drop", "reset", "captive", "redirect", "bad_json", "wrong_hash"]


def _confirmed_only(store, server, structure) -> None:
    """Every month the client believes accepted is held, with that exact hash, by the server."""
    with store.read() as session:
        for state, snap in month_states(session, structure.id):
            if state.state == ACCEPTE:
                held = server.db.device_month(structure.matricule, device_id(session), month_key(state.month))
                assert held is not None and held["hash"] == state.accepted_hash, state


@pytest.mark.parametrize("kind", RETRYABLE)
def test_retryable_faults_end_with_server_totals_equal_local(store, site, server, kind, sleeps, frozen_clock):
    """Three seeds per fault kind, one after the other on the same store (each adds entries in
    random months, so each round sends new snapshots through a new burst of faults)."""
    fixed = site["fixed"]
    transport = HttpTransport(server.url, TOKEN, timeout=0.25)
    try:
        for seed in (1, 2, 3):
            rng = random.Random(seed)
            with store.write() as session:
                for m in rng.sample(months_back(4, frozen_clock.today()), rng.randint(1, 3)):
                    add_activity(session, site["agent"], m, rng.randint(1, 6), rng)
            server.faults.set([{"kind": kind, "count": rng.randint(1, 3), "retry_after": rng.randint(1, 4),
                                "delay": 0.4, "methods": ["PUT"]}])
            sleeps.calls.clear()
            policy = RetryPolicy(sleep=sleeps, rng=random.Random(seed), max_attempts=6)
            for _ in range(3):  # a few runs, as the app does when the network comes back
                result = sync_structure(store, fixed.id, transport, policy=policy)
                _confirmed_only(store, server, fixed)
                if result.status == "a_jour":
                    break
            assert result.status == "a_jour", (seed, result)
            assert_server_matches(store, server, fixed.id, fixed.matricule)
            assert sleeps.calls, "the fault must have caused a retry"
            if kind in ("503", "429"):
                assert max(sleeps.calls) >= 1  # Retry-After honoured
            assert all(s <= policy.cap for s in sleeps.calls)
    finally:
        transport.close()
    with store.read() as session:
        # a timeout (« slow ») is journaled « hors ligne », anything else « à réessayer »
        assert session.exec(select(SyncJournal).where(SyncJournal.outcome.in_(["reessai", "hors_ligne"]))).all()


@pytest.mark.parametrize("kind", ["500", "503", "reset", "captive", "redirect", "html404", "html407", "html403"])
def test_faults_during_enrolment_are_retried_and_nothing_is_lost(store, site, server, kind, sleeps):
    """The first request of a run (enrolment, a POST) meets the fault: it is retried like a month."""
    fixed = site["fixed"]
    with store.write() as session:
        for m in months_back(2, REFERENCE_DAY):
            add_activity(session, site["agent"], m, 3, random.Random(m.month))
    server.faults.set([{"kind": kind, "count": 2, "methods": ["POST"]}])
    transport = HttpTransport(server.url, TOKEN, timeout=0.5)
    try:
        result = sync_structure(store, fixed.id, transport, policy=RetryPolicy(sleep=sleeps, rng=random.Random(2)))
    finally:
        transport.close()
    assert result.status == "a_jour", result
    assert len(sleeps.calls) == 2 and result.rejected == []
    assert_server_matches(store, server, fixed.id, fixed.matricule)


def test_backoff_is_exponential_with_jitter_and_bounded():
    policy = RetryPolicy(rng=random.Random(7), base=1.0, cap=30.0)
    delays = [policy.delay(a, None) for a in range(1, 10)]
    for attempt, d in enumerate(delays, start=1):
        full = min(30.0, 2 ** (attempt - 1))
        assert full / 2 <= d <= full
    assert policy.delay(1, 12.0) == 12.0  # Retry-After wins over a shorter backoff


def test_401_asks_for_a_new_token_and_stops(store, site, server, transport, policy, frozen_clock):
    fixed = site["fixed"]
    with store.write() as session:
        for m in months_back(3, frozen_clock.today()):
            add_activity(session, site["agent"], m, 2, random.Random(1))
    server.faults.set([{"kind": "401", "count": -1}])
    result = sync_structure(store, fixed.id, transport, policy=policy)
    assert result.status == JETON and result.requests == 0  # refused at enrolment: no loop, nothing sent
    with store.read() as session:
        assert settings.needs_token(session)
        assert all(s.state != ACCEPTE for s, _ in month_states(session, fixed.id))
    server.faults.set([])
    assert sync_structure(store, fixed.id, transport, policy=policy).status == "a_jour"
    with store.read() as session:
        assert not settings.needs_token(session)


def test_a_wrong_token_is_a_401_from_the_real_check(store, site, server, policy, frozen_clock):
    with store.write() as session:
        add_activity(session, site["agent"], months_back(1, frozen_clock.today())[0], 1, random.Random(1))
    bad = HttpTransport(server.url, "not-the-token", timeout=2)
    try:
        assert sync_structure(store, site["fixed"].id, bad, policy=policy).status == JETON
    finally:
        bad.close()


def test_validation_error_marks_the_month_rejected_once_without_retry_loop(store, site, server, transport, policy,
                                                                          frozen_clock):
    fixed = site["fixed"]
    m = months_back(1, frozen_clock.today())[0]
    with store.write() as session:
        add_activity(session, site["agent"], m, 3, random.Random(5))
    server.faults.set([{"kind": "422", "count": -1}])
    result = sync_structure(store, fixed.id, transport, policy=policy)
    assert result.status == ERREUR and result.requests == 1 and result.rejected == [month_key(m)]
    with store.read() as session:
        state = month_state(session, fixed.id, m)
    assert state.state == REJETE and state.reason == "Refus simulé par le serveur." and not state.pending
    # the next run does not hammer the server with the same refused totals
    assert sync_structure(store, fixed.id, transport, policy=policy).requests == 0
    # once the totals change (the agent fixed an entry), they are sent again
    server.faults.set([])
    with store.write() as session:
        add_activity(session, site["agent"], m, 1, random.Random(6))
    assert sync_structure(store, fixed.id, transport, policy=policy).status == "a_jour"
    assert_server_matches(store, server, fixed.id, fixed.matricule)


def test_the_server_refuses_a_payload_that_breaks_the_contract(server, transport):
    from app.sync.transport import REJECTED

    envelope = {"hash": "0" * 64, "sequence": 1, "device": "a" * 32, "machine": "b" * 32, "snapshot": {
        "schema": "guichet.activity-snapshot/2", "structure": "100001", "month": "2026-01",
        "totals": {"accompaniments": 1, "usagers": 1}, "cube": [], "usager_name": "Dupont"}}
    answer = transport.send(envelope)
    assert answer.kind == REJECTED and answer.http_status == 422 and "inconnus" in answer.message


def test_reconciliation_detects_server_drift_and_resends(store, site, server, transport, policy, frozen_clock):
    fixed = site["fixed"]
    m = months_back(1, frozen_clock.today())[0]
    with store.write() as session:
        add_activity(session, site["agent"], m, 4, random.Random(8))
    sync_structure(store, fixed.id, transport, policy=policy)
    with store.read() as session:
        device = device_id(session)
    server.db.tamper(fixed.matricule, device, month_key(m), +1)  # the national side lost/gained a count
    result = sync_structure(store, fixed.id, transport, policy=policy, reconcile_all=True)
    assert result.differences == [month_key(m)] and result.requests == 1  # flagged, then re-sent
    assert_server_matches(store, server, fixed.id, fixed.matricule)
    with store.read() as session:
        kinds = [j.outcome for j in session.exec(select(SyncJournal).where(SyncJournal.kind == "rapprochement"))]
    assert kinds == ["ecart"]


def test_two_devices_of_one_structure_are_summed(tmp_path, site, store, server, transport, policy, frozen_clock):
    """A second store (another PC of the same France services) syncs its own totals; the server sums."""
    from app.core import structures
    from app.core.bootstrap import open_app_store
    from app.core.context import Actor

    m = months_back(1, frozen_clock.today())[0]
    with store.write() as session:
        add_activity(session, site["agent"], m, 3, random.Random(1))
    other = open_app_store(tmp_path / "poste2.db")
    try:
        with other.write() as session:
            st = structures.create_structure(session, site["fixed"].matricule, "France services de Testville")
            ag = structures.create_agent(session, st.id, "jean", "Jean")
            add_activity(session, Actor(ag.id, st.id), m, 4, random.Random(2))
        sync_structure(store, site["fixed"].id, transport, policy=policy)
        sync_structure(other, st.id, transport, policy=policy)
        summed = server.db.structure_month(site["fixed"].matricule, month_key(m))
        from tests.sync.helpers import local_counts
        a = local_counts(store, site["fixed"].id)[month_key(m)]["totals"]["accompaniments"]
        b = local_counts(other, st.id)[month_key(m)]["totals"]["accompaniments"]
        assert len(summed["devices"]) == 2 and summed["totals"]["accompaniments"] == a + b
    finally:
        other.close()
