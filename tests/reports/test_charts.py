"""Charts that read without colour: bars of at least 3:1 against the page, every bar numbered,
every partner shown (or counted in an explicit « Autres » bar)."""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("reportlab")

from reportlab.graphics.charts.barcharts import BarChart  # noqa: E402
from reportlab.lib import colors  # noqa: E402

from app.reports import charts, monthly  # noqa: E402


def _chart(drawing) -> BarChart:
    return next(item for item in drawing.contents if isinstance(item, BarChart))


def _series_colours(chart) -> list:
    return [chart.bars[i].fillColor for i in range(len(chart.data))]


def _trend(n: int = 12):
    return [monthly.PeriodFigures(date(2026 - (i < 2), (i + 10) % 12 + 1, 1), 100 + i, 80 + i) for i in range(n)]


def _lines(n: int):
    return [monthly.Line(f"P{i}", f"Partenaire {i}", 100 - i, (100 - i) / 1000) for i in range(n)]


def test_contrast_ratio_matches_wcag_examples():
    assert charts.contrast(colors.black) == pytest.approx(21)
    assert charts.contrast(colors.white) == pytest.approx(1)
    assert charts.contrast(colors.HexColor("#E3E3FD")) == pytest.approx(1.26, abs=0.01)  # the old usager bars


def test_every_bar_colour_stands_out_from_the_page():
    dims = [monthly.SatisfactionDimension("satisfaction_globale", "Satisfaction globale", 0.6, 0.3, 0.1, 0.5)]
    drawings = [charts.trend_bars(_trend(), 480), charts.weekday_bars([1, 2, 3, 4, 5, 6, 0], 480),
                charts.partner_bars(_lines(5), 480), charts.satisfaction_bars(dims, 480)]
    for drawing in drawings:
        for colour in _series_colours(_chart(drawing)):
            assert charts.contrast(colour) >= 3, colour
    trend = _chart(drawings[0])
    # the two series of the trend must also be told apart from each other
    assert charts.contrast(trend.bars[0].fillColor, trend.bars[1].fillColor) >= 3


def test_both_trend_series_carry_their_numbers():
    chart = _chart(charts.trend_bars(_trend(), 480))
    accompaniments, usagers = chart.barLabelArray
    assert accompaniments[-1] == "111" and usagers[-1] == "91"
    assert all(accompaniments) and all(usagers)


def test_twelve_partners_or_fewer_are_all_drawn():
    chart = _chart(charts.partner_bars(_lines(12), 480))
    assert len(chart.data[0]) == 12 and not any(name.startswith("Autres") for name in chart.categoryAxis.categoryNames)


def test_more_partners_than_rows_end_in_an_explicit_others_bar():
    lines = _lines(14)
    shown = charts.with_others(lines, 12)
    assert [line.label for line in shown[:11]] == [line.label for line in lines[:11]]
    assert shown[-1].label == "Autres (3 partenaires)" and shown[-1].count == sum(line.count for line in lines[11:])
    chart = _chart(charts.partner_bars(lines, 480))
    assert chart.categoryAxis.categoryNames[0] == "Autres (3 partenaires)"  # drawn bottom-up: the last bar
    assert sum(chart.data[0]) == sum(line.count for line in lines)
    assert charts.with_others(lines[:13], 12)[-1].label == "Autres (2 partenaires)"
