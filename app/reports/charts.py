"""Charts of the monthly report, drawn as vector graphics with reportlab.graphics (imported by
app.reports.pdf only, so reportlab loads only when a PDF is made). Colours follow the State's
design system (bleu France). Every bar colour has a contrast of at least 3:1 against the white
page (WCAG 1.4.11, checked by tests/reports/test_charts.py), and every bar carries its number:
the chart must read in grey print and to someone who cannot tell the colours apart. reportlab
cannot tag a PDF for screen readers; the XLSX annex holds every figure as an accessible table."""

from __future__ import annotations

from dataclasses import replace

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

from app.i18n import _, format_date, format_number, format_percent, ngettext

BLUE = colors.HexColor("#000091")  # bleu France
BLUE_MID = colors.HexColor("#6A6AF4")  # 4.2:1 on white, 3.6:1 against bleu France
BLUE_PALE = colors.HexColor("#E3E3FD")  # backgrounds only (table headers, the report's month): never a bar
GREEN = colors.HexColor("#18753C")
GREY = colors.HexColor("#767676")  # 4.5:1 on white
GREY_TEXT = colors.HexColor("#3A3A3A")
RED = colors.HexColor("#CE0500")
GRID = colors.HexColor("#DDDDDD")
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"


def _nice_max(value: int) -> int:
    """Axis top: a round number above the largest bar, leaving room for its label."""
    value = max(value, 1) * 1.15
    for power in range(0, 10):
        for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            top = step * 10 ** power
            if top >= value:
                return int(top) if top >= 1 else 1
    return int(value)


def _axis_style(axis, size=7):
    axis.labels.fontName = FONT
    axis.labels.fontSize = size
    axis.labels.fillColor = GREY_TEXT
    axis.strokeColor = GRID


def _empty(width: float, height: float, text: str) -> Drawing:
    d = Drawing(width, height)
    d.add(Rect(0, 0, width, height, fillColor=colors.HexColor("#F6F6F6"), strokeColor=None))
    d.add(String(width / 2, height / 2 - 4, text, fontName=FONT, fontSize=9, fillColor=GREY_TEXT, textAnchor="middle"))
    return d


def with_others(lines, max_rows: int):
    """At most `max_rows` bars: the largest partners, then one explicit « Autres » bar for the rest."""
    if len(lines) <= max_rows:
        return list(lines)
    rest = lines[max_rows - 1:]
    others = replace(rest[0], code="", label=ngettext("Autres ({n} partenaire)", "Autres ({n} partenaires)", len(rest))
                     .format(n=len(rest)), count=sum(line.count for line in rest), share=None, details=())
    return list(lines[:max_rows - 1]) + [others]


def partner_bars(lines, width: float, max_rows: int = 12) -> Drawing:
    """Horizontal bars, largest partner at the top; never a partner silently left out."""
    lines = with_others(lines, max_rows)
    if not lines:
        return _empty(width, 60, _("Aucun accompagnement ce mois-ci"))
    row = 17
    height = row * len(lines) + 24
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 110, 14
    chart.width, chart.height = width - 150, row * len(lines)
    # HorizontalBarChart draws the first category at the bottom: reverse for a top-down ranking.
    ordered = list(reversed(lines))
    chart.data = [[line.count for line in ordered]]
    chart.categoryAxis.categoryNames = [_short(line.label, 24) for line in ordered]
    chart.categoryAxis.visibleTicks = False
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _nice_max(max(line.count for line in lines))
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.labelTextFormat = lambda v: format_number(int(v))
    _axis_style(chart.categoryAxis, 8)
    _axis_style(chart.valueAxis)
    chart.bars[0].fillColor = BLUE
    chart.bars[0].strokeColor = None
    chart.barWidth = 10
    chart.barLabelFormat = lambda v: format_number(int(v))
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d


