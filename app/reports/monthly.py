"""The monthly activity report's figures, for one month and one or several structures. No Qt.

Every count goes through app.core.activity, the rules the national sync uses too, so the report
and the snapshot sent for the same month can never disagree (a test checks it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import case, func, text
from sqlmodel import Session, select

from app.core import activity, surveys
from app.core.context import Actor
from app.i18n import _, label
from app.models.checklists import CaseMoment
from app.models.errors import ValidationError
from app.models.month import Month
from app.models.tables import Accompaniment, BusStop, Partner, Procedure, Structure
from app.reports import indicators, usager_profile
from app.reports.indicators import AgentFigures, Profile
from app.reports.network import CubeLine, StructureFigures, SyncInfo, cube_lines, per_structure, sync_infos

Progress = Callable[[int, int, str], None]
OPEN_STATUSES = ("ouvert", "en_attente_partenaire")
TOP_PROCEDURES = 3
TREND_MONTHS = 12


@dataclass(frozen=True)
class Line:
    """One row of a breakdown: a code, its label, its count and its share of the month's total."""
    code: str
    label: str
    count: int
    share: float | None
    details: tuple[tuple[str, int], ...] = ()  # e.g. a partner's most frequent démarches
    group: str = ""  # what the line belongs to: a stop's bus (stops of two buses may share a name)


@dataclass(frozen=True)
class PeriodFigures:
    month: date
    accompaniments: int
    usagers: int


@dataclass(frozen=True)
class FollowUps:
    as_of: date
    month_open: int  # cases of the month still waiting for a follow-up
    month_overdue: int  # … whose follow-up date has passed
    backlog_open: int  # the same, all months of the scope
    backlog_overdue: int


@dataclass(frozen=True)
class SatisfactionDimension:
    code: str
    label: str
    pct_satisfied: float | None
    pct_neutral: float | None
    pct_dissatisfied: float | None
    net_rate: float | None


@dataclass(frozen=True)
class Satisfaction:
    responses: int
    response_rate: float | None
    dimensions: tuple[SatisfactionDimension, ...]


@dataclass(frozen=True)
class StructureInfo:
    id: int
    matricule: str
    name: str
    kind: str


@dataclass
class MonthlyReport:
    month: date
    structures: list[StructureInfo]
    all_structures: bool
    generated_at: datetime
    author: str
    current: PeriodFigures
    previous: PeriodFigures
    last_year: PeriodFigures
    trend: list[PeriodFigures]
    cube: list[CubeLine]
    by_partner: list[Line]
    by_response_type: list[Line]
    by_canal: list[Line]
    by_bus_stop: list[Line]
    by_thematique: list[Line]
    by_autonomy: list[Line]
    by_finalisation: list[Line]
    by_moment: list[Line]
    by_day: list[tuple[date, int]]
    by_weekday: list[int]  # Monday .. Sunday
    follow_ups: FollowUps
    satisfaction: Satisfaction
    sync: list[SyncInfo]
    per_structure: list[StructureFigures] = field(default_factory=list)  # the busiest first
    by_mandate: list[Line] = field(default_factory=list)
    profile: Profile | None = None
    compare: dict = field(default_factory=dict)  # breakdown → code → (M-1, N-1); see indicators.py
    by_agent: list[AgentFigures] | None = None  # supervisors only: None for other readers
    usager_profile: list[usager_profile.ProfileTable] = field(default_factory=list)  # age, sex, residence
    notes: list[str] = field(default_factory=list)

    @property
    def structure_ids(self) -> list[int] | None:
        return None if self.all_structures else [s.id for s in self.structures]

    @property
    def scope_label(self) -> str:
        if self.all_structures and len(self.structures) != 1:
            return _("Toutes les structures ({n})").format(n=len(self.structures))
        return " + ".join(s.name for s in self.structures)


def resolve_structures(session: Session, matricules: list[str] | None = None,
                       structure_ids: list[int] | None = None) -> tuple[list[StructureInfo], bool]:
    """The structures in scope and whether that is « all of them ». Raises ValidationError."""
    rows = list(session.exec(select(Structure).order_by(Structure.matricule)))
    if not rows:
        raise ValidationError(_("Aucune structure dans la base : terminez la configuration."), field="structure")
    if not matricules and not structure_ids:
        return [StructureInfo(s.id, s.matricule, s.name, s.kind) for s in rows], True
    by_matricule = {s.matricule: s for s in rows}
    by_id = {s.id: s for s in rows}
    chosen = []
    for m in matricules or []:
        if m.strip() not in by_matricule:
            raise ValidationError(_("Structure inconnue : matricule {m}.").format(m=m), field="structure")
        chosen.append(by_matricule[m.strip()])
    for i in structure_ids or []:
        if i not in by_id:
            raise ValidationError(_("Structure inconnue."), field="structure")
        chosen.append(by_id[i])
    unique = {s.id: s for s in chosen}
    return [StructureInfo(s.id, s.matricule, s.name, s.kind) for s in sorted(unique.values(), key=lambda s: s.matricule)], False


