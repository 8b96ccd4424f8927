import random
from datetime import date

from app.sync.client import A_JOUR, sync_structure
from app.sync.snapshot import build_snapshot, month_key
from app.sync.state import ACCEPTE, BROUILLON, ENVOYE, month_state, month_states
from tests.sync.helpers import device_id, add_activity, assert_server_matches, months_back
from tests.pg import store  # noqa: F401  (both back ends)


def test_first_sync_sends_every_month_and_server_totals_equal_local(store, site, server, transport, policy,
                                                                    frozen_clock):
    months = months_back(3, frozen_clock.today())
    with store.write() as session:
        for m in months:
            add_activity(session, site["agent"], m, 8, random.Random(m.month))
    fixed = site["fixed"]
    result = sync_structure(store, fixed.id, transport, policy=policy)
    assert result.status == A_JOUR, result
    assert result.accepted == [month_key(m) for m in months]
    assert_server_matches(store, server, fixed.id, fixed.matricule)
    with store.read() as session:
        assert {s.state for s, _ in month_states(session, fixed.id)} == {ACCEPTE}


def test_resending_the_same_snapshot_changes_nothing_and_a_later_one_replaces_it(store, site, server, transport, policy,
                                                                                 frozen_clock):
    m = months_back(1, frozen_clock.today())[0]
    fixed = site["fixed"]
    with store.write() as session:
        add_activity(session, site["agent"], m, 5, random.Random(2))
    sync_structure(store, fixed.id, transport, policy=policy)
    with store.read() as session:
        before = build_snapshot(session, fixed.id, m)
    with store.read() as session:
        device = device_id(session)
    stored = server.db.device_month(fixed.matricule, device, month_key(m))
    assert stored["hash"] == before.hash
    # nothing changed locally: a new sync sends nothing at all
    again = sync_structure(store, fixed.id, transport, policy=policy)
    assert again.requests == 0
    # a late entry makes the month pending; the new snapshot replaces the old one (not added to it)
    with store.write() as session:
        add_activity(session, site["agent"], m, 2, random.Random(3))
    with store.read() as session:
        assert month_state(session, fixed.id, m).state == BROUILLON
    sync_structure(store, fixed.id, transport, policy=policy)
    assert_server_matches(store, server, fixed.id, fixed.matricule)
    assert len(server.db.structure_month(fixed.matricule, month_key(m))["devices"]) == 1


def test_month_state_is_envoye_until_the_server_confirms(store, site, server, transport, policy, frozen_clock):
    m = months_back(1, frozen_clock.today())[0]
    fixed = site["fixed"]
    with store.write() as session:
        add_activity(session, site["agent"], m, 3, random.Random(4))
    server.faults.set([{"kind": "500", "count": -1, "methods": ["PUT"]}])  # enrolment works, snapshots fail
    result = sync_structure(store, fixed.id, transport, policy=policy)
    assert result.status == "erreur" and result.requests == policy.max_attempts
    with store.read() as session:
        state = month_state(session, fixed.id, m)
    assert state.state == ENVOYE and state.pending and state.accepted_hash is None


def test_the_report_prints_the_hash_the_sync_sends(store, site, server, transport, policy, frozen_clock):
    from app.sync.snapshot import report_snapshot

    m = months_back(1, frozen_clock.today())[0]
    with store.write() as session:
        add_activity(session, site["agent"], m, 4, random.Random(9))
    printed = report_snapshot(store, site["fixed"].id, m).hash  # before any sync: device id created here
    sync_structure(store, site["fixed"].id, transport, policy=policy)
    with store.read() as session:
        assert month_state(session, site["fixed"].id, m).accepted_hash == printed
