"""Satisfaction survey responses (Services Publics+ dimensions), stored anonymously.

Anonymity is a property of the schema, not of the code that writes it:
- no column points to a usager, an accompaniment or an agent (no FK, no id, no uuid of theirs);
- the day is stored, never a time: `answered_on` is a DATE and there is no created_at/updated_at,
  so a response cannot be matched to an accompaniment by its exact timestamp;
- only what the reports group by is kept: structure, canal (and bus stop), partner and
  thématique (the démarche category), and where it came from (screen or paper).
tests/surveys/test_anonymity.py checks these properties on the live schema.
"""

from datetime import date
from typing import Optional

from sqlmodel import Field, SQLModel

from app.models.tables import new_uuid

DIMENSIONS = ("satisfaction_globale", "facilite_acces", "delais", "simplicite", "qualite_accueil")
"""The five Services Publics+ / Baromètre dimensions, in the order the usager sees them."""


class SurveyResponse(SQLModel, table=True):
    __tablename__ = "survey_response"

    id: Optional[int] = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, max_length=32, unique=True)  # for the national sync
    answered_on: date = Field(index=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    canal: str = Field(max_length=20)  # Canal code
    bus_stop_id: Optional[int] = Field(default=None, foreign_key="bus_stop.id")
    partner_code: Optional[str] = Field(default=None, foreign_key="partner.code", max_length=20, index=True)
    thematique: Optional[str] = Field(default=None, max_length=40)  # Thematique code
    source: str = Field(default="ecran", max_length=10)  # ecran | papier
    # Scores 1..5; None = question skipped.
    satisfaction_globale: Optional[int] = None
    facilite_acces: Optional[int] = None
    delais: Optional[int] = None
    simplicite: Optional[int] = None
    qualite_accueil: Optional[int] = None
    demarche_aboutie: Optional[bool] = None
    comment: str = Field(default="", max_length=400)  # masked before saving (app.core.surveys)
