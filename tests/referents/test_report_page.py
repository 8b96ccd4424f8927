"""The monthly report's « Délais de réponse des partenaires » page (chart + table, M-1/N-1) and its
XLSX sheet, against a hand-computed month."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from app.core.escalations import EscalationInput, escalate, record_answer
from app.reports import monthly, pdf, xlsx
from tests.referents.helpers import open_case
from tests.ui.shots import SHOTS_DIR

# sent on, partner, days to answer (None: open, "sans": sans réponse)
SENT = [(date(2025, 10, 6), "CAF", 8), (date(2025, 10, 7), "CAF", 12),                       # N-1: CAF median 10
        (date(2026, 9, 7), "CAF", 4), (date(2026, 9, 8), "CPAM", 20),                         # M-1
        (date(2026, 10, 1), "CAF", 2), (date(2026, 10, 2), "CAF", 6), (date(2026, 10, 5), "CAF", 6),
        (date(2026, 10, 5), "CPAM", 9), (date(2026, 10, 7), "CPAM", "sans"), (date(2026, 10, 8), "CPAM", None)]


@pytest.fixture
def report(store, site, frozen_clock):
    agent = site["agent"]
    case = open_case(store, agent, datetime(2025, 10, 6, 9, 0))
    for sent, partner, after in SENT:
        with store.write() as s:
            e = escalate(s, agent, EscalationInput(case, partner, "email", "dossier_bloque", sent_on=sent,
                                                   expected_by=sent + timedelta(days=15)))
            if after == "sans":
                record_answer(s, agent, e.id, "sans_reponse", sent + timedelta(days=6))
            elif after is not None:
                record_answer(s, agent, e.id, "resolu", sent + timedelta(days=after))
    with store.read() as s:
        return monthly.build_report(s, site["supervisor"], date(2026, 10, 1), today=date(2026, 10, 14))


def test_partner_delays_of_the_month_with_m1_and_n1(report):
    by = {x.code: x for x in report.partner_delays}
    caf, cpam, total = by["CAF"], by["CPAM"], by[""]
    assert (caf.sent, caf.median, caf.p90, caf.no_answer_rate, caf.median_m1, caf.median_n1) == (3, 6.0, 6, 0.0,
                                                                                               4.0, 10.0)
    assert (cpam.sent, cpam.median, cpam.p90, cpam.open, cpam.median_m1, cpam.median_n1) == (3, 9.0, 9, 1, 20.0, None)
    assert cpam.no_answer_rate == pytest.approx(0.5)
    assert (total.sent, total.median, total.p90, total.label) == (6, 6.0, 9, "Ensemble")  # 2 6 6 9


def test_xlsx_sheet(report, tmp_path):
    ws = load_workbook(xlsx.write_xlsx(report, tmp_path / "annexe.xlsx"))["Délais partenaires"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][:3] == ["Partenaire", "Envois", "Médiane (j)"]
    caf = next(r for r in rows if r[0] == "CAF")
    assert caf[:8] == ["CAF", 3, 6, 6, 0, 0, 4, 10] and rows[-1][0] == "Ensemble" and rows[-1][1] == 6


@pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None, reason="poppler-utils")
def test_pdf_page_has_the_chart_and_table(report, tmp_path):
    path = pdf.write_pdf(report, tmp_path / "rapport.pdf")
    text = re.sub(r"[\u202f\u00a0]", " ", subprocess.run(["pdftotext", "-layout", str(path), "-"],
                                                         capture_output=True, check=True).stdout.decode())
    page = text[text.index("Délais de réponse des partenaires"):]
    pages = text[:text.index("Délais de réponse des partenaires")].count("\f") + 1
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(pages), "-l", str(pages), "-singlefile", str(path),
                    str(SHOTS_DIR / "report-partner-delays")], check=True)
    assert "M-1" in page and "septembre 2026" in page and "octobre 2025" in page
    assert re.search(r"CAF\s+3\s+6\s+6\s+0,0 %\s+0\s+4\s+10", page), page[:1500]