def trend_bars(trend, width: float, height: float = 165) -> Drawing:
    """Accompaniments and usagers over twelve months, each bar with its number (set upright, so
    two numbers per month never overlap); the report's month stands on a pale band."""
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 34, 34
    chart.width, chart.height = width - 44, height - 58
    slot = chart.width / max(len(trend), 1)
    d.add(Rect(chart.x + slot * (len(trend) - 1), chart.y, slot, chart.height, fillColor=BLUE_PALE, strokeColor=None))
    chart.data = [[p.accompaniments for p in trend], [p.usagers for p in trend]]
    chart.categoryAxis.categoryNames = [format_date(p.month, "MMM yy") for p in trend]
    chart.categoryAxis.visibleTicks = False
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _nice_max(max([p.accompaniments for p in trend] + [1]) * 1.25)  # room for upright labels
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.labelTextFormat = lambda v: format_number(int(v))
    _axis_style(chart.categoryAxis)
    _axis_style(chart.valueAxis)
    chart.bars[0].fillColor = BLUE
    chart.bars[1].fillColor = BLUE_MID
    chart.bars.strokeColor = None
    chart.groupSpacing = 4
    chart.barSpacing = 1
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6
    chart.barLabels.angle = 90
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dy = 3
    chart.barLabels.fillColor = GREY_TEXT
    chart.barLabelArray = [[format_number(p.accompaniments) for p in trend], [format_number(p.usagers) for p in trend]]
    chart.barLabelFormat = "values"
    d.add(chart)
    d.add(_legend(width - 10, height - 6, [(BLUE, _("Accompagnements")), (BLUE_MID, _("Usagers"))]))
    return d


def weekday_bars(weekday: list[int], width: float, height: float = 120) -> Drawing:
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 34, 20
    chart.width, chart.height = width - 44, height - 32
    chart.data = [weekday]
    chart.categoryAxis.categoryNames = [_("lun."), _("mar."), _("mer."), _("jeu."), _("ven."), _("sam."), _("dim.")]
    chart.categoryAxis.visibleTicks = False
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _nice_max(max(weekday + [1]))
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.labelTextFormat = lambda v: format_number(int(v))
    _axis_style(chart.categoryAxis, 8)
    _axis_style(chart.valueAxis)
    chart.bars[0].fillColor = BLUE
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = lambda v: format_number(int(v))
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    d.add(chart)
    return d


def satisfaction_bars(dimensions, width: float) -> Drawing:
    """One stacked bar per dimension: satisfied, neutral, dissatisfied (each 0–100 %)."""
    dims = [d for d in dimensions if d.pct_satisfied is not None]
    if not dims:
        return _empty(width, 60, _("Pas de données de satisfaction"))
    row = 20
    height = row * len(dims) + 40
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 130, 26
    chart.width, chart.height = width - 140, row * len(dims)
    ordered = list(reversed(dims))
    chart.data = [[100 * (x.pct_satisfied or 0) for x in ordered],
                  [100 * (x.pct_neutral or 0) for x in ordered],
                  [100 * (x.pct_dissatisfied or 0) for x in ordered]]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [_short(x.label, 26) for x in ordered]
    chart.categoryAxis.visibleTicks = False
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
    chart.valueAxis.labelTextFormat = lambda v: format_percent(v / 100, 0)
    _axis_style(chart.categoryAxis, 8)
    _axis_style(chart.valueAxis)
    for i, colour in enumerate((GREEN, GREY, RED)):
        chart.bars[i].fillColor = colour
        chart.bars[i].strokeColor = colors.white
    chart.barWidth = 12
    chart.barLabelFormat = lambda v: format_percent(v / 100, 0) if v >= 8 else ""
    chart.barLabels.fontName = FONT_BOLD
    chart.barLabels.fontSize = 6.5
    chart.barLabels.fillColor = colors.white
    chart.barLabels.boxAnchor = "e"  # inside the right end of each segment
    chart.barLabels.dx = -3
    d.add(chart)
    d.add(_legend(width - 10, height - 4, [(GREEN, _("Satisfaits")), (GREY, _("Neutres")), (RED, _("Insatisfaits"))]))
    return d


def contrast(colour, background=colors.white) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    def luminance(c):
        channels = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in (c.red, c.green, c.blue)]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _legend(right: float, top: float, items) -> Legend:
    legend = Legend()
    legend.alignment = "right"
    legend.x, legend.y = right - 95 * len(items), top
    legend.columnMaximum = 1
    legend.deltax = 95
    legend.dx = legend.dy = 7
    legend.fontName = FONT
    legend.fontSize = 7
    legend.strokeColor = None
    legend.colorNamePairs = items
    return legend


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
