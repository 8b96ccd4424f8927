"""The fiches base: the « Vos droits et démarches » publications in their own SQLite file.

Reference data published by the State (no personal data), shared by every agent of the computer,
so it lives beside the store, unencrypted, in `fiches.db`; the store never points into it and it
can be deleted and re-imported at any time.

- `build()` writes a complete base into a NEW file and only then `os.replace`s it over the old
  one: a reader sees either the old base or the new one, never a half-written file, and a failed
  or interrupted import leaves the old base untouched (the temporary file is removed).
- The FTS5 index (`unicode61 remove_diacritics 2`) folds case and accents on both sides, so
  « IDENTITE » finds « identité »; every word typed is a prefix (« allo fam » finds « Allocations
  familiales »). Results whose title holds every word come first, the shortest title first (the
  closest to what was typed: « Carte Vitale » before « Quelles informations contient la carte
  Vitale ? »); then the others by bm25, the title weighted over description, subject and text.
- Readers open the file read-only for each call: a new base swapped in is seen at once, and no
  open handle keeps the old file alive (Windows refuses to replace an open file).
"""

from __future__ import annotations

import os
import re
import sqlite3
import zlib
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable

BASE_FILE_NAME = "fiches.db"
SCHEMA_VERSION = 1
MAX_TERMS = 8  # a search box line, not a document: more words only slow the query down
# bm25 weights per FTS column: title, description, subject, text.
WEIGHTS = (10.0, 4.0, 2.0, 1.0)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE fiche (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    subject TEXT NOT NULL,
    breadcrumb TEXT NOT NULL,
    modified TEXT,
    xml BLOB NOT NULL
);
CREATE VIRTUAL TABLE fiche_fts USING fts5(
    title, description, subject, text,
    content='', tokenize='unicode61 remove_diacritics 2'
);
"""


@dataclass(frozen=True)
class FicheRecord:
    """One publication as parsed from the export (app.core.fiches_xml)."""

    id: str
    kind: str  # « Fiche d'information », « Question-réponse », « Dossier »…
    title: str
    description: str
    subject: str
    breadcrumb: str  # FilDAriane levels joined by « › »
    modified: date | None
    text: str  # plain text of the body, for the index only
    xml: bytes


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    breadcrumb: str
    modified: date | None


@dataclass(frozen=True)
class Fiche:
    id: str
    kind: str
    title: str
    description: str
    breadcrumb: str
    modified: date | None
    xml: bytes


def base_path_beside(store_path: Path) -> Path:
    return Path(store_path).parent / BASE_FILE_NAME


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def build(path: Path, records: Iterable[FicheRecord], meta: dict[str, str]) -> int:
    """Write a complete base to `path` atomically; returns the number of publications.
    Whatever goes wrong (or stops the loop), the file at `path` is the one that was there before."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    count = 0
    try:
        with closing(sqlite3.connect(tmp)) as db:
            db.executescript(_SCHEMA)
            seen: set[str] = set()
            for rec in records:
                if rec.id in seen:  # the export lists a few publications twice; keep the first
                    continue
                seen.add(rec.id)
                cur = db.execute(
                    "INSERT INTO fiche (id, kind, title, description, subject, breadcrumb, modified, xml)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (rec.id, rec.kind, rec.title, rec.description, rec.subject, rec.breadcrumb,
                     rec.modified.isoformat() if rec.modified else None, zlib.compress(rec.xml, 6)))
                db.execute("INSERT INTO fiche_fts (rowid, title, description, subject, text) VALUES (?, ?, ?, ?, ?)",
                           (cur.lastrowid, rec.title, rec.description, rec.subject, rec.text))
                count += 1
            newest = db.execute("SELECT max(modified) FROM fiche").fetchone()[0] or ""
            rows = {**meta, "schema": str(SCHEMA_VERSION), "count": str(count), "newest": newest}
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", rows.items())
            db.execute("INSERT INTO fiche_fts (fiche_fts) VALUES ('optimize')")
            db.commit()
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity_check failed on the new fiches base")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _connect(path: Path) -> sqlite3.Connection:
    if not Path(path).is_file():
        raise FileNotFoundError(path)
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def meta(path: Path) -> dict[str, str]:
    """The base's meta rows ({} when there is no base yet)."""
    try:
        with closing(_connect(path)) as db:
            return dict(db.execute("SELECT key, value FROM meta"))
    except (FileNotFoundError, sqlite3.DatabaseError):
        return {}


_WORD = re.compile(r"\w+", re.UNICODE)


def terms(text: str) -> list[str]:
    """The words of a search line (punctuation and FTS operators are never passed through)."""
    return _WORD.findall(text or "")[:MAX_TERMS]


def search(path: Path, text: str, limit: int = 30) -> list[Hit]:
    words = terms(text)
    if not words:
        return []
    expr = " AND ".join(f'"{w}"*' for w in words)
    # Two steps, so a broad prefix (« a », « ca ») never scores thousands of bodies: the titles
    # holding every word, shortest first; then, only if they do not fill the page, the other
    # matches by bm25.
    with closing(_connect(path)) as db:
        rows = db.execute(
            "SELECT id, title, breadcrumb, modified FROM fiche WHERE rowid IN"
            " (SELECT rowid FROM fiche_fts WHERE fiche_fts MATCH ?) ORDER BY length(title), title LIMIT ?",
            (f"title : ({expr})", limit)).fetchall()
        if len(rows) < limit:
            seen = {r[0] for r in rows}
            more = db.execute(
                "SELECT f.id, f.title, f.breadcrumb, f.modified FROM ("
                "  SELECT rowid, bm25(fiche_fts, ?, ?, ?, ?) AS score FROM fiche_fts WHERE fiche_fts MATCH ?"
                "  ORDER BY score LIMIT ?"
                ") AS m JOIN fiche f ON f.rowid = m.rowid ORDER BY m.score, f.title",
                (*WEIGHTS, expr, limit + len(rows))).fetchall()
            rows += [r for r in more if r[0] not in seen][:limit - len(rows)]
    return [Hit(i, t, b, _date(m)) for i, t, b, m in rows]


def get(path: Path, fiche_id: str) -> Fiche | None:
    with closing(_connect(path)) as db:
        row = db.execute("SELECT id, kind, title, description, breadcrumb, modified, xml FROM fiche WHERE id = ?",
                         (fiche_id,)).fetchone()
    if row is None:
        return None
    return Fiche(row[0], row[1], row[2], row[3], row[4], _date(row[5]), zlib.decompress(row[6]))


def existing_ids(path: Path, ids: Iterable[str]) -> set[str]:
    """Which of `ids` the base holds (validates catalogue links)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return set()
    with closing(_connect(path)) as db:
        marks = ",".join("?" * len(wanted))
        return {r[0] for r in db.execute(f"SELECT id FROM fiche WHERE id IN ({marks})", wanted)}
