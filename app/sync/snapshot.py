"""Snapshot of one (structure, device, month): the absolute totals that leave the device.

What is in a snapshot, and only that (docs/sync-contract.md is the contract):
- identifiers: the structure's national matricule, this store's device id, the month;
- counts built with app.core.activity (the same rules as the monthly report): totals, and the
  cube partner × type of answer × canal × bus stop;
- satisfaction counts from app.core.surveys (integers only);
- the supervisor's closing flag and correction reason, once the month is closed.
Never a name, a phone, a note, a précision or any identifier of a usager or an agent.

The hash is sha256 over the canonical JSON (sorted keys, no spaces, UTF-8): the same data always
gives the same hash, on any machine, so re-sending it is a no-op and the report can print it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, is_dataclass
from datetime import date

from sqlmodel import Session, select

from app import config
from app.core import activity, surveys
from app.core.structures import get_structure
from app.models.month import Month
from app.models.sync import SyncMonth

SCHEMA = "guichet.activity-snapshot/1"
DEVICE_KEY = config.SYNC_DEVICE_ID.name


@dataclass(frozen=True)
class Snapshot:
    structure_id: int
    month: date
    payload: dict
    hash: str

    @property
    def total(self) -> int:
        return self.payload["totals"]["accompaniments"]

    def canonical(self) -> bytes:
        return canonical_json(self.payload)


def canonical_json(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def payload_hash(payload: dict) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def month_key(month: date | Month) -> str:
    """The month as the contract names it: « 2026-10 »."""
    return str(Month.of(month))


def device_id(session: Session) -> str:
    """This store's stable device id; read-only sessions get '' until a write session created it."""
    return config.SYNC_DEVICE_ID.get(session)


def ensure_device_id(session: Session) -> str:
    """Create the device id at first use (call inside store.write())."""
    value = config.SYNC_DEVICE_ID.get(session)
    if not value:
        value = config.SYNC_DEVICE_ID.set(session, uuid.uuid4().hex)
        session.flush()
    return value


def counts_payload(session: Session, structure_id: int, month: date) -> dict:
    """The counting part of the payload (what the report and the reconciliation compare)."""
    start, end = Month.of(month).bounds()
    ids = [structure_id]
    cube = [{"partner": r.partner_code, "response_type": r.response_type, "canal": r.canal,
             "bus_stop": r.bus_stop, "count": r.count}
            for r in activity.activity_cube(session, ids, start, end)]
    return {
        "totals": {"accompaniments": activity.total_accompaniments(session, ids, start, end),
                   "usagers": activity.total_usagers(session, ids, start, end)},
        "cube": cube,
    }


def satisfaction_payload(session: Session, structure_id: int, month: date) -> dict:
    """Integer satisfaction counts of the month's survey answers."""
    start, end = Month.of(month).bounds()
    result = surveys.indicators(session, start=start, end=end, structure_ids=[structure_id])
    return _integers_only(asdict(result) if is_dataclass(result) else result)


