"""The sync status of each (structure, month) as last evaluated, and whether it must be re-evaluated.

A write that may move a month's national figures marks it `dirty` (app/core/changes.py); the
status bar re-evaluates only dirty months (app/sync/pending.py). A month with no row has never
been seen: it is evaluated like a dirty one. Derived data: dropping every row is always safe.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class SyncMonthStatus(SQLModel, table=True):
    __tablename__ = "sync_month_status"

    structure_id: int = Field(primary_key=True)
    month: date = Field(primary_key=True)  # first day of the month
    dirty: bool = True
    pending: bool = False
    rejected: bool = False
    needs_correction: bool = False
