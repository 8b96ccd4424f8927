"""No text written to the XLSX or the CSV can become a formula: one neutraliser for both."""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from itertools import cycle

import pytest
from hypothesis import given, settings, strategies as st
from sqlmodel import select

from app.reports import csv_export, monthly, xlsx
from app.reports.raw import raw_rows
from app.core.cells import DANGEROUS, neutralise, restore
from app.models.tables import BusStop, Structure
from tests.reports.conftest import AS_OF, OCTOBER

ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
# texts that look like attacks, so every example exercises the rule, not just random letters
ATTACKS = st.builds(lambda lead, pad, body: pad + lead + body,
                    st.sampled_from(sorted(DANGEROUS) + ["'"]), st.sampled_from(["", " ", "  "]), ANY_TEXT)
TEXTS = st.one_of(ATTACKS, ANY_TEXT)
NUMBER = re.compile(r"-?\d+(,\d+)?")


def _safe(cell: str) -> bool:
    return not cell or (cell[0] not in DANGEROUS and cell.lstrip()[:1] not in DANGEROUS)


@pytest.mark.parametrize("text,expected", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"), ("+33 6", "'+33 6"), ("-2", "'-2"),
    ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("\0x", "'\0x"), ("  =1+1", "'  =1+1"),
    ("＝1+1", "'＝1+1"), ("＋1", "'＋1"), ("－1", "'－1"), ("＠x", "'＠x"),
    ("CAF", "CAF"), ("", ""), ("'=x", "''=x"), ("l'église", "l'église"), ("Arrêt 2 – Mairie", "Arrêt 2 – Mairie")])
def test_neutralise_marks_exactly_the_dangerous_starts(text, expected):
    assert neutralise(text) == expected
    assert restore(neutralise(text)) == text


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_neutralised_text_never_starts_a_formula_and_restores_exactly(text):
    out = neutralise(text)
    assert _safe(out)
    assert restore(out) == text


def _poison(report: monthly.MonthlyReport, raw: list[tuple], texts: list[str]):
    """The report with hostile text in every place a name reaches the annexes."""
    t = cycle(texts)
    structures = [replace(s, name=next(t), matricule=next(t)) for s in report.structures]
    lines = lambda ls: [replace(x, label=next(t), code=next(t), details=tuple((next(t), n) for _x, n in x.details)) for x in ls]  # noqa: E731
    poisoned = replace(report, structures=structures, author=next(t),
                       cube=[replace(c, partner_code=next(t), bus_stop=next(t)) for c in report.cube],
                       by_partner=lines(report.by_partner), by_bus_stop=lines(report.by_bus_stop),
                       by_thematique=lines(report.by_thematique), by_canal=lines(report.by_canal))
    kinds = xlsx.raw_sheet([]).kinds
    rows = [tuple(next(t) if kind == "text" else value for value, kind in zip(row, kinds)) for row in raw]
    return poisoned, rows


def _xlsx_cells(path):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def _csv_cells(paths):
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle, delimiter=";"):
                yield from row


def test_no_cell_of_either_annex_is_a_formula_whatever_the_names(store, october, tmp_path_factory):
    with store.read() as s:
        report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
        raw = list(raw_rows(s, october["supervisor"], report))

    @settings(max_examples=25, deadline=None)
    @given(st.lists(TEXTS, min_size=1, max_size=8))
    def check(texts):
        poisoned, rows = _poison(report, raw, texts)
        folder = tmp_path_factory.mktemp("annexes")
        cells = list(_xlsx_cells(xlsx.write_xlsx(poisoned, folder / "a.xlsx", raw=rows)))
        assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
        assert all(_safe(c.value) for c in cells if isinstance(c.value, str))
        written = list(_csv_cells(csv_export.write_csv(poisoned, folder / "r", raw=rows)))
        assert all(_safe(cell) or NUMBER.fullmatch(cell) for cell in written)
        # nothing is lost: every hostile name is in the CSV, marked, and reads back as written
        restored = {restore(cell) for cell in written}
        assert set(texts) - {""} <= restored
    check()


def test_formula_names_in_the_store_stay_text_in_every_sheet(store, october, tmp_path):
    from openpyxl import load_workbook

    attack = '=HYPERLINK("http://x","y")'
    with store.write() as s:
        for row in s.exec(select(Structure)):
            row.name = attack
            s.add(row)
        for stop in s.exec(select(BusStop)):
            stop.name = "＝1+1"
            s.add(stop)
    with store.read() as s:
        report = monthly.build_report(s, october["supervisor"], OCTOBER, today=AS_OF)
        raw = list(raw_rows(s, october["supervisor"], report))
    wb = load_workbook(xlsx.write_xlsx(report, tmp_path / "a.xlsx", raw=raw))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert "'" + attack in values and "'＝1+1" in values
    detail = list(wb["Détail"].iter_rows(min_row=2, values_only=True))
    assert {r[3] for r in detail} == {"'" + attack}
