"""Snapshot of one (structure, month) from this device: the absolute totals that leave the device.

What is in a snapshot, and only that (docs/sync-contract.md is the contract):
- identifiers: the structure's national matricule and the month (the device id travels in the
  URL and the envelope, outside the hash: the fingerprint depends on the figures alone, so the
  report can print it before the device has an identity, and it never changes afterwards);
- counts built with app.core.activity (the same rules as the monthly report): totals, and the
  cube partner × type of answer × canal × bus stop;
- satisfaction counts from app.core.surveys (integers only);
- the supervisor's closing flag and correction reason code, once the month is closed.
Never a name, a phone, a note, a précision or any identifier of a usager or an agent; every
string is a code from the national lists (app/sync/codes.py), bus stops included.

The hash is sha256 over the canonical JSON (sorted keys, no spaces, UTF-8): the same data always
gives the same hash, on any machine, so re-sending it is a no-op and the report can print it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, is_dataclass
from datetime import date

from sqlmodel import Session, select

from app.core import activity, surveys
from app.core.structures import get_structure
from app.models.month import Month
from app.models.sync import SyncMonth
from app.models.tables import BusStop
from app.sync import codes

SCHEMA = "guichet.activity-snapshot/2"


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


def stop_codes(session: Session, structure_id: int) -> dict[str, str]:
    """Stop name -> code (its rank among the structure's stops, oldest first): names stay here."""
    names = session.exec(select(BusStop.name).where(BusStop.structure_id == structure_id).order_by(BusStop.id))
    return _rank_codes(names)


def _rank_codes(names) -> dict[str, str]:
    out: dict[str, str] = {}
    for rank, name in enumerate(names, start=1):
        out.setdefault(name, codes.stop_code(rank))
    return out


def counts_payload(session: Session, structure_id: int, month: date) -> dict:
    """The counting part of the payload (what the report and the reconciliation compare). Every
    label is a national code (app/sync/codes.py): bus stops by rank, partners outside the national
    catalogue as AUTRE (merged rows add up: AUTRE counts once per such partner, like any partner)."""
    start, end = Month.of(month).bounds()
    ids = [structure_id]
    stops = stop_codes(session, structure_id)
    merged: dict[tuple, int] = {}
    for r in activity.activity_cube(session, ids, start, end):
        key = (codes.partner_code(r.partner_code), r.response_type, r.canal,
               stops.get(r.bus_stop, "") if r.bus_stop else "")
        merged[key] = merged.get(key, 0) + r.count
    cube = [{"partner": p, "response_type": t, "canal": c, "bus_stop": b, "count": n}
            for (p, t, c, b), n in sorted(merged.items())]
    return {
        "totals": {"accompaniments": activity.total_accompaniments(session, ids, start, end),
                   "usagers": activity.total_usagers(session, ids, start, end)},
        "cube": cube,
    }


def satisfaction_payload(session: Session, structure_id: int, month: date) -> dict:
    """Integer satisfaction counts of the month's survey answers."""
    start, end = Month.of(month).bounds()
    result = surveys.indicators(session, start=start, end=end, structure_ids=[structure_id])
    return codes.satisfaction_counts(_integers_only(asdict(result) if is_dataclass(result) else result))


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
    return _assemble(structure_id, structure.matricule, month, counts, satisfaction, row)


def _assemble(structure_id: int, matricule: str, month: date, counts: dict,
              satisfaction: dict | None, row: SyncMonth | None) -> Snapshot:
    payload = {"schema": SCHEMA, "structure": matricule, "month": month_key(month)}
    payload.update(counts)
    if satisfaction is not None:
        payload["satisfaction"] = satisfaction
    if row is not None and row.closed_at is not None:
        payload["closed"] = True
        if row.correction_reason:
            # A code from the list; a reason typed before codes existed is sent as « autre »
            # (its words stay in the local journal).
            reason = row.correction_reason
            payload["correction_reason"] = reason if reason in codes.CORRECTION_REASONS else "autre"
    return Snapshot(structure_id, month, payload, payload_hash(payload))


def build_snapshots(session: Session, structure_ids: list[int], month: date,
                    scan: activity.MonthScan | None = None) -> dict[int, tuple[Snapshot, SyncMonth | None]]:
    """build_snapshot for many structures at once, with each one's month row: the same payloads
    and hashes from one pass over the month (a department report needs 60). `scan`, when given,
    must cover these structures for this month. Raises NotFound for an unknown structure."""
    from app.models.errors import NotFound
    from app.models.tables import Structure

    month = Month.of(month).first_day
    start, end = Month.of(month).bounds()
    ids = list(dict.fromkeys(structure_ids))
    matricules = dict(session.exec(select(Structure.id, Structure.matricule).where(Structure.id.in_(ids))).all())
    if any(i not in matricules for i in ids):
        raise NotFound("Structure introuvable.")  # as get_structure
    scan = scan if scan is not None else activity.scan_month(session, ids, start, end)
    stop_names: dict[int, str] = {}
    names_of: dict[int, list[str]] = {}
    for stop_id, owner, name in session.exec(select(BusStop.id, BusStop.structure_id, BusStop.name)
                                             .where(BusStop.structure_id.in_(ids)).order_by(BusStop.id)):
        stop_names[stop_id] = name
        names_of.setdefault(owner, []).append(name)
    stops = {sid: _rank_codes(names_of.get(sid, [])) for sid in ids}  # as stop_codes, for each structure
    cubes: dict[int, dict[tuple, int]] = {}
    for (sid, partner, rtype, canal, stop), n in scan.cube().items():
        name = stop_names.get(stop, "") if stop is not None else ""
        key = (codes.partner_code(partner), rtype, canal, stops[sid].get(name, "") if name else "")
        cube = cubes.setdefault(sid, {})
        cube[key] = cube.get(key, 0) + n  # two stops of one bus with the same name: one row, as in SQL
    totals = scan.per_structure()
    satisfaction = _satisfactions(session, ids, start, end, {sid: t[0] for sid, t in totals.items()})
    rows = {r.structure_id: r for r in session.exec(select(SyncMonth).where(SyncMonth.structure_id.in_(ids),
                                                                            SyncMonth.month == month))}
    out = {}
    for sid in ids:
        n, usagers = totals.get(sid, (0, 0))
        cube = [{"partner": p, "response_type": r, "canal": c, "bus_stop": b, "count": count}
                for (p, r, c, b), count in sorted(cubes.get(sid, {}).items())]
        counts = {"totals": {"accompaniments": n, "usagers": usagers}, "cube": cube}
        out[sid] = (_assemble(sid, matricules[sid], month, counts, satisfaction.get(sid), rows.get(sid)),
                    rows.get(sid))
    return out


def _satisfactions(session: Session, ids: list[int], start: date, end: date, accompaniments: dict) -> dict:
    found = surveys.indicators_by_structure(session, start=start, end=end, structure_ids=ids,
                                            accompaniments=accompaniments)
    return {sid: codes.satisfaction_counts(_integers_only(asdict(result))) for sid, result in found.items()}


def content_hash(snapshot: Snapshot) -> str:
    """Hash of the counts alone (without closing flags): what a supervisor validated."""
    counts = {k: v for k, v in snapshot.payload.items() if k not in ("closed", "correction_reason")}
    return payload_hash(counts)


def report_snapshot(store, structure_id: int, month: date) -> Snapshot:
    """For the monthly report: the snapshot whose hash the sync sends (the hash does not depend on
    the device id, so it is the same before and after the first sync). Raises NotFound, StoreError."""
    with store.read() as session:
        return build_snapshot(session, structure_id, month)
