"""The one-pass month scan counts exactly like the SQL rules of app.core.activity, and the grouped
snapshots of a department report carry the same payloads and hashes as the sync's own."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.models.month import Month
from app.core import activity
from app.models.tables import Accompaniment, BusStop, Structure
from bench.bench_reports import MONTH, make_store

snapshot = pytest.importorskip("app.sync.snapshot")


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """Seven structures (one a bus with four stops), several partners per visit, cancelled visits,
    survey answers: the bench's department month, small."""
    store, actor = make_store(tmp_path_factory.mktemp("network") / "g.db", n_structures=7, per_month=600,
                              other_months=15, seed=3)
    yield store
    store.close()


FIELDS = {"canal": Accompaniment.canal, "response_type": Accompaniment.response_type,
          "thematique": Accompaniment.thematique, "autonomy": Accompaniment.autonomy,
          "finalisation": Accompaniment.finalisation, "bus_stop_id": Accompaniment.bus_stop_id,
          "structure_id": Accompaniment.structure_id}


@pytest.mark.parametrize("ids", [None, [1], [2, 6]])
def test_the_scan_counts_like_the_sql_rules(network, ids):
    start, end = Month.of(MONTH).bounds()
    with network.read() as s:
        scan = activity.scan_month(s, ids, start, end)
        assert scan.total == activity.total_accompaniments(s, ids, start, end) > 0
        assert scan.usagers() == activity.total_usagers(s, ids, start, end)
        for name, column in FIELDS.items():
            assert scan.count_by(name) == activity.count_by(s, column, ids, start, end), name
        days = activity.count_by(s, func.date(Accompaniment.occurred_at), ids, start, end)
        assert scan.count_by("day") == days
        assert scan.procedures() == activity.count_procedures(s, ids, start, end)
        stops = dict(s.exec(select(BusStop.id, BusStop.name)).all())
        merged = defaultdict(int)
        for (_sid, partner, rtype, canal, stop), n in scan.cube().items():
            merged[(partner, rtype, canal, stops.get(stop, ""))] += n
        expected = {(r.partner_code, r.response_type, r.canal, r.bus_stop): r.count
                    for r in activity.activity_cube(s, ids, start, end)}
        assert dict(merged) == expected
        for sid, (n, usagers) in scan.per_structure().items():
            assert (n, usagers) == (activity.total_accompaniments(s, [sid], start, end),
                                    activity.total_usagers(s, [sid], start, end))


def test_grouped_snapshots_equal_the_sync_snapshots_byte_for_byte(network):
    from app.models.sync import SyncMonth

    with network.write() as s:  # one month closed with a correction: the flags are in the payload
        s.add(SyncMonth(structure_id=3, month=MONTH, closed_at=datetime(2026, 11, 2), closed_hash="x",
                        correction_reason="oubli d'une saisie"))
    with network.read() as s:
        ids = list(s.exec(select(Structure.id).order_by(Structure.id)))
        grouped = snapshot.build_snapshots(s, ids, MONTH)
        assert list(grouped) == ids
        for sid in ids:
            alone = snapshot.build_snapshot(s, sid, MONTH)
            assert grouped[sid][0].canonical() == alone.canonical()
            assert grouped[sid][0].hash == alone.hash
        assert grouped[3][0].payload["closed"] is True and grouped[3][1].correction_reason
        assert "satisfaction" in grouped[1][0].payload


def test_grouped_snapshots_refuse_an_unknown_structure(network):
    from app.models.errors import NotFound

    with network.read() as s, pytest.raises(NotFound):
        snapshot.build_snapshots(s, [1, 999], MONTH)
