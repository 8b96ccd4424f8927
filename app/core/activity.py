"""What counts, and how: the one definition of activity shared by the monthly report and the
national sync, so their figures can never disagree.

Rules
- An accompaniment counts when its status is ouvert, en attente du partenaire or clos
  (« annulé » means entered by mistake) and its local date falls in the period.
- By partner, an accompaniment counts once per partner it involved (a visit about CAF and CPAM
  counts for both); the overall total counts it once. So partner rows can add up to more than
  the total, and reports say so.
- Usagers: each identified usager once, each anonymous visit as one usager.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func
from sqlmodel import Session, select

from app.models.enums import COUNTED_STATUSES
from app.models.tables import Accompaniment, AccompanimentProcedure, BusStop

COUNTED = tuple(s.value for s in COUNTED_STATUSES)


def counted(structure_ids: list[int] | None, start: date, end: date):
    """SQL condition selecting the accompaniments that count in [start, end)."""
    cond = [Accompaniment.status.in_(COUNTED),
            Accompaniment.occurred_at >= datetime.combine(start, datetime.min.time()),
            Accompaniment.occurred_at < datetime.combine(end, datetime.min.time())]
    if structure_ids is not None:
        cond.append(Accompaniment.structure_id.in_(list(structure_ids)))
    return and_(*cond)


@dataclass(frozen=True)
class CubeRow:
    partner_code: str
    response_type: str
    canal: str
    bus_stop: str  # stop name, "" when not on a bus
    count: int


def activity_cube(session: Session, structure_ids: list[int] | None, start: date, end: date) -> list[CubeRow]:
    """Accompaniments by partner × type of answer × canal × bus stop (sorted, deterministic)."""
    stop_name = func.coalesce(BusStop.name, "")
    q = (select(AccompanimentProcedure.partner_code, Accompaniment.response_type, Accompaniment.canal,
                stop_name, func.count(func.distinct(Accompaniment.id)))
         .join(Accompaniment, Accompaniment.id == AccompanimentProcedure.accompaniment_id)
         .join(BusStop, BusStop.id == Accompaniment.bus_stop_id, isouter=True)
         .where(counted(structure_ids, start, end))
         .group_by(AccompanimentProcedure.partner_code, Accompaniment.response_type, Accompaniment.canal, stop_name))
    rows = [CubeRow(p, r, c, s, n) for p, r, c, s, n in session.exec(q)]
    rows.sort(key=lambda r: (r.partner_code, r.response_type, r.canal, r.bus_stop))
    return rows


def total_accompaniments(session: Session, structure_ids: list[int] | None, start: date, end: date) -> int:
    return session.exec(select(func.count()).select_from(Accompaniment).where(counted(structure_ids, start, end))).one()


def total_usagers(session: Session, structure_ids: list[int] | None, start: date, end: date) -> int:
    # One pass over the period: COUNT(DISTINCT) skips NULLs (identified people once each), and
    # count(*) - count(usager_id) is the anonymous visits. A separate "usager_id IS NULL" query
    # made SQLite walk the usager_id index over every anonymous visit ever recorded.
    identified, anonymous = session.exec(
        select(func.count(func.distinct(Accompaniment.usager_id)), func.count() - func.count(Accompaniment.usager_id))
        .select_from(Accompaniment).where(counted(structure_ids, start, end))).one()
    return identified + anonymous


def count_by(session: Session, column, structure_ids: list[int] | None, start: date, end: date) -> dict:
    """Accompaniments grouped by one Accompaniment column (canal, response_type, autonomy…)."""
    q = (select(column, func.count()).select_from(Accompaniment)
         .where(counted(structure_ids, start, end)).group_by(column))
    return {k: n for k, n in session.exec(q)}


def count_partners(session: Session, structure_ids: list[int] | None, start: date, end: date) -> dict[str, int]:
    """Accompaniments by partner code; an accompaniment counts once per partner it involved."""
    q = (select(AccompanimentProcedure.partner_code, func.count(func.distinct(Accompaniment.id)))
         .join(Accompaniment, Accompaniment.id == AccompanimentProcedure.accompaniment_id)
         .where(counted(structure_ids, start, end)).group_by(AccompanimentProcedure.partner_code))
    return {p: n for p, n in session.exec(q)}


def count_procedures(session: Session, structure_ids: list[int] | None, start: date, end: date) -> dict:
    """Accompaniments by (partner, démarche code or None for a free démarche); an accompaniment
    counts once per démarche it involved, like partners."""
    q = (select(AccompanimentProcedure.partner_code, AccompanimentProcedure.procedure_code,
                func.count(func.distinct(Accompaniment.id)))
         .join(Accompaniment, Accompaniment.id == AccompanimentProcedure.accompaniment_id)
         .where(counted(structure_ids, start, end))
         .group_by(AccompanimentProcedure.partner_code, AccompanimentProcedure.procedure_code))
    return {(p, c): n for p, c, n in session.exec(q)}
