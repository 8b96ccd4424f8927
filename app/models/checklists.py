"""Tables of the moments de vie checklists (issue 4).

A moment started in a case keeps a snapshot of each step's definition (JSON), so a later
catalogue import never rewrites what the agent and the usager already agreed on.
"""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Column, DateTime, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from app.models.tables import new_uuid, utcnow


class ChecklistCatalogueImport(SQLModel, table=True):
    """A moments de vie catalogue imported by a supervisor; the newest active one is in use."""

    __tablename__ = "checklist_catalogue"

    id: Optional[int] = Field(default=None, primary_key=True)
    version: str = Field(max_length=20, unique=True)
    day: date
    file_name: str = Field(default="", max_length=200)
    content: str = Field(sa_type=Text)  # the validated bundle, JSON
    imported_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    agent_id: int = Field(foreign_key="agent.id")
    active: bool = True


class CaseMoment(SQLModel, table=True):
    """A moment de vie started in a case (accompaniment), with its event date."""

    __tablename__ = "case_moment"

    id: Optional[int] = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, max_length=32, unique=True)
    accompaniment_id: int = Field(foreign_key="accompaniment.id", index=True, ondelete="CASCADE")
    moment_id: str = Field(max_length=60)
    title: str = Field(max_length=120)
    catalogue_version: str = Field(max_length=20)
    event_date: date
    started_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    agent_id: int = Field(foreign_key="agent.id")


class CaseStep(SQLModel, table=True):
    """One step of a started moment: its definition snapshot and status."""

    __tablename__ = "case_step"

    id: Optional[int] = Field(default=None, primary_key=True)
    case_moment_id: int = Field(foreign_key="case_moment.id", index=True, ondelete="CASCADE")
    step_id: str = Field(max_length=60)
    position: int = 0
    definition: str = Field(sa_type=Text)  # JSON of the catalogue step when the moment started
    status: str = Field(default="a_faire", max_length=30)  # a_faire | fait | sans_objet | en_attente_partenaire
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    updated_by: Optional[int] = Field(default=None, foreign_key="agent.id")
    # the accompaniment logged when the step was done with the agent (kept if the step is re-opened)
    logged_accompaniment_id: Optional[int] = Field(
        default=None, sa_column=Column(Integer, ForeignKey("accompaniment.id", ondelete="SET NULL"), nullable=True))
