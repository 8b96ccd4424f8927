"""Full-text search index: the one place that knows it is SQLite FTS5.

Accent- and case-insensitive prefix search over accompaniments (usager name, démarche, partner,
note) and over usagers. Text is normalised in Python (NFKD, accents stripped, casefolded) before
it reaches FTS5, so the same rules apply to the index and to the query. On a PostgreSQL site store
every function here hands over to app/store/search_pg.py (tsvector), which applies the same
normalisation: both back ends answer the same query with the same rows.
"""

from __future__ import annotations

import re

from sqlalchemy import text

from app.store import dialects

from app.store.search_text import ACCOMPANIMENT_FTS, USAGER_FTS, normalise  # noqa: F401 (re-exported)

# Schema of the index as the foundation migration (0001) created it; frozen, like any migration.
DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {ACCOMPANIMENT_FTS} USING fts5(body, tokenize='unicode61 remove_diacritics 2')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {USAGER_FTS} USING fts5(body, tokenize='unicode61 remove_diacritics 2')",
]
DROP = [f"DROP TABLE IF EXISTS {ACCOMPANIMENT_FTS}", f"DROP TABLE IF EXISTS {USAGER_FTS}"]

# Since 0007: prefix indexes for 1-3 characters. Search-as-you-type queries short prefixes
# (« de », « ca ») most; without them FTS5 scans every term with that prefix (p95 201 ms on a
# million rows, 5.6 ms with them on 100,000).
_TOKENIZE = "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'"


def create_schema(execute, bind=None) -> None:
    """The index tables (migration 0001). `execute` runs one statement (Alembic's op.execute)."""
    for ddl in (_pg().DDL if _is_pg(bind) else DDL):
        execute(ddl)


def drop_schema(execute, bind=None) -> None:
    for ddl in (_pg().DROP if _is_pg(bind) else DROP):
        execute(ddl)


def _is_pg(bind) -> bool:
    return bind is not None and dialects.is_postgresql(bind)


def _pg():
    from app.store import search_pg

    return search_pg


def rebuild_with_prefix_indexes(execute, bind=None) -> None:
    """Recreate both FTS tables with prefix indexes, keeping every indexed row (migration 0007).
    `execute` runs one SQL statement (Alembic's op.execute). PostgreSQL: nothing to do (GIN)."""
    if _is_pg(bind):
        return
    for table in (ACCOMPANIMENT_FTS, USAGER_FTS):
        execute(f"CREATE VIRTUAL TABLE {table}_new USING fts5(body, {_TOKENIZE})")
        execute(f"INSERT INTO {table}_new(rowid, body) SELECT rowid, body FROM {table}")
        execute(f"DROP TABLE {table}")
        execute(f"ALTER TABLE {table}_new RENAME TO {table}")


def rebuild_without_prefix_indexes(execute, bind=None) -> None:
    if _is_pg(bind):
        return
    for table in (ACCOMPANIMENT_FTS, USAGER_FTS):
        execute(f"CREATE VIRTUAL TABLE {table}_old USING fts5(body, tokenize='unicode61 remove_diacritics 2')")
        execute(f"INSERT INTO {table}_old(rowid, body) SELECT rowid, body FROM {table}")
        execute(f"DROP TABLE {table}")
        execute(f"ALTER TABLE {table}_old RENAME TO {table}")

_WORD = re.compile(r"\w+", re.UNICODE)


def _match_expression(query: str) -> str | None:
    # Every word must match as a prefix: "carte gr" -> "carte"* AND "gr"*.
    words = _WORD.findall(normalise(query))
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words[:12])


def index_accompaniment(session, accompaniment_id: int, body: str) -> None:
    if dialects.is_postgresql(session):
        return _pg().index_accompaniment(session, accompaniment_id, body)
    session.execute(text(f"DELETE FROM {ACCOMPANIMENT_FTS} WHERE rowid = :id"), {"id": accompaniment_id})
    session.execute(
        text(f"INSERT INTO {ACCOMPANIMENT_FTS}(rowid, body) VALUES (:id, :body)"),
        {"id": accompaniment_id, "body": normalise(body)},
    )


def remove_accompaniment(session, accompaniment_id: int) -> None:
    if dialects.is_postgresql(session):
        return _pg().remove_accompaniment(session, accompaniment_id)
    session.execute(text(f"DELETE FROM {ACCOMPANIMENT_FTS} WHERE rowid = :id"), {"id": accompaniment_id})


def index_usager(session, usager_id: int, body: str) -> None:
    if dialects.is_postgresql(session):
        return _pg().index_usager(session, usager_id, body)
    session.execute(text(f"DELETE FROM {USAGER_FTS} WHERE rowid = :id"), {"id": usager_id})
    if body.strip():
        session.execute(
            text(f"INSERT INTO {USAGER_FTS}(rowid, body) VALUES (:id, :body)"),
            {"id": usager_id, "body": normalise(body)},
        )


def remove_usager(session, usager_id: int) -> None:
    if dialects.is_postgresql(session):
        return _pg().remove_usager(session, usager_id)
    session.execute(text(f"DELETE FROM {USAGER_FTS} WHERE rowid = :id"), {"id": usager_id})


def bulk_index_accompaniments(session, rows) -> None:
    """Index many new accompaniments at once (demo and benchmark builders): rows of (id, body)
    not indexed yet; one executemany instead of two statements per row."""
    if dialects.is_postgresql(session):
        return _pg().bulk_index_accompaniments(session, rows)
    params = [{"id": i, "body": normalise(body)} for i, body in rows]
    if params:
        session.execute(text(f"INSERT INTO {ACCOMPANIMENT_FTS}(rowid, body) VALUES (:id, :body)"), params)


def bulk_index_usagers(session, rows) -> None:
    """Index many new usagers at once: rows of (id, body); empty bodies (anonymous) are skipped."""
    if dialects.is_postgresql(session):
        return _pg().bulk_index_usagers(session, rows)
    params = [{"id": i, "body": normalise(body)} for i, body in rows if body.strip()]
    if params:
        session.execute(text(f"INSERT INTO {USAGER_FTS}(rowid, body) VALUES (:id, :body)"), params)


def search_accompaniment_ids(session, query: str, limit: int = 200, before_id: int | None = None) -> list[int] | None:
    """Matching accompaniment ids below `before_id` (keyset paging), newest first; None when the
    query has no searchable word. FTS5 walks its index in rowid order and stops at the limit."""
    if dialects.is_postgresql(session):
        return _pg().search_accompaniment_ids(session, query, limit, before_id)
    expr = _match_expression(query)
    if expr is None:
        return None
    below = "AND rowid < :before " if before_id is not None else ""
    rows = session.execute(
        text(f"SELECT rowid FROM {ACCOMPANIMENT_FTS} WHERE {ACCOMPANIMENT_FTS} MATCH :q {below}"
             "ORDER BY rowid DESC LIMIT :n"),
        {"q": expr, "n": limit, "before": before_id},
    )
    return [r[0] for r in rows]


def search_usager_ids(session, query: str, limit: int = 50) -> list[int] | None:
    if dialects.is_postgresql(session):
        return _pg().search_usager_ids(session, query, limit)
    expr = _match_expression(query)
    if expr is None:
        return None
    rows = session.execute(
        text(f"SELECT rowid FROM {USAGER_FTS} WHERE {USAGER_FTS} MATCH :q ORDER BY rank LIMIT :n"),
        {"q": expr, "n": limit},
    )
    return [r[0] for r in rows]
