"""Tables of the partner référents directory and of escalations (« Transmettre au partenaire »,
issue 20; migration 0020_referents).

A référent is professional contact data of a partner's employee (or a team's function), kept per
structure. An escalation hangs off a case (accompaniment): it goes with the case's history and
loses its note when the case is anonymised (app/core/rights.py:_strip).
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.models.tables import new_uuid, utcnow


class ReferentScope(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"
    DEPARTEMENTAL = "departemental"
    LOCAL = "local"


class ReferentChannel(StrEnum):
    TELEPHONE = "telephone"  # a line dedicated to France services
    EMAIL = "email"
    PORTAIL = "portail"  # Administration+, a partner's « espace partenaire »
    VISIO = "visio"  # a visio slot


class EscalationReason(StrEnum):
    DOSSIER_BLOQUE = "dossier_bloque"
    PIECE_MANQUANTE = "piece_manquante"
    DELAI_DEPASSE = "delai_depasse"
    ERREUR_DOSSIER = "erreur_dossier"
    RUPTURE_DROITS = "rupture_droits"
    AUTRE = "autre"


class EscalationOutcome(StrEnum):
    RESOLU = "resolu"
    PIECE_DEMANDEE = "piece_demandee"
    REFUS = "refus"
    REORIENTE = "reoriente"
    SANS_REPONSE = "sans_reponse"


class Referent(SQLModel, table=True):
    """One contact of the directory: a person or a function, reached by one channel."""

    id: Optional[int] = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, max_length=32, unique=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    partner_code: str = Field(foreign_key="partner.code", max_length=20)
    scope: str = Field(max_length=20)  # ReferentScope
    name: str = Field(max_length=120)  # a name or a function (« Référente partenariats »)
    channel: str = Field(max_length=20)  # ReferentChannel
    contact: str = Field(max_length=200)  # E.164 phone, e-mail, portal address or visio slot
    hours: str = Field(default="", max_length=120)
    notes: str = Field(default="", max_length=300)
    verified_on: Optional[date] = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


class Escalation(SQLModel, table=True):
    """A case sent to a partner, and its answer (answered_on and outcome, None while open)."""

    # Open escalations of a structure by expected date: the « À relancer » flag and the delays screen.
    __table_args__ = (Index("ix_escalation_structure_sent", "structure_id", "sent_on"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, max_length=32, unique=True)
    accompaniment_id: int = Field(foreign_key="accompaniment.id", index=True, ondelete="CASCADE")
    structure_id: int = Field(foreign_key="structure.id")  # the case's, copied for scope and counts
    partner_code: str = Field(foreign_key="partner.code", max_length=20)
    # the référent, if one was chosen; an erased référent leaves the partner and channel behind
    referent_id: Optional[int] = Field(
        default=None, sa_column=Column(Integer, ForeignKey("referent.id", ondelete="SET NULL"), nullable=True))
    channel: str = Field(max_length=20)  # ReferentChannel
    sent_on: date
    reason: str = Field(max_length=30)  # EscalationReason
    note: str = Field(default="", max_length=200)  # no sensitive detail (the form says so)
    expected_by: date
    answered_on: Optional[date] = None
    outcome: Optional[str] = Field(default=None, max_length=20)  # EscalationOutcome
    agent_id: int = Field(foreign_key="agent.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
