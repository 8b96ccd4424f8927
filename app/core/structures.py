"""Structures, bus stops and agents: what a site is made of."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from app import config
from app.models.enums import Role, StructureKind
from app.models.errors import NotFound, ValidationError
from app.models.tables import Agent, BusStop, Setting, Structure
from app.models.validators import validate_text

_MATRICULE = re.compile(r"^[0-9]{1,12}$")
MATRICULE_MIN = 5  # digits: the demo site has 10023, the tests 100001; « 12 » is a typo
CURRENT_STRUCTURE_KEY = config.CURRENT_STRUCTURE_ID.name


def validate_matricule(value: str) -> str:
    """France services matricules are numeric identifiers (ANCT open data): ASCII digits only,
    5 to 12 of them."""
    value = (value or "").strip()
    if not value:
        raise ValidationError("Le matricule France services est obligatoire.", field="matricule")
    if not _MATRICULE.match(value) or not value.isascii():
        raise ValidationError("Le matricule France services ne contient que des chiffres (12 au plus).", field="matricule")
    if len(value) < MATRICULE_MIN:
        # « 12 » is a typo or a counter number, not a label: it would file the national figures under it.
        raise ValidationError("Le matricule France services compte de {low} à 12 chiffres (par exemple 10023) : "
                              "« {value} » est trop court. Il figure sur la convention de labellisation.",
                              field="matricule", low=MATRICULE_MIN, value=value)
    return value


def create_structure(session: Session, matricule: str, name: str, kind: str = StructureKind.FIXE,
                     commune: str | None = None, stops: list[str] | None = None) -> Structure:
    matricule = validate_matricule(matricule)
    name = _structure_name(name)
    commune = validate_text(commune, "commune", "Commune", max_length=80) or None
    if kind not in {k.value for k in StructureKind}:
        raise ValidationError("Type de structure inconnu.", field="kind")
    stops = [n for n in (_stop_name(x) for x in stops or []) if n]  # checked before any write
    if session.exec(select(Structure).where(Structure.matricule == matricule)).first():
        raise ValidationError("Une structure porte déjà le matricule {matricule}.", field="matricule",
                              matricule=matricule)
    structure = Structure(matricule=matricule, name=name, kind=str(kind), commune=commune)
    session.add(structure)
    session.flush()
    for stop in stops or []:
        add_bus_stop(session, structure.id, stop)
    return structure


def _structure_name(name: str) -> str:
    name = validate_text(name, "name", "Nom de la structure", max_length=120)
    if not name:
        raise ValidationError("Le nom de la structure est obligatoire.", field="name")
    return name


def _stop_name(name: str) -> str:
    return validate_text(name, "stop", "Nom de l'arrêt", max_length=120)


def check_stops(kind: str, stops: list[str]) -> list[str]:
    """A bus needs at least one stop; names are unique. Raises ValidationError(field='stop')."""
    names = [n for n in (_stop_name(s) for s in stops) if n]
    if kind == StructureKind.BUS.value and not names:
        raise ValidationError("Indiquez au moins un arrêt du bus (un par ligne).", field="stop")
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise ValidationError("L'arrêt « {name} » est indiqué deux fois.", field="stop", name=name)
        seen.add(name.casefold())
    return names if kind == StructureKind.BUS.value else []


def update_structure(session: Session, actor, *, matricule: str, name: str, new_stops: list[str],
                     removed_stop_ids: list[int]) -> Structure:
    """Rename / renumber the agent's structure, add and withdraw bus stops.
    Raises PermissionDenied, ValidationError(field); nothing is written then."""
    actor.require("setup_structure")
    site = get_structure(session, actor.structure_id)
    matricule = validate_matricule(matricule)
    clash = session.exec(select(Structure).where(Structure.matricule == matricule, Structure.id != site.id)).first()
    if clash:
        raise ValidationError("Une structure porte déjà le matricule {matricule}.", field="matricule",
                              matricule=matricule)
    name = _structure_name(name)
    current = bus_stops(session, site.id) if site.kind == StructureKind.BUS.value else []
    if site.kind == StructureKind.BUS.value:
        kept = [s.name for s in current if s.id not in removed_stop_ids]
        check_stops(site.kind, kept + list(new_stops))  # a bus keeps at least one stop, no duplicates
        new_stops = [n for n in (_stop_name(x) for x in new_stops) if n]  # checked before any write
    site.matricule, site.name = matricule, name
    session.add(site)
    for stop in current:
        if stop.id in removed_stop_ids:
            stop.active = False  # withdrawn, not deleted: past accompaniments point to it
            session.add(stop)
    for stop_name in new_stops if site.kind == StructureKind.BUS.value else []:
        add_bus_stop(session, site.id, stop_name)
    return site


def add_bus_stop(session: Session, structure_id: int, name: str, commune: str | None = None) -> BusStop:
    name = _stop_name(name)
    if not name:
        raise ValidationError("Le nom de l'arrêt est obligatoire.", field="stop")
    commune = validate_text(commune, "commune", "Commune", max_length=80) or None
    stop = BusStop(structure_id=structure_id, name=name, commune=commune)
    session.add(stop)
    session.flush()
    return stop


def create_agent(session: Session, structure_id: int, login: str, display_name: str,
                 role: str = Role.AGENT) -> Agent:
    login = (login or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9._-]{2,60}", login):
        raise ValidationError("Identifiant : 2 à 60 caractères parmi a-z, 0-9, . _ -", field="login")
    if role not in {r.value for r in Role}:
        raise ValidationError("Rôle inconnu.", field="role")
    if session.exec(select(Agent).where(Agent.login == login)).first():
        raise ValidationError("L'identifiant « {login} » existe déjà.", field="login", login=login)
    display_name = validate_text(display_name, "display_name", "Nom affiché", max_length=120) or login
    agent = Agent(structure_id=structure_id, login=login, display_name=display_name, role=str(role))
    session.add(agent)
    session.flush()
    return agent


def structures(session: Session) -> list[Structure]:
    return list(session.exec(select(Structure).order_by(Structure.id)))


def get_structure(session: Session, structure_id: int) -> Structure:
    structure = session.get(Structure, structure_id)
    if structure is None:
        raise NotFound("Structure introuvable.")
    return structure


def bus_stops(session: Session, structure_id: int) -> list[BusStop]:
    return list(session.exec(select(BusStop).where(BusStop.structure_id == structure_id, BusStop.active == True)  # noqa: E712
                             .order_by(BusStop.id)))


def agents(session: Session, structure_id: int | None = None) -> list[Agent]:
    query = select(Agent).where(Agent.active == True)  # noqa: E712
    if structure_id is not None:
        query = query.where(Agent.structure_id == structure_id)
    return list(session.exec(query.order_by(Agent.id)))


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else default


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key) or Setting(key=key)
    row.value = value
    session.add(row)


# ----------------------------------------------------------------------------- structure settings
# The national service's address is a store setting the « Paramètres » screen saves together with
# the structure (one transaction). Its rule lives here, below the sync package that reads it
# (app.sync.settings uses these two names), so core never imports sync.

def validate_service_url(url: str) -> str:
    """The cleaned address. Raises ValidationError(field="url"): the rule is declared once, with the
    setting (app/config.py)."""
    return config.SYNC_SERVICE_URL.validate(url or "")


def save_structure_settings(session: Session, actor, *, matricule: str, name: str, new_stops: list[str],
                            removed_stop_ids: list[int], service_url: str) -> Structure:
    """« Paramètres › Enregistrer »: structure identity, stops added/withdrawn, service URL, in the
    caller's one transaction. Raises PermissionDenied, ValidationError(field) — nothing written then."""
    site = update_structure(session, actor, matricule=matricule, name=name, new_stops=new_stops,
                            removed_stop_ids=removed_stop_ids)
    url = (service_url or "").strip()
    if url or config.SYNC_SERVICE_URL.get(session):
        config.SYNC_SERVICE_URL.set(session, url or None)
    return site
