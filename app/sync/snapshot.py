"""Snapshot of one (structure, month) from this device: the absolute totals that leave the device.

What is in a snapshot, and only that (docs/sync-contract.md is the contract):
- identifiers: the structure's national matricule and the month (the device id travels in the
  URL and the envelope, outside the hash: the fingerprint depends on the figures alone, so the
  report can print it before the device has an identity, and it never changes afterwards);
- counts built with app.core.activity (the same rules as the monthly report): totals, and the
  cube partner × type of answer × canal × bus stop;
- satisfaction counts from app.core.surveys when that module is installed (integers only);
- the supervisor's closing flag and correction reason code, once the month is closed.
Never a name, a phone, a note, a précision or any identifier of a usager or an agent; every
string is a code from the national lists (app/sync/codes.py), bus stops included.

The hash is sha256 over the canonical JSON (sorted keys, no spaces, UTF-8): the same data always
gives the same hash, on any machine, so re-sending it is a no-op and the report can print it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
from dataclasses import asdict, dataclass, is_dataclass
from datetime import date

from sqlmodel import Session, select

from app.core import activity
from app.core.structures import get_structure
from app.models.sync import SyncMonth
from app.models.tables import BusStop
from app.sync import codes

SCHEMA = "guichet.activity-snapshot/2"
SURVEYS_MODULE = "app.core.surveys"


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


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str) -> date:
    """'2026-10' -> date(2026, 10, 1). Raises ValueError."""
    year, _, mon = (text or "").strip().partition("-")
    if len(year) != 4 or not year.isdigit() or not mon.isdigit() or not 1 <= int(mon) <= 12:
        raise ValueError(f"mois invalide : {text!r} (attendu AAAA-MM)")
    return date(int(year), int(mon), 1)


def stop_codes(session: Session, structure_id: int) -> dict[str, str]:
    """Stop name -> code (its rank among the structure's stops, oldest first): names stay here."""
    names = session.exec(select(BusStop.name).where(BusStop.structure_id == structure_id).order_by(BusStop.id))
    out: dict[str, str] = {}
    for rank, name in enumerate(names, start=1):
        out.setdefault(name, codes.stop_code(rank))
    return out


def counts_payload(session: Session, structure_id: int, month: date) -> dict:
    """The counting part of the payload (what the report and the reconciliation compare). Every
    label is a national code (app/sync/codes.py): bus stops by rank, partners outside the national
    catalogue as AUTRE (merged rows add up: AUTRE counts once per such partner, like any partner)."""
    start, end = activity.month_bounds(month)
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


def satisfaction_payload(session: Session, structure_id: int, month: date) -> dict | None:
    """Integer satisfaction counts, or None when the surveys module is not installed."""
    if importlib.util.find_spec(SURVEYS_MODULE) is None:
        return None
    surveys = importlib.import_module(SURVEYS_MODULE)
    start, end = activity.month_bounds(month)
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


def build_snapshot(session: Session, structure_id: int, month: date) -> Snapshot:
    """Absolute totals of `structure_id` for `month` from this device. Raises NotFound."""
    structure = get_structure(session, structure_id)
    month = month.replace(day=1)
    payload = {"schema": SCHEMA, "structure": structure.matricule, "month": month_key(month)}
    payload.update(counts_payload(session, structure_id, month))
    satisfaction = satisfaction_payload(session, structure_id, month)
    if satisfaction is not None:
        payload["satisfaction"] = satisfaction
    row = session.exec(select(SyncMonth).where(SyncMonth.structure_id == structure_id,
                                               SyncMonth.month == month)).first()
    if row is not None and row.closed_at is not None:
        payload["closed"] = True
        if row.correction_reason:
            # A code from the list; a reason typed before codes existed is sent as « autre »
            # (its words stay in the local journal).
            reason = row.correction_reason
            payload["correction_reason"] = reason if reason in codes.CORRECTION_REASONS else "autre"
    return Snapshot(structure_id, month, payload, payload_hash(payload))


def content_hash(snapshot: Snapshot) -> str:
    """Hash of the counts alone (without closing flags): what a supervisor validated."""
    counts = {k: v for k, v in snapshot.payload.items() if k not in ("closed", "correction_reason")}
    return payload_hash(counts)


def report_snapshot(store, structure_id: int, month: date) -> Snapshot:
    """For the monthly report: the snapshot whose hash the sync sends (the hash does not depend on
    the device id, so it is the same before and after the first sync). Raises NotFound, StoreError."""
    with store.read() as session:
        return build_snapshot(session, structure_id, month)
