"""The one rule for every text cell Guichet writes to a spreadsheet file: the report annexes
(XLSX and CSV, app/reports), the journal export (app/core/journal_guard.py) and the national
sync's file export (app/sync/export.py). One function, so the three can never drift apart
(tests/test_cells.py checks that they all import it and that no other module defines one).

A spreadsheet runs a cell as a formula when its text starts with = + - @ (or a tab or carriage
return that its import strips, or the full-width ＝ ＋ － ＠ that some input methods turn into
ASCII). A structure, a bus stop or a catalogue title named `=HYPERLINK(…)` would then become a
live link or worse (OWASP « CSV injection », ASVS 5.3.10). Such text gets a leading apostrophe,
the spreadsheets' own « this is text » mark; numbers and dates are typed cells and never pass here.

Text that already starts with an apostrophe is prefixed too, so `restore` is an exact inverse
(re-importing our own export gives back the original text, whatever it was).
"""

from __future__ import annotations

DANGEROUS = frozenset("=+-@\t\r\n\0＝＋－＠")


def _needs_mark(text: str) -> bool:
    first = text[:1]
    # leading spaces are trimmed by some imports (LibreOffice « Trim spaces »), so look past them too
    return first in DANGEROUS or first == "'" or text.lstrip()[:1] in DANGEROUS


def neutralise(text: str) -> str:
    """The text as a spreadsheet must store it: never a formula."""
    return "'" + text if text and _needs_mark(text) else text


def cell_text(value) -> str:
    """Any value as the text of a CSV cell (None → ""), neutralised."""
    return neutralise("" if value is None else str(value))


def restore(text: str) -> str:
    """Inverse of neutralise, for reading our own exports back."""
    return text[1:] if text[:1] == "'" and _needs_mark(text[1:]) else text
