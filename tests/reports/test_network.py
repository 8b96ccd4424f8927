"""A report over many structures (a department): reconcilable per structure, a one-page cover,
the structure in the cube, bus stops under their own bus."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from app.models.month import Month
from app.core import activity
from app.reports import export, monthly, pdf, xlsx
from bench.bench_reports import MONTH, make_store

NEEDS_POPPLER = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """Twelve structures, two of them buses whose stops have the same names (« Arrêt 0 » … « Arrêt 3 »)."""
    store, actor = make_store(tmp_path_factory.mktemp("dept") / "g.db", n_structures=12, per_month=900,
                              other_months=30, seed=11)
    with store.read() as s:
        report = monthly.build_report(s, actor, MONTH, today=date(2026, 11, 3))
    yield store, actor, report
    store.close()


def test_each_structure_has_its_own_reconcilable_row(network):
    store, _actor, r = network
    rows = r.per_structure
    assert len(rows) == 12 and [x.accompaniments for x in rows] == sorted((x.accompaniments for x in rows), reverse=True)
    assert sum(x.accompaniments for x in rows) == r.current.accompaniments
    start, end = Month.of(MONTH).bounds()
    before = Month.of(date(2026, 9, 1)).bounds()
    with store.read() as s:
        for x in rows:
            assert x.accompaniments == activity.total_accompaniments(s, [x.id], start, end)
            assert x.usagers == activity.total_usagers(s, [x.id], start, end)
            assert x.previous == activity.total_accompaniments(s, [x.id], *before)
            partners = {p: n for (p, _c), n in _partners(s, x.id, start, end).items()}
            assert x.top_partner_count == max(partners.values())
    assert all(x.sync is not None and len(x.sync.snapshot_hash) == 64 for x in rows)
    assert [x.stops for x in rows if x.kind == "bus"] == [4, 4]


def _partners(s, sid, start, end):
    totals: dict = {}
    for row in activity.activity_cube(s, [sid], start, end):
        totals[(row.partner_code, "")] = totals.get((row.partner_code, ""), 0) + row.count
    return totals


def test_stops_of_two_buses_are_not_merged(network):
    _store, _actor, r = network
    assert len(r.by_bus_stop) == 8
    assert {line.label for line in r.by_bus_stop} == {"Arrêt 0", "Arrêt 1", "Arrêt 2", "Arrêt 3"}
    assert len({line.group for line in r.by_bus_stop}) == 2
    assert sum(line.count for line in r.by_bus_stop) == r.by_canal[[c.code for c in r.by_canal].index("itinerant_bus")].count


def test_xlsx_cube_and_structures_sheet_carry_the_structure(network, tmp_path):
    from openpyxl import load_workbook

    _store, _actor, r = network
    wb = load_workbook(xlsx.write_xlsx(r, tmp_path / "d.xlsx"))
    cube = list(wb["Partenaire x type x canal"].iter_rows(values_only=True))
    assert cube[0][:3] == ("Matricule", "Structure", "Partenaire")
    per_structure: dict = {}
    for row in cube[1:]:
        per_structure[row[0]] = per_structure.get(row[0], 0) + row[-1]
    # partner rows count a visit once per partner: at least the structure's accompaniments
    assert all(per_structure[x.matricule] >= x.accompaniments for x in r.per_structure if x.accompaniments)
    sheet = list(wb["Structures"].iter_rows(values_only=True))
    assert sheet[0][:6] == ("Rang", "Matricule", "Structure", "Type", "Accompagnements", "Usagers")
    assert [row[1] for row in sheet[1:]] == [x.matricule for x in r.per_structure]
    assert [row[14] for row in sheet[1:]] == [x.sync.snapshot_hash for x in r.per_structure]


@NEEDS_POPPLER
def test_pdf_cover_holds_on_one_page_and_the_network_table_follows(network, tmp_path):
    _store, _actor, r = network
    path = pdf.write_pdf(r, tmp_path / "d.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    pages = [" ".join(re.sub(r"[\u202f\u00a0]", " ", p).split()) for p in text.split("\f")]
    assert "Édité par" in pages[0] and "12 structures couvertes" in pages[0]
    assert "Réseau : activité par structure" in pages[1]
    table = " ".join(pages[1:3])
    for x in r.per_structure:
        assert f"{x.matricule} {x.name[:20]}" in table  # a long name may wrap
    assert "Arrêts des bus" in " ".join(pages)


def test_produce_reports_progress_to_the_end(network, tmp_path):
    store, actor, _r = network
    seen = []
    export.produce(store, actor, MONTH, tmp_path, formats=["pdf", "xlsx"], detail=True,
                   progress=lambda done, total, text="": seen.append((done, total, text)))
    assert seen[-1][0] == seen[-1][1] and seen[-1][2] == "Rapport terminé"
    assert [d for d, _t, _x in seen] == sorted(d for d, _t, _x in seen)
    assert any("Feuille « Détail »" in text for _d, _t, text in seen)
