"""Which months the next sync will send, without rebuilding every month's snapshot.

Writes mark the (structure, month) pairs whose counts may have moved (app/core/changes.py). Here
a month's counts are recomputed only when it is dirty or has no kept counts (a month written by
a raw builder, or never settled); clean months reuse the counts kept in `sync_month_status`. The state itself is then derived exactly as before
(app/sync/state.py `derive`), from the snapshot rebuilt around those counts and the month's sync
row, so a cached month and a recomputed one can never disagree.

`settle` stores the counts of dirty months (a write: the sync run calls it); `overview` and
`month_states` only read.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from app.models.month import Month
from app.models.sync import SyncMonth
from app.models.tables import Accompaniment
from app.models.sync_status import SyncMonthStatus
from app.sync.snapshot import Snapshot, build_snapshot, canonical_json, month_counts


def _rows(session: Session, structure_id: int) -> dict[date, SyncMonthStatus]:
    return {r.month: r for r in session.exec(select(SyncMonthStatus)
                                             .where(SyncMonthStatus.structure_id == structure_id))}


def known_months(session: Session, structure_id: int) -> list[date]:
    """Every month from the first to the last accompaniment (any status: a month whose entries
    were all cancelled must still send its zeros), plus every month already known to the sync."""
    first, last = session.exec(select(func.min(Accompaniment.occurred_at), func.max(Accompaniment.occurred_at))
                               .where(Accompaniment.structure_id == structure_id)).one()
    months: set[date] = set(session.exec(select(SyncMonth.month).where(SyncMonth.structure_id == structure_id)))
    if first is not None:
        months.update(m.first_day for m in Month.range(Month.of(first), Month.of(last).next()))
    return sorted(months)


def snapshots(session: Session, structure_id: int) -> list[Snapshot]:
    """Every known month's snapshot, oldest first; only dirty months are counted again."""
    rows = _rows(session, structure_id)
    out = []
    for month in known_months(session, structure_id):
        row = rows.get(month)
        counts = json.loads(row.counts) if row is not None and not row.dirty and row.counts else None
        out.append(build_snapshot(session, structure_id, month, counts))
    return out


def settle(session: Session, structure_id: int) -> int:
    """Compute and keep the counts of every known month that is dirty or has none. Returns how many."""
    rows, n = _rows(session, structure_id), 0
    for month in known_months(session, structure_id):
        row = rows.get(month) or SyncMonthStatus(structure_id=structure_id, month=month)
        if row.dirty or not row.counts:
            row.counts = canonical_json(month_counts(session, structure_id, month)).decode("utf-8")
            row.dirty = False
            session.add(row)
            n += 1
    session.flush()
    return n
