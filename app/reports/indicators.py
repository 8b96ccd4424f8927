"""Indicators a supervisor or a funder asks for beyond the national declaration: usagers new or
returning, how long accompaniments take, mandates, each breakdown against the previous month
(M-1) and the same month last year (N-1), and, for supervisors only, figures per agent.
Counted by the same rules as everything else (app.core.activity: the month scans). No Qt.

Age band, sex, residence and commune of the usagers are in app/reports/usager_profile.py.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlmodel import Session, select

from app.core import activity
from app.i18n import _
from app.models.tables import Accompaniment, Agent, Structure

DURATION_BANDS = ((10, "≤ 10 min"), (20, "11 à 20 min"), (30, "21 à 30 min"), (45, "31 à 45 min"), (None, "plus de 45 min"))
# breakdown name → the scan field it counts (partners come from the cube)
COMPARED = {"response_type": "response_type", "canal": "canal", "thematique": "thematique",
            "autonomy": "autonomy", "finalisation": "finalisation", "mandate": "mandate"}


@dataclass(frozen=True)
class Profile:
    identified: int  # distinct identified usagers of the month
    new: int  # … whose first counted accompaniment (in the report's scope) is in this month
    returning: int  # … accompanied before this month too
    anonymous_visits: int
    duration_mean: float | None  # minutes per accompaniment
    duration_median: float | None
    by_duration: list[tuple[str, int]]  # (band, accompaniments)


@dataclass(frozen=True)
class AgentFigures:
    name: str
    structure: str
    accompaniments: int
    usagers: int
    duration_mean: float | None
    follow_ups_open: int  # the month's cases still waiting for a follow-up


def profile(session: Session, scan: activity.MonthScan, ids, start: date) -> Profile:
    people = {row[2] for row in scan.rows if row[2] is not None}
    before: set[int] = set()
    # The month's people are known from the scan: look them up by the usager index, 500 at a time
    # (a fourth of the time of joining the month back, on the department month; bounded by the
    # month's people, not by the store's history).
    found = sorted(people)
    for i in range(0, len(found), 500):
        q = (select(Accompaniment.usager_id).distinct()
             .where(Accompaniment.usager_id.in_(found[i:i + 500]), activity.counted(ids, date(1900, 1, 1), start)))
        before.update(session.connection().execute(q).scalars())
    durations = [row[13] for row in scan.rows if row[13] is not None]
    edges = [high for high, _name in DURATION_BANDS if high is not None]
    per_band: Counter = Counter()
    for minutes, n in Counter(durations).items():  # a few distinct values: band those, not every visit
        per_band[bisect_left(edges, minutes)] += n
    bands = [(name, per_band.get(i, 0)) for i, (_high, name) in enumerate(DURATION_BANDS)]
    return Profile(len(people), len(people - before), len(people & before),
                   sum(1 for row in scan.rows if row[2] is None),
                   sum(durations) / len(durations) if durations else None,
                   float(median(durations)) if durations else None, bands)


def comparisons(scan: activity.MonthScan, before: activity.MonthScan, last_year: activity.MonthScan) -> dict:
    """{breakdown: {code: (M-1, N-1)}}, partners included (once per partner, as the report)."""
    out = {}
    for name, field in COMPARED.items():
        a, b = before.count_by(field), last_year.count_by(field)
        out[name] = {("" if code is None else str(code)): (a.get(code, 0), b.get(code, 0))
                     for code in set(scan.count_by(field)) | set(a) | set(b)}
    partners = [_per_partner(s) for s in (before, last_year)]
    out["partner"] = {code: (partners[0].get(code, 0), partners[1].get(code, 0))
                      for code in set(partners[0]) | set(partners[1]) | set(_per_partner(scan))}
    return out


def _per_partner(scan: activity.MonthScan) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (_sid, partner, *_rest), n in scan.cube().items():
        totals[partner] = totals.get(partner, 0) + n
    return totals


def per_agent(session: Session, scan: activity.MonthScan) -> list[AgentFigures]:
    """One row per agent who recorded an accompaniment this month, the busiest first."""
    names = {a.id: (a.display_name, a.structure_id) for a in session.exec(select(Agent))}
    structures = dict(session.exec(select(Structure.id, Structure.name)).all())
    rows: dict[int, list] = {}
    for row in scan.rows:
        rows.setdefault(row[12], []).append(row)
    out = []
    for agent_id, mine in rows.items():
        name, sid = names.get(agent_id, (_("Agent inconnu"), None))
        people = {r[2] for r in mine if r[2] is not None}
        durations = [r[13] for r in mine if r[13] is not None]
        out.append(AgentFigures(name, structures.get(sid, ""), len(mine),
                                len(people) + sum(1 for r in mine if r[2] is None),
                                sum(durations) / len(durations) if durations else None,
                                sum(1 for r in mine if r[10] in ("ouvert", "en_attente_partenaire") and r[11])))
    return sorted(out, key=lambda a: (-a.accompaniments, a.name))
