"""Long offline: a bus that has not synced for 12 months sends its whole backlog in one run."""

import random
import time

from app.sync.client import A_JOUR, sync_structure
from app.sync.state import ACCEPTE, month_states
from tests.sync.helpers import add_activity, assert_server_matches, months_back

PER_MONTH = 60


def test_twelve_months_of_backlog_on_a_bus_sync_in_one_go(store, site, server, transport, policy, capsys, frozen_clock):
    bus = site["bus"]
    rng = random.Random(12)
    with store.write() as session:
        for m in months_back(12, frozen_clock.today()):
            add_activity(session, site["bus_agent"], m, PER_MONTH, rng, stops=site["stops"])
    started = time.perf_counter()
    result = sync_structure(store, bus.id, transport, policy=policy)
    elapsed = time.perf_counter() - started
    assert result.status == A_JOUR and len(result.accepted) == 12 and result.requests == 12
    assert_server_matches(store, server, bus.id, bus.matricule)
    with store.read() as session:
        assert [s.state for s, _ in month_states(session, bus.id)] == [ACCEPTE] * 12
    assert elapsed < 30, elapsed
    with capsys.disabled():
        print(f"\n[backlog] 12 mois, {12 * PER_MONTH} accompagnements, bus : synchronisé en {elapsed:.2f} s")
