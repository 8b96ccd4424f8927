"""Tables of the national sync: one row per (structure, month) and the sync journal.

The month row is the client's outbox for absolute totals: it remembers which snapshot hash was
last put on the wire (`sent_hash`, persisted *before* the request leaves) and which one the server
confirmed (`accepted_hash`). The month's state is derived from these and the current local hash
(see app/sync/state.py), so no state can drift from the data it describes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.tables import utcnow


class SyncMonth(SQLModel, table=True):
    __tablename__ = "sync_month"
    __table_args__ = (UniqueConstraint("structure_id", "month", name="uq_sync_month_structure_month"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    month: date  # first day of the month
    sent_hash: Optional[str] = Field(default=None, max_length=64)      # last hash put on the wire
    sent_sequence: Optional[int] = None
    sent_at: Optional[datetime] = Field(default=None, sa_type=DateTime)
    accepted_hash: Optional[str] = Field(default=None, max_length=64)  # last hash the server echoed
    accepted_at: Optional[datetime] = Field(default=None, sa_type=DateTime)
    rejected_hash: Optional[str] = Field(default=None, max_length=64)  # hash the server refused
    reason: str = Field(default="", max_length=500)                    # server's reason / flag
    closed_hash: Optional[str] = Field(default=None, max_length=64)    # content hash validated at closing
    closed_by: Optional[int] = Field(default=None, foreign_key="agent.id")
    closed_at: Optional[datetime] = Field(default=None, sa_type=DateTime)
    correction_reason: str = Field(default="", max_length=300)
    held_hash: Optional[str] = Field(default=None, max_length=64)      # held back: changed under a wrong clock
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


class SyncJournal(SQLModel, table=True):
    """Every attempt (and every closing, correction, reconciliation), readable by supervisors."""

    __tablename__ = "sync_journal"

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime, index=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    month: Optional[date] = None
    kind: str = Field(max_length=20)  # envoi | cloture | correction | rapprochement | export
    hash: str = Field(default="", max_length=64)
    transport: str = Field(default="", max_length=20)
    attempt: int = 0                   # 1 for the first try of a month in a run, 2 for the first retry…
    outcome: str = Field(default="", max_length=20)  # en_cours | accepte | reessai | rejete | jeton | interrompu…
    http_status: Optional[int] = None
    answer: str = Field(default="", max_length=500)  # server's answer, shortened
    agent_id: Optional[int] = Field(default=None, foreign_key="agent.id")
