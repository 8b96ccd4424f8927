"""The PDF carries the key figures as text, French formats, metadata and an outline."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

from app.reports import monthly, pdf
from tests.reports.conftest import AS_OF, OCTOBER

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")


def _text(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return re.sub(r"[\u202f\u00a0]", " ", out)  # babel's narrow no-break spaces


@pytest.fixture
def report_pdf(store, october, tmp_path):
    with store.read() as s:
        report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
    return report, pdf.write_pdf(report, tmp_path / "rapport.pdf")


def test_pdf_text_contains_the_key_figures(report_pdf):
    report, path = report_pdf
    text = _text(path)
    assert "Octobre 2026" in text and "Toutes les structures (2)" in text
    assert "100001" in text and "100002" in text
    cover = [" ".join(line.split()) for line in text.split("\f")[0].splitlines()]
    # the tiles, read across in layout mode: values on one line, their captions on the next
    values = cover.index("5 4 1")
    assert cover[values + 1] == "accompagnements usagers accompagnés accompagnement en octobre"  # 1: singular
    flat = " ".join(cover)
    assert "+150,0 % par rapport à septembre" in flat  # 5 vs 2 accompaniments
    assert "+100,0 % par rapport à septembre" in flat  # 4 vs 2 usagers
    assert "évolution sur un an : +400,0 %" in flat  # 5 vs 1 in October 2025
    assert "3 accompagnements (60,0 %)" in flat and "sur 2 relances encore ouvertes" in flat
    assert "60,0 %" in text  # CAF: 3 of 5
    assert "Prime d'activité – demande (2)" in text
    assert "du 1er octobre 2026 au 31 octobre 2026" in " ".join(text.split())
    assert "Définitions" in text and "Taux de réponse" in text
    pages = text.count("\f")
    assert f"Page 1 sur {pages}" in text and f"Page {pages} sur {pages}" in text


def test_large_numbers_use_french_grouping(store, october, tmp_path):
    with store.read() as s:
        report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
    report.current = monthly.PeriodFigures(OCTOBER, 12345, 1234)  # formatting only
    text = _text(pdf.write_pdf(report, tmp_path / "big.pdf"))
    assert "12 345" in text and "1 234" in text


def test_pdf_metadata_language_and_outline(report_pdf):
    _report, path = report_pdf
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    assert "Title:           Rapport d'activité — octobre 2026" in info
    assert "Author:          Paul Sup" in info
    assert "Subject:         Activité France services" in info
    raw = path.read_bytes()
    assert b"/Lang (fr-FR)" in raw
    assert b"/Outlines" in raw and raw.count(b"/Dest") >= 8  # one bookmark per section


def test_evolution_formatting():
    assert pdf.evolution(5, 2).replace("\u202f", " ").replace("\xa0", " ") == "+150,0 %"
    assert pdf.evolution(1, 4).replace("\u202f", " ").replace("\xa0", " ") == "−75,0 %"
    assert pdf.evolution(3, 3) == "=" and pdf.evolution(3, 0) == "—"


def test_an_empty_month_still_renders(store, october, tmp_path):
    with store.read() as s:
        report = monthly.build_report(s, october["agent"], date(2026, 6, 1), today=AS_OF)
    text = _text(pdf.write_pdf(report, tmp_path / "vide.pdf"))
    assert "Aucun accompagnement ce mois-ci" in text and "Juin 2026" in text


def test_the_report_speaks_english_when_the_app_does(store, october, tmp_path):
    from app import i18n

    i18n.install("en")
    try:
        with store.read() as s:
            report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
        path = pdf.write_pdf(report, tmp_path / "en.pdf")
    finally:
        i18n.install("fr")
    text = _text(path)
    assert "October 2026" in text and "Summary" in text and "Definitions" in text
    assert b"/Lang (en-GB)" in path.read_bytes()
