"""reportlab (5.x, open source) writes no structure tree, so the PDF is not tagged: a screen reader
gets its text in drawing order, and its charts as nothing. The accessible version is the XLSX:
every chart the PDF draws has its data in a sheet of the annex, checked here by spying on the
chart functions while the PDF is written. The PDF still says its title, author and language."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from app.core import surveys
from app.reports import charts, monthly, pdf, xlsx
from tests.reports.conftest import AS_OF, OCTOBER

# chart function → the sheet holding its data
CHART_SHEETS = {"partner_bars": "Partenaires", "trend_bars": "Évolution 12 mois",
                "weekday_bars": "Jours de la semaine", "satisfaction_bars": "Satisfaction"}


def _values(data) -> list[tuple]:
    """What a chart shows, as (label, number) pairs a sheet must hold."""
    if data and isinstance(data[0], int):  # the weekday counts, Monday first
        return list(zip(["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"], data))
    out = []
    for item in data:
        if hasattr(item, "accompaniments"):  # a month of the trend
            out += [(item.month, item.accompaniments), (item.month, item.usagers)]
        elif hasattr(item, "pct_satisfied"):
            out.append((item.label, pytest.approx(item.pct_satisfied)))
        else:
            out.append((item.label, item.count))
    return out


def test_every_chart_of_the_pdf_has_its_data_in_the_xlsx(store, october, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    with store.write() as s:
        for score in (5, 4, 2):
            surveys.record_response(s, october["agent"], surveys.SurveyInput(
                satisfaction_globale=score, answered_on=date(2026, 10, 20)), today=AS_OF)
    with store.read() as s:
        report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
    drawn = []
    for name in [n for n in dir(charts) if n.endswith("_bars")]:
        original = getattr(charts, name)
        monkeypatch.setattr(charts, name, lambda data, *a, _f=original, _n=name, **k: drawn.append((_n, data)) or _f(data, *a, **k))
    pdf.write_pdf(report, tmp_path / "r.pdf")
    assert {name for name, _data in drawn} == set(CHART_SHEETS)  # a new chart needs its sheet here
    book = load_workbook(xlsx.write_xlsx(report, tmp_path / "r.xlsx"))
    for name, data in drawn:
        if not data:
            continue  # « pas de données » is said in words on the page
        rows = [tuple(row) for row in book[CHART_SHEETS[name]].iter_rows(values_only=True)]
        cells = [(row[0], value) for row in rows for value in row[1:]]
        for label, number in _values(data):
            if hasattr(label, "year"):
                label = next(row[0] for row in rows if hasattr(row[0], "year") and row[0].date() == label)
            assert (label, number) in cells, (name, label, number)


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils (pdfinfo) not installed")
def test_the_pdf_is_untagged_but_says_its_title_author_and_language(store, october, tmp_path):
    with store.read() as s:
        report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
    path = pdf.write_pdf(report, tmp_path / "r.pdf")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    assert "Tagged:          no" in info  # when reportlab can tag, say so in docs/readme/reports.md
    assert "Title:           Rapport d'activité — octobre 2026" in info and "Author:          Paul Sup" in info
    assert b"/Lang (fr-FR)" in path.read_bytes()
