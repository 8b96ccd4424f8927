"""The national counts of each (structure, month) as last computed, and whether they may have moved.

A write that may move a month's national figures (an accompaniment, its partners, a survey
answer) marks the month `dirty` (app/core/changes.py). The sync status then recomputes only dirty
months; the others reuse `counts` (app/sync/pending.py). Every month that has accompaniments has
a row. Derived data: setting every row dirty is always safe, only slower.
"""

from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import Text
from sqlmodel import Field, SQLModel


class SyncMonthStatus(SQLModel, table=True):
    __tablename__ = "sync_month_status"

    structure_id: int = Field(primary_key=True)
    month: date = Field(primary_key=True)  # first day of the month
    dirty: bool = True
    counts: Optional[str] = Field(default=None, sa_type=Text)  # canonical JSON of the counts part of the snapshot, when clean
