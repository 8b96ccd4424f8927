"""French wording of the report: plural forms (0 and 1 are singular), « 1er », net rates in
points, units in the CSV headers, bus stops named by their bus."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date

import pytest

from app import i18n
from app.i18n import format_long_date, ngettext
from app.reports import csv_export, monthly, pdf, xlsx
from app.reports.pdf_sections import net_points
from tests.reports.conftest import AS_OF, OCTOBER

NEEDS_POPPLER = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _plain(text: str) -> str:
    return re.sub(r"[\u202f\u00a0]", " ", text)


def _pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return " ".join(_plain(out).split())


@pytest.mark.parametrize("n,expected", [(0, "0 réponse"), (1, "1 réponse"), (2, "2 réponses"), (1000, "1000 réponses")])
def test_french_plural_forms_treat_zero_and_one_as_singular(n, expected):
    assert ngettext("{n} réponse", "{n} réponses", n).format(n=n) == expected


def test_english_plural_forms_follow_english_rules():
    i18n.install("en")
    try:
        forms = [ngettext("{n} réponse à l'enquête", "{n} réponses à l'enquête", n).format(n=n) for n in (0, 1, 2)]
    finally:
        i18n.install("fr")
    assert forms[1] != forms[2] and forms[0] == forms[2].replace("2", "0")


def test_the_first_of_the_month_is_premier_in_french_only():
    assert format_long_date(date(2026, 12, 1)) == "1er décembre 2026"
    assert format_long_date(date(2026, 12, 2)) == "2 décembre 2026"
    assert format_long_date(date(2026, 12, 1), "en") == "1 December 2026"


def test_the_handout_writes_1er_whatever_the_interface_language():
    from app.reports import handout

    i18n.install("en")
    try:
        assert handout._long(date(2026, 12, 1)) == "1er décembre 2026"
    finally:
        i18n.install("fr")


@pytest.mark.parametrize("ratio,expected", [(0.709, "+70,9 pts"), (-0.03, "−3,0 pts"), (0.015, "+1,5 pt"),
                                            (0.0, "0,0 pt"), (None, "—")])
def test_a_net_rate_is_written_in_points(ratio, expected):
    assert _plain(net_points(ratio)) == expected


def _with_answers(report, responses: int):
    dims = (monthly.SatisfactionDimension("satisfaction_globale", "Satisfaction globale", 0.8, 0.109, 0.091, 0.709),)
    return replace(report, satisfaction=monthly.Satisfaction(responses, responses / 5, dims if responses else ()))


@pytest.fixture
def report(store, october):
    with store.read() as s:
        return monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)


@NEEDS_POPPLER
@pytest.mark.parametrize("n,cover,section", [(0, "0 réponse à l'enquête", None),
                                             (1, "1 réponse à l'enquête", "1 réponse ; taux de réponse : 20,0 %"),
                                             (2, "2 réponses à l'enquête", "2 réponses ; taux de réponse : 40,0 %")])
def test_pdf_counts_answers_with_the_right_plural(report, tmp_path, n, cover, section):
    text = _pdf_text(pdf.write_pdf(_with_answers(report, n), tmp_path / "r.pdf"))
    assert cover in text
    if section:
        assert section in text and "+70,9 pts" in text
    assert "0 réponses" not in text and "1 réponses" not in text


@NEEDS_POPPLER
def test_pdf_cover_captions_agree_with_their_numbers(report, tmp_path):
    one = replace(report, current=monthly.PeriodFigures(OCTOBER, 1, 1),
                  follow_ups=monthly.FollowUps(AS_OF, 1, 1, 1, 1))
    text = _pdf_text(pdf.write_pdf(one, tmp_path / "one.pdf"))
    assert "accompagnement usager accompagné" in text
    assert "relance en retard" in text and "sur 1 relance encore ouverte ce mois-ci" in text


def _csv_rows(report, tmp_path):
    (tables,) = csv_export.write_csv(report, tmp_path / "r")
    with tables.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def test_csv_headers_name_the_unit_of_bare_numbers(report, tmp_path):
    rows = _csv_rows(_with_answers(report, 2), tmp_path)
    partners = next(r for r in rows if r[0] == "Partenaires")
    assert partners[4] == "Part des accompagnements (%)"
    satisfaction = [r for r in rows if r[0] == "Satisfaction"]
    assert satisfaction[0][2:6] == ["Satisfaits (%)", "Neutres (%)", "Insatisfaits (%)", "Taux net (points)"]
    assert satisfaction[1][2:6] == ["80,0", "10,9", "9,1", "70,9"]
    summary = {r[1]: r[2] for r in rows if r[0] == "Synthèse"}
    assert summary["Taux de réponse (%)"] == "40,0" and summary["Accompagnements"] == "5"


def test_bus_stops_are_named_by_their_bus_not_an_internal_id(report, october, tmp_path):
    rows = _csv_rows(report, tmp_path)
    stops = [r for r in rows if r[0] == "Arrêts du bus"]
    assert stops[0][1:6] == ["Bus", "Matricule du bus", "Arrêt", "Accompagnements", "Part des accompagnements (%)"]
    assert sorted(r[1:4] for r in stops[1:]) == [["Bus France services du Val", "100002", "Marché couvert"],
                                                 ["Bus France services du Val", "100002", "Place de l'église"]]
    ids = {str(s.id) for s in october["stops"]}
    assert not any(cell in ids for r in stops[1:] for cell in r[1:4])


def test_xlsx_net_rate_is_a_number_of_points(report, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(xlsx.write_xlsx(_with_answers(report, 2), tmp_path / "a.xlsx"))
    cell = wb["Satisfaction"]["E2"]
    assert cell.value == pytest.approx(70.9) and '" pts"' in cell.number_format
    assert wb["Satisfaction"]["B2"].number_format == "0.0 %"

