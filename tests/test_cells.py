"""One spreadsheet-cell rule for every file Guichet writes (app/core/cells.py): the report
annexes, the journal export and the national sync's file export all import it, and no other
module keeps a rule of its own (they had three that disagreed on full-width signs and spaces)."""

from __future__ import annotations

import re

from app.core import cells, journal
from tests.test_import_graph import APP, import_graph

CALL_SITES = ("app.reports.xlsx", "app.reports.csv_export", "app.core.journal", "app.core.journal_guard",
              "app.sync.export")
# what a home-made neutraliser looks like: a tuple or set of the formula's first characters
HOME_MADE = re.compile(r"""(startswith\(\(\s*["']=["']|frozenset\(["']=|_FORMULA|def\s+\w*csv_safe)""")


def test_every_spreadsheet_writer_imports_the_one_rule():
    graph = import_graph()
    for module in CALL_SITES:
        assert "app.core.cells" in graph[module] or (module == "app.core.journal_guard" and "app.core.journal" in graph[module]), module
    assert journal.csv_safe is cells.cell_text  # the journal's name for it is the same function


def test_no_other_module_defines_a_neutraliser():
    found = [str(p.relative_to(APP.parent)) for p in APP.rglob("*.py")
             if p.name != "cells.py" and HOME_MADE.search(p.read_text(encoding="utf-8"))]
    assert found == []


def test_the_journal_and_sync_exports_follow_the_unified_rule(tmp_path):
    # what the journal's old rule missed: full-width signs, newline, leading spaces, a leading quote
    for hostile in ("＝1+1", "\n=1", "  =1", "'=1", "=HYPERLINK(\"x\")"):
        assert journal.csv_safe(hostile) == "'" + hostile
        assert cells.restore(journal.csv_safe(hostile)) == hostile
    from app.sync.export import FileExportTransport, read_csv

    snap = {"schema": "guichet-activite/2", "structure": "100001", "month": "2026-10", "totals": {"accompaniments": 3, "usagers": 2},
            "cube": [{"partner": "=HYPERLINK(\"x\")", "response_type": "information", "canal": "guichet",
                      "bus_stop": "+1", "count": 3}]}
    answer = FileExportTransport(tmp_path).send({"snapshot": snap, "device": "d" * 32, "hash": "0" * 64})
    text = open(answer.message, encoding="utf-8").read()
    assert "'=HYPERLINK" in text and ";'+1;" in text
    assert read_csv(answer.message)[1]["cube"] == snap["cube"]  # read back exactly
