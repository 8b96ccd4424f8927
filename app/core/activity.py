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

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import String, and_, cast, func  # cast: a date as text on both back ends
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


def totals_by_month(session: Session, structure_ids: list[int] | None, start: date, end: date) -> dict[date, tuple[int, int]]:
    """(accompaniments, usagers) of each month of [start, end) that has any, in one pass: the same
    as total_accompaniments and total_usagers month by month (usagers counted within each month)."""
    month = func.substr(cast(Accompaniment.occurred_at, String), 1, 7)
    q = (select(month, func.count(), func.count(func.distinct(Accompaniment.usager_id)), func.count(Accompaniment.usager_id))
         .where(counted(structure_ids, start, end)).group_by(month))
    return {date(int(m[:4]), int(m[5:7]), 1): (n, identified + n - with_usager)
            for m, n, identified, with_usager in session.exec(q)}


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


# ---------------------------------------------------------------- one pass over a month

@dataclass
class MonthScan:
    """A month's counted accompaniments read once, then counted in memory by the same rules as
    the SQL functions above (tests/reports/test_scan.py checks they agree). A department report
    asks some thirty questions of 100,000 rows; one read instead of thirty is what makes it fast.

    rows:  (id, structure_id, usager_id, "AAAA-MM-JJ", bus_stop_id, canal, response_type,
            thematique, autonomy, finalisation, status, follow_up_on "AAAA-MM-JJ" or None,
            agent_id, duration_min, mandate)
    lines: (accompaniment_id, partner_code, procedure_code, structure_id, response_type, canal,
            bus_stop_id), each démarche of those rows with what the cube needs of its visit
    """
    rows: list[tuple]
    lines: list[tuple]
    _memo: dict = field(default_factory=dict, repr=False)

    FIELDS = ("id", "structure_id", "usager_id", "day", "bus_stop_id", "canal", "response_type",
              "thematique", "autonomy", "finalisation", "status", "follow_up_on", "agent_id", "duration_min",
              "mandate")

    @property
    def total(self) -> int:
        return len(self.rows)

    def _columns(self) -> list[tuple]:
        if "columns" not in self._memo:
            self._memo["columns"] = list(zip(*self.rows)) or [()] * len(self.FIELDS)
        return self._memo["columns"]

    def count_by(self, field: str, structure_id: int | None = None) -> dict:
        """Accompaniments by one field (as count_by), optionally for one structure."""
        i = self.FIELDS.index(field)
        if structure_id is None:
            return dict(Counter(self._columns()[i]))
        return dict(Counter(row[i] for row in self.rows if row[1] == structure_id))

    def usagers(self) -> int:
        """Identified usagers once each, each anonymous visit as one (as total_usagers)."""
        people = self._columns()[2]
        return len(set(people) - {None}) + people.count(None)

    def per_structure(self) -> dict[int, tuple[int, int]]:
        """structure_id → (accompaniments, usagers), each structure counted on its own."""
        if "per_structure" not in self._memo:
            columns = self._columns()
            visits = Counter(columns[1])
            anonymous = Counter(sid for sid, person in zip(columns[1], columns[2]) if person is None)
            people = Counter(sid for sid, _person in set(zip(columns[1], columns[2])) if _person is not None)
            self._memo["per_structure"] = {sid: (n, anonymous[sid] + people[sid]) for sid, n in visits.items()}
        return self._memo["per_structure"]

    def cube(self) -> dict[tuple, int]:
        """(structure_id, partner, response_type, canal, bus_stop_id) → accompaniments, each counted
        once per partner it involved (as activity_cube, with the structure and the stop's id)."""
        if "cube" not in self._memo:
            once = {(line[0], line[1]): (line[3], line[1], line[4], line[5], line[6]) for line in self.lines}
            self._memo["cube"] = dict(Counter(once.values()))
        return self._memo["cube"]

    def procedures(self) -> dict[tuple[str, str | None], int]:
        """(partner, démarche code or None) → accompaniments, once per démarche (as count_procedures)."""
        return dict(Counter((partner, code) for _acc, partner, code in {line[:3] for line in self.lines}))


def scan_month(session: Session, structure_ids: list[int] | None, start: date, end: date) -> MonthScan:
    """Read the counted accompaniments of [start, end) and their démarches, once."""
    A, P = Accompaniment, AccompanimentProcedure
    # Dates as text (substr): no per-row date objects, and the day is the local date as stored.
    q = (select(A.id, A.structure_id, A.usager_id, func.substr(cast(A.occurred_at, String), 1, 10), A.bus_stop_id, A.canal,
                A.response_type, A.thematique, A.autonomy, A.finalisation, A.status,
                func.substr(cast(A.follow_up_on, String), 1, 10), A.agent_id, A.duration_min, A.mandate)
         .where(counted(structure_ids, start, end)))
    connection = session.connection()
    rows = {r[0]: r for r in _plain_rows(connection, q)}
    if not rows:
        return MonthScan([], [])
    # The démarches by id range, kept when their visit is one of the month's: a month's ids are
    # nearly contiguous, and a range read costs a sixth of joining the month back (a visit entered
    # late for an old month only widens the range; the filter keeps the result exact).
    q_lines = select(P.accompaniment_id, P.partner_code, P.procedure_code).where(
        P.accompaniment_id.between(min(rows), max(rows)))
    lines = []
    for acc_id, partner, code in _plain_rows(connection, q_lines):
        row = rows.get(acc_id)
        if row is not None:
            lines.append((acc_id, partner, code, row[1], row[6], row[5], row[4]))
    return MonthScan(list(rows.values()), lines)


def _plain_rows(connection, query) -> list[tuple]:
    """The DB-API's own tuples: every column here is text or an integer, which SQLAlchemy would
    hand over unchanged, so its Row objects are skipped (a tenth of a second on 100,000 rows)."""
    result = connection.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()
