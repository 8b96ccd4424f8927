"""Figures per structure, for a report over several structures (a department's network): each
structure's accompaniments, usagers, change from the previous month, first partner, bus stops
served and the state of its national declaration. No Qt.

Everything comes from the month scan the report already made (app.core.activity.scan_month) and
from the sync's grouped snapshots, so a department month of 60 structures costs one pass over its
accompaniments, not sixty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from app.core import activity
from app.models.errors import DomainError
from app.models.tables import Accompaniment, BusStop


@dataclass(frozen=True)
class SyncInfo:
    matricule: str
    name: str
    snapshot_hash: str | None
    state: str | None
    state_label: str = ""
    reason: str = ""


@dataclass(frozen=True)
class StructureFigures:
    id: int
    matricule: str
    name: str
    kind: str
    accompaniments: int
    usagers: int
    previous: int  # accompaniments of the month before
    top_partner: str  # label, "" when nothing was recorded
    top_partner_count: int
    stops: int  # bus stops with at least one accompaniment this month
    sync: SyncInfo | None

    @property
    def silent(self) -> bool:
        """Nothing recorded this month: a missing declaration, or a closed structure."""
        return self.accompaniments == 0


@dataclass(frozen=True)
class CubeLine:
    """Partner × type of answer × canal × bus stop, per structure (the national cube, with the
    structure it belongs to; a stop is its own bus's, never merged with a namesake)."""
    matricule: str
    structure: str
    partner_code: str
    response_type: str
    canal: str
    bus_stop: str  # "" when not on a bus
    count: int


def cube_lines(session: Session, scan: activity.MonthScan, structures) -> list[CubeLine]:
    names = {s.id: (s.matricule, s.name) for s in structures}
    stops = dict(session.exec(select(BusStop.id, BusStop.name)).all())
    lines = [CubeLine(*names[sid], partner, rtype, canal, stops.get(stop, "") if stop is not None else "", n)
             for (sid, partner, rtype, canal, stop), n in scan.cube().items() if sid in names]
    return sorted(lines, key=lambda c: (c.matricule, c.partner_code, c.response_type, c.canal, c.bus_stop))


def sync_infos(session: Session, structures, month: date, scan: activity.MonthScan) -> dict[int, SyncInfo]:
    """The hash the national sync would send for each structure, and its state. One grouped pass
    (snapshot.build_snapshots), not one per structure."""
    from app.sync import snapshot, state

    try:
        built = snapshot.build_snapshots(session, [s.id for s in structures], month, scan=scan)
    except DomainError as exc:  # shown on the report, never hidden
        return {s.id: SyncInfo(s.matricule, s.name, None, None, "", str(exc)) for s in structures}
    infos = {}
    for s in structures:
        snap, row = built[s.id]
        st = state.derive(snap, row)
        infos[s.id] = SyncInfo(s.matricule, s.name, snap.hash, st.state, st.label, st.reason or "")
    return infos


def per_structure(session: Session, structures, scan: activity.MonthScan, month_before: tuple[date, date],
                  partner_names: dict[str, str], sync: dict[int, SyncInfo]) -> list[StructureFigures]:
    """One row per structure in scope, the busiest first (then by matricule)."""
    totals = scan.per_structure()
    ids = [s.id for s in structures]
    before = activity.count_by(session, Accompaniment.structure_id, ids, *month_before)
    partners: dict[int, dict[str, int]] = {}
    stops: dict[int, set] = {}
    for (sid, partner, _rtype, _canal, stop), n in scan.cube().items():
        mine = partners.setdefault(sid, {})
        mine[partner] = mine.get(partner, 0) + n
        if stop is not None:
            stops.setdefault(sid, set()).add(stop)
    rows = []
    for s in structures:
        n, usagers = totals.get(s.id, (0, 0))
        ranked = sorted(partners.get(s.id, {}).items(), key=lambda item: (-item[1], partner_names.get(item[0], item[0])))
        top, top_n = ranked[0] if ranked else ("", 0)
        rows.append(StructureFigures(s.id, s.matricule, s.name, s.kind, n, usagers, before.get(s.id, 0),
                                     partner_names.get(top, top), top_n, len(stops.get(s.id, ())),
                                     sync.get(s.id)))
    return sorted(rows, key=lambda r: (-r.accompaniments, r.matricule))
