"""What differs between the two back ends (SQLite for a desk or a bus, PostgreSQL for a site),
kept in one place so that core code and migrations never test the dialect themselves.

Migrations call the `*_sql` helpers with `op.get_bind()`: the SQLite text they return is exactly the
text the revision used before PostgreSQL existed (revisions are frozen), PostgreSQL gets its own.
Core code calls `lock_journal_head()` before it reads the journal's head to append to it.
"""

from __future__ import annotations

POSTGRESQL = "postgresql"
SQLITE = "sqlite"

# pg_advisory_xact_lock key serialising journal appends (ids are "last + 1", hashed, so two
# concurrent appends must not read the same head). Any constant unique to Guichet.
JOURNAL_LOCK_KEY = 0x6775696368  # "guich"


def name(bind) -> str:
    """Dialect name of an Engine, Connection or Session."""
    if hasattr(bind, "get_bind"):  # Session
        bind = bind.get_bind()
    return bind.dialect.name


def is_postgresql(bind) -> bool:
    return name(bind) == POSTGRESQL


def true_sql(bind) -> str:
    """Boolean true literal in raw SQL (SQLite stores booleans as 1)."""
    return "true" if is_postgresql(bind) else "1"


def month_start_sql(bind, column: str) -> str:
    """First day of the month of a DATETIME column, as a date value (text on SQLite)."""
    if is_postgresql(bind):
        return f"date_trunc('month', {column})::date"
    return f"substr({column}, 1, 7) || '-01'"


def lock_journal_head(session) -> None:
    """Serialise journal appends. SQLite: the write transaction (BEGIN IMMEDIATE) already holds the
    file's write lock. PostgreSQL: a transaction-scoped advisory lock, released at commit/rollback."""
    if is_postgresql(session):
        from sqlalchemy import text

        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": JOURNAL_LOCK_KEY})


def journal_guard(bind, version: int = 2) -> tuple[list[str], list[str]]:
    """(create, drop) statements of the journal's append-only guard (migrations 0002 and 0012).
    PostgreSQL has one guard, with the rules of the SQLite guard's latest version."""
    if is_postgresql(bind):
        from app.store import journal_pg

        return journal_pg.guard_ddl()
    from app.models.security import journal_guard_ddl, journal_guard_ddl_v2

    return journal_guard_ddl() if version == 1 else journal_guard_ddl_v2()


def purge_journal_to_anchor(session, cutoff_id: int) -> None:
    """Delete the journal rows at or below the anchor the caller just moved to `cutoff_id`.
    PostgreSQL: the app role may not DELETE from the journal; a SECURITY DEFINER function does,
    only up to the anchor (app/store/journal_pg.py)."""
    from sqlalchemy import text

    if is_postgresql(session):
        from app.store import journal_pg

        journal_pg.purge_to_anchor(session)
    else:
        session.execute(text("DELETE FROM journal WHERE id <= :c"), {"c": cutoff_id})


def journal_import_guard(bind) -> tuple[list[str], list[str]]:
    """(create, drop) making `journal_import` append-only: triggers on both back ends."""
    if is_postgresql(bind):
        from app.store import journal_pg

        return journal_pg.import_guard_ddl()
    create = [f"""CREATE TRIGGER journal_import_no_{op.lower()} BEFORE {op} ON journal_import
                  BEGIN SELECT RAISE(ABORT, 'imported journal is append-only'); END""" for op in ("UPDATE", "DELETE")]
    drop = [f"DROP TRIGGER IF EXISTS journal_import_no_{op}" for op in ("update", "delete")]
    return create, drop
