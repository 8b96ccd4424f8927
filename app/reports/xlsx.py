"""The spreadsheet annex (openpyxl, imported lazily). One sheet per table, French headers,
real numbers, dates and percentages (typed cells, not text), frozen header row, column widths.
Written in openpyxl's write-only mode: a department month (100,000 rows) streams to disk
instead of building every cell in memory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from app.i18n import _, format_month, format_number
from app.reports.cells import neutralise
from app.reports.monthly import MonthlyReport, Progress
from app.reports.tables import raw_sheet, sheets, typed_rows

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMATS = {"int": "#,##0", "ratio": "0.0 %", "date": "dd/mm/yyyy", "month": "mmmm yyyy",
           "datetime": "dd/mm/yyyy hh:mm", "points": '+0.0" pts";-0.0" pts";0.0" pt"'}


def write_xlsx(report: MonthlyReport, path: Path | str, raw: Iterable[tuple] | None = None,
               progress: Progress | None = None) -> Path:
    """Write the annex; `raw` (from monthly.raw_rows, supervisors only) adds the « Détail » sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    step = progress or (lambda done, total, text="": None)
    path = Path(path)
    wb = Workbook(write_only=True)
    wb.properties.title = _("Rapport d'activité — {month}").format(month=format_month(report.month))
    wb.properties.creator = _ILLEGAL.sub("", report.author or "Guichet")  # metadata: XML-safe, not a cell
    wb.properties.subject = _ILLEGAL.sub("", report.scope_label)
    wb.properties.language = "fr-FR"
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="000091")
    header_border = Border(bottom=Side(style="thin", color="000091"))
    wrap = Alignment(vertical="top", wrap_text=True)
    todo = sheets(report) + ([raw_sheet(raw)] if raw is not None else [])

    for index, sheet in enumerate(todo):
        step(index, len(todo), _("Feuille « {name} »").format(name=sheet.name))
        ws = wb.create_sheet(_safe_title(sheet.name))
        for col, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "A2"
        header = []
        for text in sheet.headers:
            cell = WriteOnlyCell(ws, value=_text(text))
            cell.font, cell.fill, cell.border, cell.alignment = header_font, header_fill, header_border, wrap
            header.append(cell)
        ws.append(header)
        # only dates, numbers and ratios get a styled cell; plain text stays a bare (neutralised) value
        for n, row in enumerate(typed_rows(sheet), start=1):
            ws.append([_cell(ws, value, kind, WriteOnlyCell) for value, kind in row])
            if n % 5000 == 0:  # the detail sheet of a big month takes a while: keep the bar moving
                step(index, len(todo), _("Feuille « {name} » : {n} lignes").format(name=sheet.name, n=format_number(n)))
    step(len(todo), len(todo), _("Écriture du classeur"))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _text(value: str) -> str:
    # XML cannot hold most control characters (openpyxl refuses them): drop them, then neutralise
    return neutralise(_ILLEGAL.sub("", value))


def _cell(ws, value, kind, cell_type):
    if isinstance(value, str):
        return _text(value)
    fmt = FORMATS.get(kind)
    if value is None or fmt is None:
        return value
    cell = cell_type(ws, value=value)
    cell.number_format = fmt
    return cell


def _safe_title(name: str) -> str:
    for ch in '[]:*?/\\':
        name = name.replace(ch, "-")
    return name[:31]