def _integers_only(value):
    """Keep integer counts only: rates are derived (and floats make hashes fragile), and a
    string value could one day carry free text; keys are the module's own field names/codes."""
    if isinstance(value, dict):
        kept = {str(k): _integers_only(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != {}}
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return None


def month_counts(session: Session, structure_id: int, month: date) -> dict:
    """The counted part of a snapshot (totals, cube, satisfaction): the expensive part, which
    app/sync/pending.py keeps per month until a write marks the month dirty."""
    counts = counts_payload(session, structure_id, month)
    counts["satisfaction"] = satisfaction_payload(session, structure_id, month)
    return counts


def build_snapshot(session: Session, structure_id: int, month: date, counts: dict | None = None) -> Snapshot:
    """Absolute totals of `structure_id` for `month` from this device (`counts`: precomputed
    `month_counts`). Raises NotFound."""
    structure = get_structure(session, structure_id)
    month = Month.of(month).first_day
    row = session.exec(select(SyncMonth).where(SyncMonth.structure_id == structure_id,
                                               SyncMonth.month == month)).first()
    counts = dict(counts if counts is not None else month_counts(session, structure_id, month))
    satisfaction = counts.pop("satisfaction", None)
    return _assemble(structure_id, structure.matricule, device_id(session), month, counts, satisfaction, row)


def _assemble(structure_id: int, matricule: str, device: str, month: date, counts: dict,
              satisfaction: dict | None, row: SyncMonth | None) -> Snapshot:
    payload = {"schema": SCHEMA, "structure": matricule, "device": device, "month": month_key(month)}
    payload.update(counts)
    if satisfaction is not None:
        payload["satisfaction"] = satisfaction
    if row is not None and row.closed_at is not None:
        payload["closed"] = True
        if row.correction_reason:
            payload["correction_reason"] = row.correction_reason
    return Snapshot(structure_id, month, payload, payload_hash(payload))


def build_snapshots(session: Session, structure_ids: list[int], month: date,
                    scan: activity.MonthScan | None = None) -> dict[int, tuple[Snapshot, SyncMonth | None]]:
    """build_snapshot for many structures at once, with each one's month row: the same payloads
    and hashes from one pass over the month (a department report needs 60). `scan`, when given,
    must cover these structures for this month. Raises NotFound for an unknown structure."""
    from app.models.errors import NotFound
    from app.models.tables import BusStop, Structure

    month = Month.of(month).first_day
    start, end = Month.of(month).bounds()
    ids = list(dict.fromkeys(structure_ids))
    matricules = dict(session.exec(select(Structure.id, Structure.matricule).where(Structure.id.in_(ids))).all())
    if any(i not in matricules for i in ids):
        raise NotFound("Structure introuvable.")  # as get_structure
    scan = scan if scan is not None else activity.scan_month(session, ids, start, end)
    stop_names = dict(session.exec(select(BusStop.id, BusStop.name)).all())
    cubes: dict[int, dict[tuple, int]] = {}
    for (sid, partner, rtype, canal, stop), n in scan.cube().items():
        key = (partner, rtype, canal, stop_names.get(stop, "") if stop is not None else "")
        cube = cubes.setdefault(sid, {})
        cube[key] = cube.get(key, 0) + n  # two stops of one bus with the same name: one row, as in SQL
    totals = scan.per_structure()
    satisfaction = _satisfactions(session, ids, start, end, {sid: t[0] for sid, t in totals.items()})
    rows = {r.structure_id: r for r in session.exec(select(SyncMonth).where(SyncMonth.structure_id.in_(ids),
                                                                            SyncMonth.month == month))}
    device = device_id(session)
    out = {}
    for sid in ids:
        n, usagers = totals.get(sid, (0, 0))
        cube = [{"partner": p, "response_type": r, "canal": c, "bus_stop": b, "count": count}
                for (p, r, c, b), count in sorted(cubes.get(sid, {}).items())]
        counts = {"totals": {"accompaniments": n, "usagers": usagers}, "cube": cube}
        out[sid] = (_assemble(sid, matricules[sid], device, month, counts, satisfaction.get(sid), rows.get(sid)),
                    rows.get(sid))
    return out


def _satisfactions(session: Session, ids: list[int], start: date, end: date, accompaniments: dict) -> dict:
    found = surveys.indicators_by_structure(session, start=start, end=end, structure_ids=ids,
                                            accompaniments=accompaniments)
    return {sid: _integers_only(asdict(result)) for sid, result in found.items()}


def content_hash(snapshot: Snapshot) -> str:
    """Hash of the counts alone (without closing flags): what a supervisor validated."""
    counts = {k: v for k, v in snapshot.payload.items() if k not in ("closed", "correction_reason")}
    return payload_hash(counts)


def report_snapshot(store, structure_id: int, month: date) -> Snapshot:
    """For the monthly report: make sure this store has its device id (so the printed hash is the
    one the sync will send), then build the snapshot. Raises NotFound, StoreError."""
    if not store.read_only:
        with store.write() as session:
            ensure_device_id(session)
    with store.read() as session:
        return build_snapshot(session, structure_id, month)
