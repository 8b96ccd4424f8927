"""Full-text search on a PostgreSQL site store: the PostgreSQL half of app/store/search_index.py.

Same rules as SQLite's FTS5 index, so both back ends return the same rows for the same query:
- text normalised in Python by the same `normalise()` (NFKD, accents stripped, casefolded): no
  `unaccent` extension needed, and no difference between its rules and ours;
- cut into words as FTS5's unicode61 tokenizer does (letters and digits; `_`, `-`, `.`, `@` are
  separators) before it is stored, so PostgreSQL's parser only ever sees plain words (it would
  otherwise keep « jean.dupont@example.org » or « jean-pierre » whole);
- every query word must match as a prefix: `to_tsquery('simple', 'carte:* & gr:*')` over a
  `tsvector` kept in a stored generated column, GIN-indexed.
Why tsvector rather than pg_trgm: measured in docs/site-store.md (prefix queries on 20,000 rows);
pg_trgm answers substrings and typos, which the SQLite search does not, and its word-start regex
cannot use the index for one- and two-letter prefixes, the ones search-as-you-type sends most.
"""

from __future__ import annotations

import re

from sqlalchemy import text

from app.store.search_text import ACCOMPANIMENT_FTS, USAGER_FTS, normalise

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

DDL = [
    stmt
    for table in (ACCOMPANIMENT_FTS, USAGER_FTS)
    for stmt in (
        f"CREATE TABLE IF NOT EXISTS {table} (id bigint PRIMARY KEY, body text NOT NULL, "
        "tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED)",
        f"CREATE INDEX IF NOT EXISTS ix_{table}_tsv ON {table} USING gin (tsv)",
    )
]
DROP = [f"DROP TABLE IF EXISTS {ACCOMPANIMENT_FTS}", f"DROP TABLE IF EXISTS {USAGER_FTS}"]


def words(value: str) -> list[str]:
    return _TOKEN.findall(normalise(value))


def body_text(value: str) -> str:
    return " ".join(words(value))


def tsquery(query: str) -> str | None:
    found = words(query)[:12]
    return " & ".join(f"{w}:*" for w in found) if found else None


def _upsert(table: str) -> str:
    return (f"INSERT INTO {table} (id, body) VALUES (:id, :body) "
            "ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body")


def index_accompaniment(session, accompaniment_id: int, body: str) -> None:
    session.execute(text(_upsert(ACCOMPANIMENT_FTS)), {"id": accompaniment_id, "body": body_text(body)})


def remove_accompaniment(session, accompaniment_id: int) -> None:
    session.execute(text(f"DELETE FROM {ACCOMPANIMENT_FTS} WHERE id = :id"), {"id": accompaniment_id})


def index_usager(session, usager_id: int, body: str) -> None:
    if body.strip():
        session.execute(text(_upsert(USAGER_FTS)), {"id": usager_id, "body": body_text(body)})
    else:
        remove_usager(session, usager_id)


def remove_usager(session, usager_id: int) -> None:
    session.execute(text(f"DELETE FROM {USAGER_FTS} WHERE id = :id"), {"id": usager_id})


def bulk_index_accompaniments(session, rows) -> None:
    params = [{"id": i, "body": body_text(body)} for i, body in rows]
    if params:
        session.execute(text(_upsert(ACCOMPANIMENT_FTS)), params)


def bulk_index_usagers(session, rows) -> None:
    params = [{"id": i, "body": body_text(body)} for i, body in rows if body.strip()]
    if params:
        session.execute(text(_upsert(USAGER_FTS)), params)


def search_accompaniment_ids(session, query: str, limit: int = 200, before_id: int | None = None) -> list[int] | None:
    q = tsquery(query)
    if q is None:
        return None
    below = "AND id < :before " if before_id is not None else ""
    rows = session.execute(
        text(f"SELECT id FROM {ACCOMPANIMENT_FTS} WHERE tsv @@ to_tsquery('simple', :q) {below}"
             "ORDER BY id DESC LIMIT :n"),
        {"q": q, "n": limit, "before": before_id},
    )
    return [r[0] for r in rows]


def search_usager_ids(session, query: str, limit: int = 50) -> list[int] | None:
    q = tsquery(query)
    if q is None:
        return None
    rows = session.execute(
        text(f"SELECT id FROM {USAGER_FTS} WHERE tsv @@ to_tsquery('simple', :q) "
             "ORDER BY ts_rank(tsv, to_tsquery('simple', :q)) DESC, id LIMIT :n"),
        {"q": q, "n": limit},
    )
    return [r[0] for r in rows]
