"""Call attempts on a follow-up (« À relancer »): who called, when, what came of it.

A row hangs off its accompaniment (deleted with it); it carries no identity of its own, only a
short note which retention and erasure blank like the case's note (app/core/rights.py). It is
not counted anywhere: neither the monthly report nor the national sync read this table
(docs/sync-contract.md lists what is sent).
"""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from app.models.tables import utcnow


class CallAttempt(SQLModel, table=True):
    __tablename__ = "call_attempt"

    id: Optional[int] = Field(default=None, primary_key=True)
    accompaniment_id: int = Field(foreign_key="accompaniment.id", index=True, ondelete="CASCADE")
    agent_id: int = Field(foreign_key="agent.id")
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime)  # UTC, like every audit time
    outcome: str = Field(max_length=20)  # CallOutcome
    note: str = Field(default="", max_length=200)
    next_follow_up_on: Optional[date] = None  # the case's new relance date set by this call, if any
