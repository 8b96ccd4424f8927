"""Tables of agent security: the audit journal, its purge anchor and login throttling.

The journal is append-only and hash-chained (see app/core/journal.py for the why). The
database-level guard lives in `journal_guard_ddl()`: the one SQLite-specific piece, so that a
PostgreSQL backend would only need its own version of that function (rules or triggers).
"""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, DateTime
from sqlmodel import Field, SQLModel

GENESIS_HASH = "0" * 64


class JournalEntry(SQLModel, table=True):
    """Who did what to which record, and when. Never the personal values themselves."""

    __tablename__ = "journal"

    # Ids are assigned by app.core.journal (last id + 1 inside the write transaction) because
    # the id is part of the hashed content.
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=DateTime, index=True)  # naive UTC
    agent_id: Optional[int] = Field(default=None)  # no FK: the journal outlives any agent row
    action: str = Field(max_length=40, index=True)
    object_ref: str = Field(default="", max_length=80, index=True)  # e.g. "usager:<uuid>"
    detail: str = Field(default="", max_length=400)  # field names, counts; never values
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class JournalAnchor(SQLModel, table=True):
    """One row: how far the journal has been purged and the hash the remaining chain starts from."""

    __tablename__ = "journal_anchor"
    __table_args__ = (CheckConstraint("id = 1", name="ck_journal_anchor_single_row"),)

    id: int = Field(default=1, primary_key=True)
    cutoff_id: int = 0  # rows with id <= cutoff_id may be deleted (and have been)
    anchor_hash: str = Field(default=GENESIS_HASH, max_length=64)
    purged_at: Optional[datetime] = Field(default=None, sa_type=DateTime)


class LoginAttempt(SQLModel, table=True):
    """Failed-login counter per agent; survives restarts so closing the app does not reset it."""

    __tablename__ = "login_attempt"

    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    failures: int = 0
    last_failure_at: Optional[datetime] = Field(default=None, sa_type=DateTime)
    locked_until: Optional[datetime] = Field(default=None, sa_type=DateTime)


def journal_guard_ddl() -> tuple[list[str], list[str]]:
    """(create, drop) statements making `journal` append-only in SQLite.

    - UPDATE on journal is always refused.
    - DELETE on journal is refused unless the row is at or below journal_anchor.cutoff_id. The
      only code that moves the cutoff is journal.purge_older_than(), in the same transaction as
      the DELETE and a checkpoint entry.
    - The anchor row cannot be deleted; its cutoff only moves forward, only onto an existing
      row at least 12 months old (by SQLite's own clock), and its anchor_hash must be that row's
      hash: so the remaining chain always starts from a hash that really was in the chain.
    """
    create = [
        """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
           BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
        """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
           WHEN OLD.id > (SELECT cutoff_id FROM journal_anchor WHERE id = 1)
           BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
        """CREATE TRIGGER journal_anchor_no_delete BEFORE DELETE ON journal_anchor
           BEGIN SELECT RAISE(ABORT, 'journal anchor cannot be deleted'); END""",
        """CREATE TRIGGER journal_anchor_forward_only BEFORE UPDATE ON journal_anchor
           WHEN NEW.id != OLD.id
             OR NEW.cutoff_id <= OLD.cutoff_id
             OR NEW.anchor_hash IS NOT (SELECT hash FROM journal WHERE id = NEW.cutoff_id)
             OR (SELECT at FROM journal WHERE id = NEW.cutoff_id) >= datetime('now', '-12 months')
           BEGIN SELECT RAISE(ABORT, 'journal anchor may only move forward onto an old entry'); END""",
    ]
    drop = [
        "DROP TRIGGER IF EXISTS journal_anchor_forward_only",
        "DROP TRIGGER IF EXISTS journal_anchor_no_delete",
        "DROP TRIGGER IF EXISTS journal_no_delete",
        "DROP TRIGGER IF EXISTS journal_no_update",
    ]
    return create, drop


def journal_guard_ddl_v2() -> tuple[list[str], list[str]]:
    """(create, drop) of the guard since migration 0012 (keyed chain). Adds to the first version:

    - INSERT only at the head: id = last id + 1 and `at` not before the last entry's time, so a
      backdated row cannot be slipped in (SQLite compares the stored text, which sorts by time);
    - the anchor moves only onto a row such that every row up to it is older than 365 days
      (RETENTION_DAYS): a purge removes a prefix of old rows, never a recent one behind an old one.
    """
    create = [
        """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
           BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
        """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
           WHEN OLD.id > (SELECT cutoff_id FROM journal_anchor WHERE id = 1)
           BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
        """CREATE TRIGGER journal_insert_at_head BEFORE INSERT ON journal
           WHEN NEW.id IS NOT coalesce((SELECT max(id) FROM journal),
                                       (SELECT cutoff_id FROM journal_anchor WHERE id = 1)) + 1
             OR NEW.at < (SELECT at FROM journal ORDER BY id DESC LIMIT 1)
           BEGIN SELECT RAISE(ABORT, 'journal entries are appended at the head, in time order'); END""",
        """CREATE TRIGGER journal_anchor_no_delete BEFORE DELETE ON journal_anchor
           BEGIN SELECT RAISE(ABORT, 'journal anchor cannot be deleted'); END""",
        """CREATE TRIGGER journal_anchor_forward_only BEFORE UPDATE ON journal_anchor
           WHEN NEW.id != OLD.id
             OR NEW.cutoff_id <= OLD.cutoff_id
             OR NEW.anchor_hash IS NOT (SELECT hash FROM journal WHERE id = NEW.cutoff_id)
             OR EXISTS (SELECT 1 FROM journal WHERE id <= NEW.cutoff_id
                        AND at >= datetime('now', '-365 days'))
           BEGIN SELECT RAISE(ABORT, 'journal anchor may only move forward over old entries'); END""",
    ]
    drop = [
        "DROP TRIGGER IF EXISTS journal_anchor_forward_only",
        "DROP TRIGGER IF EXISTS journal_anchor_no_delete",
        "DROP TRIGGER IF EXISTS journal_insert_at_head",
        "DROP TRIGGER IF EXISTS journal_no_delete",
        "DROP TRIGGER IF EXISTS journal_no_update",
    ]
    return create, drop


class JournalImport(SQLModel, table=True):
    """The journal of a desk's store moved into a site store (`guichet site import`), kept as it was:
    same ids, times and hashes, so its own chain still verifies with that store's key. The site's
    journal holds one `site_imported` entry naming this copy's head. Append-only like the journal."""

    __tablename__ = "journal_import"

    source: str = Field(primary_key=True, max_length=40)  # the imported store's id
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_type=DateTime)
    agent_id: Optional[int] = Field(default=None)
    action: str = Field(max_length=40)
    object_ref: str = Field(default="", max_length=80)
    detail: str = Field(default="", max_length=400)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
