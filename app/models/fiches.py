"""Store tables of « Fiches » (issue 19). The fiches themselves live in their own file
(app/store/fiches_base.py); the store keeps only what the site adds to them."""

from datetime import datetime
from typing import Optional

from sqlalchemy import Column, DateTime, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.models.tables import utcnow


class FicheNote(SQLModel, table=True):
    """A site's note on a fiche (« ici, le CCAS reçoit le mardi »), shown above it to the agents
    of that structure (and to supervisors of the store)."""

    __tablename__ = "fiche_note"

    id: Optional[int] = Field(default=None, primary_key=True)
    fiche_id: str = Field(max_length=12, index=True)
    structure_id: int = Field(foreign_key="structure.id")
    agent_id: int = Field(foreign_key="agent.id")
    text: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


class AccompanimentFiche(SQLModel, table=True):
    """« Information donnée avec la fiche F… » on an accompaniment. The title is copied so the
    monthly report names the fiche even after the base changed or was removed."""

    __tablename__ = "accompaniment_fiche"

    accompaniment_id: int = Field(sa_column=Column(Integer, ForeignKey("accompaniment.id", ondelete="CASCADE"),
                                                   primary_key=True))
    fiche_id: str = Field(max_length=12, primary_key=True)
    title: str = Field(default="", max_length=200)
