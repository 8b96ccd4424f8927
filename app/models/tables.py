"""SQLModel tables of the store. No Qt, no session logic: the services in app/core use these.

Conventions
- Vocabulary columns hold the enum *code* (see enums.py) as plain VARCHAR: portable SQL, and
  labels can be renamed in resources/ without a migration. Services validate codes.
- `occurred_at` is the desk's local wall-clock time (what the agent sees and what monthly
  reports group by); audit timestamps (`created_at`, `updated_at`, `at`) are UTC.
- Every record that leaves the device in any form carries a `uuid` (hex), never its rowid.
"""

import uuid as _uuid
from datetime import date, datetime, timezone
from typing import Optional

from sqlalchemy import DateTime, Index, event, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    # Naive UTC on purpose: SQLite has no time zones, and the column type says UTC.
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_uuid() -> str:
    return _uuid.uuid4().hex


class Structure(SQLModel, table=True):
    """A France services site (fixed) or a bus, identified by its national matricule."""

    id: Optional[int] = Field(default=None, primary_key=True)
    matricule: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=10)  # StructureKind
    commune: Optional[str] = Field(default=None, max_length=80)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


class BusStop(SQLModel, table=True):
    __tablename__ = "bus_stop"

    id: Optional[int] = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    name: str = Field(max_length=120)
    commune: Optional[str] = Field(default=None, max_length=80)
    active: bool = True


class Agent(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    login: str = Field(max_length=60, unique=True)
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=20, default="agent")  # Role
    password_hash: Optional[str] = Field(default=None, max_length=200)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


class Partner(SQLModel, table=True):
    """National or local partner administration; rows mirror resources/catalogues/partners.csv
    plus local partners added on site. Renames keep the code (history stays comparable)."""

    code: str = Field(primary_key=True, max_length=20)
    label: str = Field(max_length=160)
    short_label: str = Field(max_length=60)
    scope: str = Field(max_length=10)  # national | local
    valid_from: Optional[date] = None
    valid_to: Optional[date] = None
    former_label: Optional[str] = Field(default=None, max_length=120)
    renamed_on: Optional[date] = None
    website: Optional[str] = Field(default=None, max_length=200)
    phone: Optional[str] = Field(default=None, max_length=30)


class Procedure(SQLModel, table=True):
    """A démarche of the catalogue (e.g. « Carte grise – changement de titulaire »)."""

    code: str = Field(primary_key=True, max_length=60)
    partner_code: str = Field(foreign_key="partner.code", index=True, max_length=20)
    label: str = Field(max_length=200)
    thematique: str = Field(max_length=40)  # Thematique
    keywords: str = Field(default="", max_length=400)
    active: bool = True


class Usager(SQLModel, table=True):
    """A person helped. Anonymous by default; a minimal identity only when a follow-up needs it.
    Never: social situation, passwords, NIR."""

    id: Optional[int] = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, max_length=32, unique=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    anonymous: bool = True
    first_name: Optional[str] = Field(default=None, max_length=80)
    last_name: Optional[str] = Field(default=None, max_length=80)
    phone: Optional[str] = Field(default=None, max_length=20)  # E.164
    email: Optional[str] = Field(default=None, max_length=120)
    birth_year: Optional[int] = None
    age_band: str = Field(default="non_communique", max_length=20)
    gender: str = Field(default="non_communique", max_length=20)
    social_status: str = Field(default="non_communique", max_length=20)
    commune_insee: Optional[str] = Field(default=None, max_length=5)
    territory: str = Field(default="non_communique", max_length=20)  # Territory (0016_usager_profile)
    last_contact_on: Optional[date] = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


# The « à relancer » index is partial on both back ends. Its `postgresql_where` is not passed to
# Index() above: SQLAlchemy validates dialect keywords by importing that dialect (19 modules, 40–60 ms
# at every start on SQLite). It is set on the Index when a PostgreSQL schema is created (the
# `before_create` hook below) or compared (migrations/env.py calls partial_index_options).
OPEN_FOLLOW_UP = "status IN ('ouvert', 'en_attente_partenaire')"


