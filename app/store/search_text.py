"""What both search back ends share: the index tables' names and the normalisation of text
(app/store/search_index.py for SQLite FTS5, app/store/search_pg.py for PostgreSQL)."""

from __future__ import annotations

import unicodedata

ACCOMPANIMENT_FTS = "accompaniment_fts"
USAGER_FTS = "usager_fts"


def normalise(value: str) -> str:
    """NFKD, accents stripped, casefolded: « Hélène » and « HELENE » are the same word."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