def _share(n: int, total: int) -> float | None:
    return n / total if total else None


def _lines(counts: dict, total: int, vocabulary: str | None = None, labels: dict | None = None) -> list[Line]:
    """Sorted by count (largest first) then label, so tables and charts read top-down."""
    lines = []
    for code, n in counts.items():
        if vocabulary:
            text = label(vocabulary, code) if code else _("Non renseigné")
        else:
            text = (labels or {}).get(code, code or _("Non renseigné"))
        lines.append(Line("" if code is None else str(code), text, n, _share(n, total)))
    return sorted(lines, key=lambda line: (-line.count, line.label))


def _partners(session: Session, cube: list[CubeLine], scan: activity.MonthScan, names: dict, total) -> list[Line]:
    per_partner: dict[str, int] = defaultdict(int)
    for row in cube:  # one structure, response type, canal and stop per accompaniment: the sum is exact
        per_partner[row.partner_code] += row.count
    procedure_names = dict(session.exec(select(Procedure.code, Procedure.label)).all())
    top: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (partner, code), n in scan.procedures().items():
        top[partner].append((procedure_names.get(code, _("Démarche hors catalogue")) if code else _("Démarche hors catalogue"), n))
    lines = []
    for line in _lines(per_partner, total, labels=names):
        best = sorted(top.get(line.code, []), key=lambda item: (-item[1], item[0]))[:TOP_PROCEDURES]
        lines.append(Line(line.code, line.label, line.count, line.share, tuple(best)))
    return lines


def _stops(session: Session, counts: dict, total: int) -> list[Line]:
    """One line per stop, qualified by its bus (code: the bus's matricule, never an internal id)."""
    q = select(BusStop.id, BusStop.name, Structure.matricule, Structure.name).join(
        Structure, Structure.id == BusStop.structure_id)
    lines = [Line(matricule, name, counts[stop_id], _share(counts[stop_id], total), group=bus)
             for stop_id, name, matricule, bus in session.exec(q) if counts.get(stop_id)]
    return sorted(lines, key=lambda line: (-line.count, line.group, line.label))


def _follow_ups(session: Session, ids, scan: activity.MonthScan, as_of: date) -> FollowUps:
    # the month's cases from the scan; the backlog (every month of the scope) in one query.
    # activity.counted() keeps the shared rules (status, structures).
    due = [row[11] for row in scan.rows if row[10] in OPEN_STATUSES and row[11] is not None]
    # Open statuses are counted ones and the backlog has no date range, so the only rules left are
    # the status and the structures; the status test is written out so that SQLite can use the
    # partial index ix_accompaniment_open_follow_up (it cannot match a bound parameter against it).
    q = (select(func.count(), func.coalesce(func.sum(case((Accompaniment.follow_up_on < as_of, 1), else_=0)), 0))
         .select_from(Accompaniment)
         .where(text("accompaniment.status IN ('ouvert', 'en_attente_partenaire')"),
                Accompaniment.follow_up_on.is_not(None)))
    if ids is not None:
        q = q.where(Accompaniment.structure_id.in_(ids))
    backlog_open, backlog_overdue = session.exec(q).one()
    return FollowUps(as_of, len(due), sum(1 for d in due if d < as_of.isoformat()), backlog_open, backlog_overdue)


def _satisfaction(session: Session, ids, start, end, accompaniments: int) -> Satisfaction:
    result = surveys.indicators(session, start=start, end=end, structure_ids=ids, accompaniments=accompaniments)
    dims = []
    for code, d in (_get(result, "dimensions") or {}).items():
        dims.append(SatisfactionDimension(code, _get(d, "label") or _dimension_label(code),
                                          _get(d, "pct_satisfied"), _get(d, "pct_neutral"),
                                          _get(d, "pct_dissatisfied"), _get(d, "net_rate")))
    return Satisfaction(int(_get(result, "responses") or 0), _get(result, "response_rate"), tuple(dims))


def _get(obj, name):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _dimension_label(code: str) -> str:
    names = {"satisfaction_globale": _("Satisfaction globale"), "facilite_acces": _("Facilité d’accès"),
             "delais": _("Délais"), "simplicite": _("Simplicité de la démarche"),
             "qualite_accueil": _("Qualité de l’accueil")}
    return names.get(code, code.replace("_", " ").capitalize())


