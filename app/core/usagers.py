"""Usagers: anonymous by default, a minimal identity only when a follow-up needs it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from app.core import journal
from app.core.context import Actor
from app.models.enums import AgeBand, Gender, SocialStatus, Territory
from app.models.errors import NotFound, ValidationError
from app.models.tables import Usager, utcnow
from app.models.validators import validate_commune_insee, validate_int, validate_person_name, validate_phone
from app.store import search_index

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,180}\.[A-Za-z]{2,24}$")


@dataclass
class UsagerInput:
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    birth_year: int | None = None
    age_band: str = AgeBand.NON_COMMUNIQUE
    gender: str = Gender.NON_COMMUNIQUE
    social_status: str = SocialStatus.NON_COMMUNIQUE
    commune_insee: str = ""
    territory: str = Territory.NON_COMMUNIQUE

    @property
    def is_identified(self) -> bool:
        return bool(self.first_name.strip() or self.last_name.strip())


def _clean_name(value: str, field: str, label: str) -> str | None:
    return validate_person_name(value, field, label) or None  # one policy for first and last names


def normalise_phone(value: str, field: str = "phone") -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    return validate_phone(value, field=field)  # E.164; overseas numbers; ASCII-strict


def _validate(data: UsagerInput) -> dict:
    first = _clean_name(data.first_name, "first_name", "Prénom")
    last = _clean_name(data.last_name, "last_name", "Nom")
    email = (data.email or "").strip() or None
    if email and not _EMAIL.match(email):
        raise ValidationError("Adresse électronique invalide.", field="email")
    year = data.birth_year
    if year is not None and year != "":
        year = validate_int(year, "birth_year", "Année de naissance", minimum=1900, maximum=date.today().year)
    else:
        year = None
    for value, enum, field, message in PROFILE_CHOICES:
        if getattr(data, value) not in {e.value for e in enum}:
            raise ValidationError(message, field=field)
    if year is not None and data.age_band != AgeBand.NON_COMMUNIQUE and age_band_for(year, date.today()) != data.age_band:
        raise ValidationError("La tranche d'âge ne correspond pas à l'année de naissance.", field="age_band")
    insee = (data.commune_insee or "").strip().upper() or None
    insee = validate_commune_insee(insee) if insee else None
    return dict(first_name=first, last_name=last, phone=normalise_phone(data.phone), email=email,
                birth_year=year, age_band=str(data.age_band), gender=str(data.gender),
                social_status=str(data.social_status), commune_insee=insee, territory=str(data.territory),
                anonymous=not (first or last))


# Profile fields: chosen from a list, « non communiqué » unless the agent recorded the usager's answer.
PROFILE_CHOICES = (("age_band", AgeBand, "age_band", "Tranche d'âge inconnue : choisissez-la dans la liste."),
                   ("gender", Gender, "gender", "Sexe inconnu : choisissez « Féminin », « Masculin » ou « Non communiqué »."),
                   ("territory", Territory, "territory",
                    "Lieu de résidence inconnu : choisissez QPV, ZRR, « Ni QPV ni ZRR » ou « Non communiqué »."),
                   ("social_status", SocialStatus, "social_status", "Situation inconnue."))
# The personal categories erasure and retention clear with the identity (app/core/rights.py, retention.py).
PROFILE_FIELDS = {"age_band": AgeBand.NON_COMMUNIQUE.value, "gender": Gender.NON_COMMUNIQUE.value,
                  "territory": Territory.NON_COMMUNIQUE.value, "social_status": SocialStatus.NON_COMMUNIQUE.value}
_BANDS = ((18, AgeBand.MOINS_18), (25, AgeBand.A18_24), (40, AgeBand.A25_39), (60, AgeBand.A40_59),
          (70, AgeBand.A60_69), (None, AgeBand.A70_PLUS))


def age_band_for(birth_year: int, on: date) -> str:
    """The age band of someone born in `birth_year`, by the age they reach in `on`'s year (a
    birth year has no day: the report of a month needs no more precision than the band)."""
    age = on.year - int(birth_year)
    return next(band for limit, band in _BANDS if limit is None or age < limit).value


def display_name(usager: Usager | None) -> str:
    if usager is None or usager.anonymous:
        return "Usager anonyme"
    return " ".join(filter(None, [usager.first_name, (usager.last_name or "").upper()]))


def index_usager(session: Session, usager: Usager) -> None:
    """Search row of a usager (derived data: called on commit by app/core/changes.py)."""
    body = " ".join(filter(None, [usager.first_name, usager.last_name, usager.phone, usager.email]))
    search_index.index_usager(session, usager.id, body if not usager.anonymous else "")


def create_usager(session: Session, actor: Actor, data: UsagerInput) -> Usager:
    actor.require("manage_usager")
    usager = Usager(structure_id=actor.structure_id, **_validate(data))
    session.add(usager)
    session.flush()
    journal.record(session, actor, "usager_created", journal.usager_ref(usager))
    return usager


def update_usager(session: Session, actor: Actor, usager_id: int, data: UsagerInput) -> Usager:
    actor.require("manage_usager")
    usager = get_usager(session, actor, usager_id)
    for key, value in _validate(data).items():
        setattr(usager, key, value)
    usager.updated_at = utcnow()
    session.add(usager)
    session.flush()
    journal.record(session, actor, "usager_updated", journal.usager_ref(usager))
    return usager


def get_usager(session: Session, actor: Actor, usager_id: int) -> Usager:
    """The usager, if they belong to one of the actor's structures; NotFound otherwise."""
    actor.require("read_cases")
    usager = session.get(Usager, usager_id)
    if usager is None or not actor.sees(usager.structure_id):
        raise NotFound("Usager introuvable.")
    return usager


def search_usagers(session: Session, actor: Actor, query: str, limit: int = 20) -> list[Usager]:
    """Identified usagers whose name, phone or e-mail starts with the typed words."""
    actor.require("search")
    # Matches of other structures are dropped after the FTS lookup (a short list of ids), so a
    # bus agent never finds the site's usagers; ask for a few more to fill the page anyway.
    ids = search_index.search_usager_ids(session, query, limit * 3)
    if not ids:
        return []
    rows = {u.id: u for u in session.exec(select(Usager).where(Usager.id.in_(ids),
                                                               Usager.structure_id.in_(sorted(actor.structure_ids))))}
    return [rows[i] for i in ids if i in rows][:limit]
