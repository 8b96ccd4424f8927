"""The XLSX reopens with typed cells; the CSV is Excel-friendly and formula-safe."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest

from app.reports import csv_export, monthly, xlsx
from app.reports.raw import RAW_COLUMNS, raw_rows
from tests.reports.conftest import AS_OF, OCTOBER


@pytest.fixture
def built(store, october):
    with store.read() as s:
        report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
        raw = list(raw_rows(s, october["supervisor"], report))
    return report, raw


def test_xlsx_has_one_sheet_per_table_with_real_types(built, tmp_path):
    from openpyxl import load_workbook

    report, raw = built
    path = xlsx.write_xlsx(report, tmp_path / "annexe.xlsx", raw=raw)
    wb = load_workbook(path)
    assert {"Synthèse", "Partenaires", "Types de réponse", "Canaux", "Jours", "Évolution 12 mois", "Détail"} <= set(wb.sheetnames)
    summary = {row[0]: row[1] for row in wb["Synthèse"].iter_rows(min_row=2, values_only=True)}
    assert summary["Accompagnements"] == 5 and summary["Usagers"] == 4
    assert summary["Mois"] == datetime(2026, 10, 1)  # a real date, shown "octobre 2026"
    partners = list(wb["Partenaires"].iter_rows(min_row=2, values_only=True))
    assert partners[0][:4] == ("CAF", "CAF", 3, pytest.approx(0.6))
    assert wb["Partenaires"]["D2"].number_format == "0.0 %"
    assert wb["Partenaires"].freeze_panes == "A2"
    assert wb["Partenaires"]["A1"].value == "Partenaire" and wb["Partenaires"]["A1"].font.b
    detail = wb["Détail"]
    assert [c.value for c in detail[1]] == list(RAW_COLUMNS)
    first = [c.value for c in detail[2]]
    assert first[1] == datetime(2026, 10, 5, 10, 0) and isinstance(first[15], int)
    assert detail.max_row == 6
    days = list(wb["Jours"].iter_rows(min_row=2, values_only=True))
    assert len(days) == 31 and days[4] == (datetime(2026, 10, 5), "lundi", 2)
    assert wb.properties.title == "Rapport d'activité — octobre 2026"
    text = repr([[c.value for c in row] for row in detail.iter_rows()])
    assert "Alice" not in text and "Zorglub" not in text


def test_xlsx_without_raw_rows_has_no_detail_sheet(built, tmp_path):
    from openpyxl import load_workbook

    report, _raw = built
    assert "Détail" not in load_workbook(xlsx.write_xlsx(report, tmp_path / "a.xlsx")).sheetnames


def test_csv_uses_semicolons_bom_and_escapes_formulas(built, tmp_path):
    report, raw = built
    tables, detail = csv_export.write_csv(report, tmp_path / "rapport-2026-10", raw=raw)
    data = tables.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data.splitlines()[0]
    with tables.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert ["Partenaires", "CAF", "CAF", "3", "60,0"] == rows[[r[:2] for r in rows].index(["Partenaires", "CAF"])][:5]
    with detail.open(encoding="utf-8-sig", newline="") as handle:
        detail_rows = list(csv.reader(handle, delimiter=";"))
    assert len(detail_rows) == 6 and detail_rows[1][1] == "2026-10-05 10:00"