def partial_index_options(dialect_name: str) -> None:
    """Give the partial indexes their WHERE for `dialect_name` (a no-op for SQLite, set above)."""
    if dialect_name == "postgresql":
        index = next(i for i in Accompaniment.__table__.indexes if i.name == "ix_accompaniment_open_follow_up")
        index.dialect_options["postgresql"]["where"] = text(OPEN_FOLLOW_UP)


class Accompaniment(SQLModel, table=True):
    """One accompanied visit (« accompagnement »): the unit every count is made of."""

    # Monthly counts per structure (reports, national snapshots) walk this index.
    __table_args__ = (
        Index("ix_accompaniment_structure_occurred", "structure_id", "occurred_at"),
        Index("ix_accompaniment_open_follow_up", "structure_id", "follow_up_on",
              sqlite_where=text(OPEN_FOLLOW_UP)),  # and postgresql_where: see partial_index_options
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, max_length=32, unique=True)
    structure_id: int = Field(foreign_key="structure.id")  # indexed with occurred_at, below
    agent_id: int = Field(foreign_key="agent.id", index=True)
    usager_id: Optional[int] = Field(default=None, foreign_key="usager.id", index=True)
    occurred_at: datetime = Field(index=True, sa_type=DateTime)
    duration_min: int = 15
    canal: str = Field(max_length=20)
    bus_stop_id: Optional[int] = Field(default=None, foreign_key="bus_stop.id")
    thematique: str = Field(max_length=40)
    response_type: str = Field(max_length=40)
    autonomy: Optional[str] = Field(default=None, max_length=30)
    finalisation: Optional[str] = Field(default=None, max_length=30)
    mandate: str = Field(default="aucun", max_length=20)
    follow_up_on: Optional[date] = Field(default=None, index=True)
    status: str = Field(default="ouvert", max_length=30)  # not indexed: never selective (0009)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    # +1 at each change: a form saving over a version it did not open is refused (app/core/concurrency.py)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class AccompanimentProcedure(SQLModel, table=True):
    """The démarche(s) handled in an accompaniment; partner_code is kept even for a free
    démarche so that counts by partner never depend on the catalogue."""

    __tablename__ = "accompaniment_procedure"

    id: Optional[int] = Field(default=None, primary_key=True)
    accompaniment_id: int = Field(foreign_key="accompaniment.id", index=True, ondelete="CASCADE")
    partner_code: str = Field(foreign_key="partner.code", index=True, max_length=20)
    procedure_code: Optional[str] = Field(default=None, foreign_key="procedure.code", max_length=60)
    precision: str = Field(default="", max_length=200)
    position: int = 0


class AccompanimentEvent(SQLModel, table=True):
    """History of a case: creation, each field change, each status change."""

    __tablename__ = "accompaniment_event"

    id: Optional[int] = Field(default=None, primary_key=True)
    accompaniment_id: int = Field(foreign_key="accompaniment.id", index=True, ondelete="CASCADE")
    agent_id: Optional[int] = Field(default=None, foreign_key="agent.id")
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    kind: str = Field(max_length=20)  # created | updated | status
    detail: str = Field(default="", max_length=2000)  # JSON {field: [old, new]}


class FavouriteProcedure(SQLModel, table=True):
    __tablename__ = "favourite_procedure"

    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    procedure_code: str = Field(foreign_key="procedure.code", primary_key=True, max_length=60)
    position: int = 0


class Setting(SQLModel, table=True):
    """Store-wide settings (structure in use, retention months…); per-user UI prefs live in QSettings."""

    key: str = Field(primary_key=True, max_length=80)
    value: str = Field(default="", max_length=2000)


@event.listens_for(Accompaniment.__table__, "before_create")
def _partial_where(table, connection, **_kw) -> None:
    partial_index_options(connection.dialect.name)
