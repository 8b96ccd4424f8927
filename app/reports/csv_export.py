"""The CSV annex, for tools that do not read XLSX. French Excel habits: `;` separator, UTF-8
with a BOM (so Excel detects the encoding), decimal comma. Every text cell goes through
app.core.cells.neutralise, the same rule as the XLSX (never a formula); numbers are written
by us and never escaped.

Two files: `<base>-tableaux.csv` (every table in long form: Tableau;Libellé;…) and, for
supervisors, `<base>-detail.csv` (one row per accompaniment, pseudonymised)."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

from app.i18n import _
from app.core.cells import neutralise
from app.reports.monthly import MonthlyReport, Progress
from app.reports.tables import csv_header, raw_sheet, sheets, typed_rows

def format_value(value, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if kind == "ratio":
        return f"{100 * value:.1f}".replace(".", ",")
    if kind in ("points", "decimal"):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m") if kind == "month" else value.isoformat()
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def _open(path: Path):
    return path.open("w", encoding="utf-8-sig", newline="")


def write_rows(handle, header: list[str], rows: Iterable[list[tuple]]) -> None:
    writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([format_value(value, kind) for value, kind in row])


def write_csv(report: MonthlyReport, base: Path | str, raw: Iterable[tuple] | None = None,
              progress: Progress | None = None) -> list[Path]:
    """Write `<base>-tableaux.csv` (and `<base>-detail.csv` when `raw` is given); return the paths."""
    step = progress or (lambda done, total, text="": None)
    base = Path(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    tables_path = base.with_name(base.name + "-tableaux.csv")
    step(0, 2, _("Tableaux CSV"))
    with _open(tables_path) as handle:
        width = max(len(s.headers) for s in sheets(report))
        header = [_("Tableau")] + [_("Colonne {n}").format(n=i) for i in range(1, width + 1)]

        def long_rows():
            for sheet in sheets(report):
                yield [(sheet.name, "text")] + [(csv_header(h, k), "text") for h, k in zip(sheet.headers, sheet.kinds)]
                for row in typed_rows(sheet):
                    if "mixed" in sheet.kinds:  # a summary row: its name carries its unit
                        (name, _k), (value, kind) = row
                        row = [(csv_header(name, kind), "text"), (value, kind)]
                    yield [(sheet.name, "text")] + row
        write_rows(handle, header, long_rows())
    paths = [tables_path]
    if raw is not None:
        step(1, 2, _("Détail CSV"))
        sheet = raw_sheet(raw)
        detail_path = base.with_name(base.name + "-detail.csv")
        with _open(detail_path) as handle:
            write_rows(handle, sheet.headers, typed_rows(sheet))
        paths.append(detail_path)
    step(2, 2, _("CSV écrits"))
    return paths