def _moments(session: Session, scan: activity.MonthScan, total) -> list[Line]:
    """Accompaniments per moment de vie (once per moment, like partners). The month's counted
    cases are the scan's."""
    # moments are far fewer than accompaniments: read them all and keep the month's cases
    cases = {row[0] for row in scan.rows}
    titles: dict[str, str] = {}
    seen: set[tuple[str, int]] = set()
    for acc_id, moment, title in session.exec(select(CaseMoment.accompaniment_id, CaseMoment.moment_id, CaseMoment.title)):
        if acc_id in cases:
            seen.add((moment, acc_id))
            titles[moment] = max(titles.get(moment, title), title)
    counts: dict[str, int] = defaultdict(int)
    for moment, _acc in seen:
        counts[moment] += 1
    return _lines(dict(counts), total, labels=titles)


def _shift(month: date, n: int) -> date:
    """First day of the month `n` months from `month`'s."""
    return (Month.of(month) + n).first_day


def build_report(session: Session, actor: Actor, month: date | Month, *, matricules: list[str] | None = None,
                 structure_ids: list[int] | None = None, today: date | None = None,
                 progress: Progress | None = None) -> MonthlyReport:
    """All the figures of the monthly report. Raises PermissionDenied, ValidationError."""
    actor.require("monthly_report")
    step = progress or (lambda done, total, text="": None)
    today = today or date.today()
    month = Month.of(month).first_day
    structures, everything = resolve_structures(session, matricules, structure_ids)
    ids = None if everything else [s.id for s in structures]
    start, end = Month.of(month).bounds()

    step(0, 6, _("Lecture des accompagnements du mois"))
    scan = activity.scan_month(session, ids, start, end)  # every figure of the month comes from this one read
    total = scan.total
    current = PeriodFigures(month, total, scan.usagers())
    cube = cube_lines(session, scan, structures)
    partner_names = {p.code: p.short_label for p in session.exec(select(Partner))}

    step(1, 6, _("Répartitions"))
    day_counts = scan.count_by("day")
    by_day = [(start + timedelta(days=i), 0) for i in range((end - start).days)]
    by_day = [(d, day_counts.get(d.isoformat(), 0)) for d, _n in by_day]
    weekday = [0] * 7
    for d, n in by_day:
        weekday[d.weekday()] += n

    step(2, 6, _("Évolution sur douze mois"))
    first = _shift(month, -(TREND_MONTHS - 1))
    before = activity.totals_by_month(session, ids, first, start)
    trend = [PeriodFigures(m, *before.get(m, (0, 0))) for m in (_shift(first, i) for i in range(TREND_MONTHS - 1))]
    trend.append(current)

    step(3, 6, _("Relances et satisfaction"))
    before = activity.scan_month(session, ids, *(Month.of(month) - 1).bounds())  # for M-1, N-1
    last_year = activity.scan_month(session, ids, *(Month.of(month) - 12).bounds())
    report = MonthlyReport(
        month=month, structures=structures, all_structures=everything, generated_at=datetime.now(),
        author=actor.display_name, current=current, previous=trend[-2],
        last_year=PeriodFigures(_shift(month, -12), last_year.total, last_year.usagers()), trend=trend, cube=cube,
        by_partner=_partners(session, cube, scan, partner_names, total),
        by_response_type=_lines(scan.count_by("response_type"), total, "response_type"),
        by_canal=_lines(scan.count_by("canal"), total, "canal"),
        by_bus_stop=_stops(session, scan.count_by("bus_stop_id"), total),
        by_thematique=_lines(scan.count_by("thematique"), total, "thematique"),
        by_autonomy=_lines(scan.count_by("autonomy"), total, "autonomy"),
        by_finalisation=_lines(scan.count_by("finalisation"), total, "finalisation"),
        by_moment=_moments(session, scan, total),
        by_day=by_day, by_weekday=weekday,
        follow_ups=_follow_ups(session, ids, scan, today),
        satisfaction=_satisfaction(session, ids, start, end, total),
        sync=None)
    step(4, 6, _("État de la transmission nationale"))
    infos = sync_infos(session, structures, month, scan)
    report.sync = [infos[s.id] for s in structures]
    report.by_mandate = _lines(scan.count_by("mandate"), total, "mandate")
    report.profile = indicators.profile(session, scan, ids, start)
    report.compare = indicators.comparisons(scan, before, last_year)
    report.usager_profile = usager_profile.profile_tables(session, scan, before, last_year, month)
    # figures per agent are about the agents' work: for supervisors, never in the aggregates anyone may print
    report.by_agent = indicators.per_agent(session, scan) if actor.can("export_raw_report") else None
    report.per_structure = per_structure(session, structures, scan, (Month.of(month) - 1).bounds(),
                                         partner_names, infos)
    step(5, 6, _("Calculs terminés"))
    return report


def cube_totals(report: MonthlyReport) -> dict[tuple[str, str, str], int]:
    """Partner × type of answer × canal totals (bus stops summed), as sent to the national tool."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in report.cube:
        totals[(row.partner_code, row.response_type, row.canal)] += row.count
    return dict(totals)
