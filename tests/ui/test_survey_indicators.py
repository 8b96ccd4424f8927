"""Indicators view: figures from the core service, « pas de réponse » when empty, a painted chart."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate

from app.ui.survey_indicators import PARTS, IndicatorsView
from tests.surveys.factories import answer, visit
from tests.ui.test_survey_access import contrast
from tests.desks import desk_for


def test_empty_period_says_pas_de_reponse(qtbot, store, actor):
    view = IndicatorsView(desk_for(store, actor), today=date(2026, 10, 20))
    qtbot.addWidget(view)
    assert "pas de réponse" in view.summary.text()
    assert view.dims.item(0, 2).text() == "pas de réponse"
    assert "pas de réponse" in view.chart.accessibleDescription()
    view.resize(900, 700)
    view.show()
    view.grab()  # painting an empty chart must not divide by zero


def test_figures_follow_the_filters(qtbot, store, site, actor):
    for _ in range(4):
        visit(store, actor)
    visit(store, actor, canal="telephone", partners=("CPAM",))
    answer(store, actor, globale=5, aboutie=True)
    answer(store, actor, globale=4)
    answer(store, actor, globale=1, canal="telephone", partner="CPAM")
    view = IndicatorsView(desk_for(store, actor), today=date(2026, 10, 20))
    qtbot.addWidget(view)
    assert view.result.responses == 3 and view.result.accompaniments == 5
    assert view.dims.item(0, 1).text() == "3"
    assert view.dims.item(0, 2).text().replace("\u202f", " ").replace("\xa0", " ") == "67 %"
    assert view.dims.item(0, 5).text() == "+33"
    assert view.dims.item(1, 2).text() == "pas de réponse"
    view.canal.setCurrentIndex(view.canal.findData("telephone"))
    assert (view.result.responses, view.result.accompaniments) == (1, 1)
    assert view.dims.item(0, 5).text() == "−100"
    view.canal.setCurrentIndex(0)
    view.partner.setCurrentIndex(view.partner.findData("CAF"))
    assert (view.result.responses, view.result.accompaniments) == (2, 4)
    partners = [view.by_partner.item(r, 0).text() for r in range(view.by_partner.rowCount())]
    assert "CAF" in partners[0] or partners[0]  # named rows, one per partner
    assert view.by_canal.rowCount() == 2
    # the end date is shown inclusive, computed exclusive
    view.start.setDate(QDate(2026, 10, 15))
    view.end.setDate(QDate(2026, 10, 13))
    assert view.summary.text().startswith("⚠")
    assert view.period() == (date(2026, 10, 15), date(2026, 10, 13) + timedelta(days=1))


def test_chart_labels_are_readable():
    for _key, _name, fill, ink in PARTS:
        assert contrast(fill, ink) >= 4.5
