"""The monthly report's « Délais de réponse des partenaires » page and its XLSX sheet (issue 20).

Per partner, for the escalations **sent** in the month: count, median and 90th-percentile days to
answer, « sans réponse » rate, still waiting; the same median for M-1 and N-1. Definitions are
those of app/core/escalation_stats.py. Aggregates only: no référent names (the supervisor's screen
has the per-référent view). Delays are read as of the report's day, so a recent month still has
escalations waiting: the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app.core import escalation_stats
from app.i18n import _, format_month, format_number, format_percent
from app.models.month import Month


@dataclass(frozen=True)
class PartnerDelayLine:
    code: str
    label: str
    sent: int
    answered: int
    median: float | None
    p90: int | None
    no_answer_rate: float | None
    open: int
    median_m1: float | None
    median_n1: float | None


def partner_delays(session: Session, ids: list[int] | None, month: date, today: date) -> list[PartnerDelayLine]:
    """Lines for the month, busiest partner first, plus an « Ensemble » line (code "")."""
    m = Month.of(month)
    now = escalation_stats.compute(session, ids, *m.bounds(), today=today)
    m1 = escalation_stats.compute(session, ids, *(m - 1).bounds(), today=today)
    n1 = escalation_stats.compute(session, ids, *(m - 12).bounds(), today=today)
    before = {g.key: g.median for g in m1.by_partner}
    last_year = {g.key: g.median for g in n1.by_partner}
    lines = [PartnerDelayLine(g.key, g.label, g.sent, g.answered, g.median, g.p90, g.no_answer_rate, g.open,
                              before.get(g.key), last_year.get(g.key)) for g in now.by_partner]
    if lines:
        t = now.total
        lines.append(PartnerDelayLine("", _("Ensemble"), t.sent, t.answered, t.median, t.p90, t.no_answer_rate,
                                      t.open, m1.total.median, n1.total.median))
    return lines


def _days(value) -> str:
    return "—" if value is None else format_number(value, 1 if value != int(value) else 0)


HEADERS = ("Partenaire", "Envois", "Médiane (j)", "90e centile (j)", "Sans réponse", "En attente",
           "Médiane M-1", "Médiane N-1")


def sheet_parts(report) -> tuple:
    """(name, headers, kinds, rows, widths) of the XLSX sheet: app/reports/tables.py makes the Sheet
    (this module must not import it: tables imports this one)."""
    return (_("Délais partenaires"), [_(h) for h in HEADERS] + [_("Code")],
                 ["text", "int", "decimal", "int", "ratio", "int", "decimal", "decimal", "text"],
                 [(x.label, x.sent, x.median, x.p90, x.no_answer_rate, x.open, x.median_m1, x.median_n1, x.code)
                  for x in report.partner_delays], [24, 12, 12, 14, 12, 11, 12, 12, 10])


def chart(lines, width: float):
    """Median and 90th percentile per partner, horizontal bars, each bar labelled with its days."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing

    from app.reports import charts

    lines = [x for x in lines if x.code and x.median is not None][:10]
    if not lines:
        return charts._empty(width, 50, _("Aucune réponse de partenaire enregistrée ce mois-ci"))
    row = 26
    d = Drawing(width, row * len(lines) + 40)
    c = HorizontalBarChart()
    c.x, c.y, c.width, c.height = 110, 14, width - 150, row * len(lines)
    ordered = list(reversed(lines))
    c.data = [[x.median for x in ordered], [x.p90 for x in ordered]]
    c.categoryAxis.categoryNames = [charts._short(x.label, 24) for x in ordered]
    c.categoryAxis.visibleTicks = False
    c.valueAxis.valueMin = 0
    c.valueAxis.valueMax = charts._nice_max(max(x.p90 for x in lines))
    c.valueAxis.visibleGrid = True
    c.valueAxis.gridStrokeColor = charts.GRID
    c.valueAxis.labelTextFormat = lambda v: format_number(int(v))
    charts._axis_style(c.categoryAxis, 8)
    charts._axis_style(c.valueAxis)
    c.bars[0].fillColor, c.bars[1].fillColor = charts.BLUE, charts.BLUE_MID
    c.bars[0].strokeColor = c.bars[1].strokeColor = None
    c.barWidth = 9
    c.barLabelFormat = _days
    c.barLabels.fontName = charts.FONT
    c.barLabels.fontSize = 7
    c.barLabels.boxAnchor = "w"
    c.barLabels.dx = 3
    d.add(c)
    legend = Legend()
    legend.x, legend.y = width - 180, row * len(lines) + 34
    legend.fontName, legend.fontSize = charts.FONT, 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [(charts.BLUE, _("Médiane (jours)")), (charts.BLUE_MID, _("90e centile (jours)"))]
    d.add(legend)
    return d


def pdf_section(b) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from app.reports.pdf_text import esc

    r = b.r
    out = [b.h1(_("Délais de réponse des partenaires"))]
    if not r.partner_delays:
        return out + [b.p(esc(_("Aucune transmission à un partenaire ce mois-ci.")), "small")]
    rows = [[esc(x.label), x.sent, _days(x.median), _days(x.p90),
             "—" if x.no_answer_rate is None else format_percent(x.no_answer_rate), x.open,
             _days(x.median_m1), _days(x.median_n1)] for x in r.partner_delays[:-1]]
    t = r.partner_delays[-1]
    total = [esc(t.label), t.sent, _days(t.median), _days(t.p90),
             "—" if t.no_answer_rate is None else format_percent(t.no_answer_rate), t.open,
             _days(t.median_m1), _days(t.median_n1)]
    w = b.width
    return out + [
        b.p(esc(_("Transmissions « Transmettre au partenaire » envoyées en {month}, réponses connues au {day}. "
                  "Délai = jours entre l'envoi et la réponse ; médiane : valeur du milieu ; 90e centile : rang "
                  "⌈0,9 × n⌉ des délais triés. Les « sans réponse » et les transmissions en attente n'ont pas de "
                  "délai : elles sont comptées à part.").format(month=format_month(r.month),
                                                                day=r.generated_at.strftime("%d/%m/%Y"))), "small"),
        Spacer(1, 2 * mm), chart(r.partner_delays, w), Spacer(1, 2 * mm),
        b.table([_(h) for h in HEADERS], rows,
                [w - 132 * mm, 18 * mm, 18 * mm, 20 * mm, 19 * mm, 17 * mm, 20 * mm, 20 * mm], total=total),
        b.p(esc(_("M-1 : {m1} ; N-1 : {n1} (médiane des transmissions envoyées ces mois-là).").format(
            m1=format_month(r.previous.month), n1=format_month(r.last_year.month))), "small")]
