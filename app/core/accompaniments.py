"""Open, update, change the status of an accompaniment. Every write is one transaction
(the caller's `store.write()`, normally through the `Desk`); validation runs before anything is
added to the session, so a refused input never leaves a half-written record.

Scope: every function that takes an id checks that the record belongs to one of the actor's
structures and otherwise answers « introuvable » (app/core/context.py). Search rows and sync
marks are derived on commit (app/core/changes.py), not written here."""

from __future__ import annotations

import json
from dataclasses import dataclass, asdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from app.core import concurrency, reachability
from app.core.context import Actor
from app.core.usagers import UsagerInput, create_usager, display_name
from app.models.month import add_months
from app.models.enums import (Autonomy, Canal, CaseStatus, Finalisation, Mandate, ResponseType,
                              StructureKind, Thematique)
from app.models.errors import NotFound, ValidationError
from app.models.tables import (Accompaniment, AccompanimentEvent, AccompanimentProcedure, BusStop,
                               Partner, Procedure, Structure, Usager, utcnow)
from app.models.validators import validate_int, validate_text

NOTE_MAX = 500
EARLIEST = datetime(2019, 1, 1)


@dataclass
class ProcedureLine:
    partner_code: str
    procedure_code: str | None = None
    precision: str = ""


@dataclass
class AccompanimentInput:
    procedures: list[ProcedureLine]
    response_type: str = ResponseType.INFORMATION_ORIENTATION
    canal: str = Canal.GUICHET
    occurred_at: datetime | None = None
    duration_min: int = 15
    bus_stop_id: int | None = None
    thematique: str | None = None
    autonomy: str | None = None
    finalisation: str | None = None
    mandate: str = Mandate.AUCUN
    follow_up_on: date | None = None
    status: str | None = None  # None: "clos" unless a follow-up date is set
    note: str = ""
    usager_id: int | None = None
    new_usager: UsagerInput | None = None
    version: int | None = None  # the case's version when the form opened it (None: no check)


def _check_enum(value, enum, field_name: str, label: str, optional: bool = False):
    if value in (None, "") and optional:
        return None
    if value not in {e.value for e in enum}:
        raise ValidationError("{label} : choisissez une valeur dans la liste.", field=field_name, label=label)
    return str(value)


def _validate(session: Session, actor: Actor, data: AccompanimentInput, now: datetime,
              previous_occurred_at: datetime | None = None) -> tuple[dict, list]:
    """Checks every field; returns column values. Raises ValidationError naming the field."""
    if not data.procedures:
        raise ValidationError("Indiquez au moins une démarche ou un partenaire.", field="procedure")
    lines = []
    for line in data.procedures:
        if not session.get(Partner, line.partner_code or ""):
            raise ValidationError("Partenaire inconnu : {code}.", field="procedure", code=line.partner_code)
        if line.procedure_code:
            proc = session.get(Procedure, line.procedure_code)
            if proc is None:
                raise ValidationError("Démarche inconnue : {code}.", field="procedure", code=line.procedure_code)
            if proc.partner_code != line.partner_code:
                raise ValidationError("Cette démarche ne relève pas de ce partenaire.", field="procedure")
        precision = validate_text(line.precision, "procedure", "Précision", max_length=200)
        lines.append(ProcedureLine(line.partner_code, line.procedure_code or None, precision))

    structure = session.get(Structure, actor.structure_id)
    if structure is None:
        raise ValidationError("Structure inconnue : terminez la configuration.", field="structure")
    canal = _check_enum(data.canal, Canal, "canal", "Canal")
    bus_stop_id = data.bus_stop_id
    if canal == Canal.ITINERANT_BUS or (structure.kind == StructureKind.BUS and bus_stop_id):
        stop = session.get(BusStop, bus_stop_id) if bus_stop_id else None
        if stop is None or stop.structure_id != structure.id:
            raise ValidationError("Choisissez l'arrêt du bus où a lieu l'accompagnement.", field="bus_stop")
    else:
        bus_stop_id = None

    occurred_at = (data.occurred_at or now).replace(microsecond=0)
    check_occurred_at(session, occurred_at, now, unchanged=occurred_at == previous_occurred_at)
    duration = validate_int(data.duration_min, "duration", "Durée (minutes)", minimum=1, maximum=480)

    response_type = _check_enum(data.response_type, ResponseType, "response_type", "Type de réponse")
    mandate = _check_enum(data.mandate or Mandate.AUCUN, Mandate, "mandate", "Mandat")
    if response_type == ResponseType.DEMARCHE_REALISEE_SOUS_MANDAT and mandate == Mandate.AUCUN:
        raise ValidationError("Une démarche réalisée pour l'usager exige un mandat : précisez lequel.", field="mandate")
    thematique = data.thematique
    if not thematique and lines[0].procedure_code:
        thematique = session.get(Procedure, lines[0].procedure_code).thematique
    elif not thematique:  # « Autre démarche »: the partner's usual thématique, on create and edit alike
        thematique = default_thematique(session, lines[0].partner_code)
    thematique = _check_enum(thematique, Thematique, "thematique", "Thématique")

    follow_up = data.follow_up_on
    if follow_up is not None:
        if follow_up < occurred_at.date():
            raise ValidationError("La date de relance précède l'accompagnement.", field="follow_up_on")
        if follow_up > occurred_at.date() + timedelta(days=730):
            raise ValidationError("Date de relance : deux ans au plus.", field="follow_up_on")
    status = data.status or (CaseStatus.OUVERT if follow_up else CaseStatus.CLOS)
    status = _check_enum(status, CaseStatus, "status", "Statut")

    # Length first, on the text as typed: a pasted page is refused with its length, never cut.
    typed = len(data.note.strip()) if isinstance(data.note, str) else 0
    note = validate_text(data.note if typed <= NOTE_MAX else "", "note", "Note", max_length=NOTE_MAX,
                         multiline=True)
    if typed > NOTE_MAX:
        raise ValidationError("Note : {max} caractères au plus, {typed} saisis (pas d'informations sur la "
                              "situation personnelle). Raccourcissez-la.", field="note", max=NOTE_MAX, typed=typed)

    if data.usager_id is not None:
        usager = session.get(Usager, data.usager_id)
        if usager is None or not actor.sees(usager.structure_id):
            raise ValidationError("Usager introuvable.", field="usager")

    return dict(
        occurred_at=occurred_at, duration_min=duration, canal=canal, bus_stop_id=bus_stop_id,
        thematique=thematique, response_type=response_type,
        autonomy=_check_enum(data.autonomy, Autonomy, "autonomy", "Autonomie", optional=True),
        finalisation=_check_enum(data.finalisation, Finalisation, "finalisation", "Finalisation", optional=True),
        mandate=mandate, follow_up_on=follow_up, status=status, note=note,
    ), lines


def earliest_visit(session: Session, now: datetime) -> datetime:
    """The oldest moment a visit may be logged at: the retention window (`retention_months`
    before today; older visits would already have lost their identities), never before 2019."""
    from app import config  # the setting itself: app.core.retention imports this module's readers

    cutoff = add_months(now.date(), -config.RETENTION_MONTHS.get(session))
    return max(EARLIEST, datetime.combine(cutoff, time()))


def check_occurred_at(session: Session, occurred_at: datetime, now: datetime, unchanged: bool = False) -> None:
    """The visit's date and time: not in the future (5 minutes of clock drift allowed), not before
    the retention window. An edit that keeps the stored date is not refused for its age."""
    if occurred_at > now + timedelta(minutes=5):
        raise ValidationError("Date de l'accompagnement : elle ne peut pas être dans le futur (après le {now}).",
                              field="occurred_at", now=now.strftime("%d/%m/%Y %H:%M"))
    earliest = earliest_visit(session, now)
    if occurred_at < earliest and not unchanged:
        raise ValidationError("Date de l'accompagnement : le {earliest} au plus tôt (durée de conservation "
                              "des données).", field="occurred_at", earliest=earliest.strftime("%d/%m/%Y"))


def default_thematique(session: Session, partner_code: str) -> str:
    """Thématique of a free démarche (« Autre démarche »): the partner's most common one in the
    catalogue, or « papiers et citoyenneté » for a partner without démarches."""
    rows = session.exec(select(Procedure.thematique, func.count()).where(Procedure.partner_code == partner_code)
                        .group_by(Procedure.thematique).order_by(func.count().desc(), Procedure.thematique)).first()
    return rows[0] if rows else Thematique.PAPIERS_CITOYENNETE.value


def search_body(session: Session, acc: Accompaniment, lines: list[ProcedureLine]) -> str:
    parts = [acc.note]
    if acc.usager_id:
        u = session.get(Usager, acc.usager_id)
        if u and not u.anonymous:
            parts += [u.first_name or "", u.last_name or ""]
    for line in lines:
        partner = session.get(Partner, line.partner_code)
        parts += [partner.short_label, partner.former_label or "", line.precision]
        if line.procedure_code:
            parts.append(session.get(Procedure, line.procedure_code).label)
    return " ".join(p for p in parts if p)


def _write_lines(session: Session, acc_id: int, lines: list[ProcedureLine], new: bool = False) -> None:
    if not new:  # a case just inserted has no lines to replace (one query less per save)
        for old in session.exec(select(AccompanimentProcedure).where(AccompanimentProcedure.accompaniment_id == acc_id)):
            session.delete(old)
        session.flush()
    for pos, line in enumerate(lines):
        session.add(AccompanimentProcedure(accompaniment_id=acc_id, partner_code=line.partner_code,
                                           procedure_code=line.procedure_code, precision=line.precision,
                                           position=pos))


def open_accompaniment(session: Session, actor: Actor, data: AccompanimentInput,
                       now: datetime | None = None) -> Accompaniment:
    """Log an accompaniment (and its new usager, if any). Raises ValidationError, PermissionDenied."""
    actor.require("open_accompaniment")
    now = now or datetime.now()
    values, lines = _validate(session, actor, data, now)
    reachability.require_reachable(session, values["follow_up_on"], values["status"], data.usager_id, data.new_usager)
    usager_id = data.usager_id
    if data.new_usager is not None and data.new_usager.is_identified and usager_id is None:
        usager_id = create_usager(session, actor, data.new_usager).id
    acc = Accompaniment(structure_id=actor.structure_id, agent_id=actor.agent_id, usager_id=usager_id, **values)
    session.add(acc)
    session.flush()
    _write_lines(session, acc.id, lines, new=True)
    session.add(AccompanimentEvent(accompaniment_id=acc.id, agent_id=actor.agent_id, kind="created",
                                   detail=json.dumps({"status": acc.status}, ensure_ascii=False)))
    session.flush()
    return acc


def input_for(session: Session, actor: Actor, accompaniment_id: int) -> AccompanimentInput:
    """The editable fields of an accompaniment, as a form would hold them."""
    actor.require("read_cases")
    return _current_input(session, get_accompaniment(session, actor, accompaniment_id))


def _current_input(session: Session, acc: Accompaniment) -> AccompanimentInput:
    lines = [ProcedureLine(p.partner_code, p.procedure_code, p.precision)
             for p in procedure_lines(session, acc.id)]
    return AccompanimentInput(
        procedures=lines, response_type=acc.response_type, canal=acc.canal, occurred_at=acc.occurred_at,
        duration_min=acc.duration_min, bus_stop_id=acc.bus_stop_id, thematique=acc.thematique,
        autonomy=acc.autonomy, finalisation=acc.finalisation, mandate=acc.mandate,
        follow_up_on=acc.follow_up_on, status=acc.status, note=acc.note, usager_id=acc.usager_id,
        version=acc.version)


def update_accompaniment(session: Session, actor: Actor, accompaniment_id: int, data: AccompanimentInput,
                         now: datetime | None = None) -> Accompaniment:
    """Replace the editable fields; records each changed field in the history."""
    actor.require("update_accompaniment")
    get_accompaniment(session, actor, accompaniment_id)  # scope first
    acc = concurrency.lock_case(session, accompaniment_id)  # then the current row, locked
    concurrency.check_version(session, acc, data.version)
    before = _current_input(session, acc)
    now = now or datetime.now()
    values, lines = _validate(session, actor, data, max(now, acc.occurred_at), previous_occurred_at=acc.occurred_at)
    if reachability.is_new_follow_up(dict(follow_up_on=acc.follow_up_on, usager_id=acc.usager_id, status=acc.status),
                                     dict(values, usager_id=data.usager_id)):
        reachability.require_reachable(session, values["follow_up_on"], values["status"], data.usager_id)
    changes = {}
    for key, value in values.items():
        old = getattr(acc, key)
        if old != value:
            changes[key] = [_jsonable(old), _jsonable(value)]
            setattr(acc, key, value)
    if [asdict(x) for x in before.procedures] != [asdict(x) for x in lines]:
        changes["procedures"] = [[asdict(x) for x in before.procedures], [asdict(x) for x in lines]]
        _write_lines(session, acc.id, lines)
    if data.usager_id != acc.usager_id:
        changes["usager_id"] = [acc.usager_id, data.usager_id]
        acc.usager_id = data.usager_id
    if not changes:
        return acc
    acc.updated_at = utcnow()
    acc.version = (acc.version or 1) + 1
    session.add(acc)
    kind = "status" if set(changes) == {"status"} else "updated"
    session.add(AccompanimentEvent(accompaniment_id=acc.id, agent_id=actor.agent_id, kind=kind,
                                   detail=json.dumps(changes, ensure_ascii=False)))
    session.flush()
    return acc


def change_status(session: Session, actor: Actor, accompaniment_id: int, status: str,
                  follow_up_on: date | None | type(...) = ..., now: datetime | None = None) -> Accompaniment:
    """Move a case to another status (and optionally set or clear its follow-up date)."""
    actor.require("change_status")
    acc = get_accompaniment(session, actor, accompaniment_id)
    data = _current_input(session, acc)
    data.status = _check_enum(status, CaseStatus, "status", "Statut")
    if follow_up_on is not ...:
        data.follow_up_on = follow_up_on
    return update_accompaniment(session, actor, accompaniment_id, data, now=now)


def close_accompaniment(session: Session, actor: Actor, accompaniment_id: int,
                        finalisation: str | None = None) -> Accompaniment:
    actor.require("change_status")
    acc = get_accompaniment(session, actor, accompaniment_id)
    data = _current_input(session, acc)
    data.status = CaseStatus.CLOS
    if finalisation:
        data.finalisation = finalisation
    return update_accompaniment(session, actor, accompaniment_id, data)


def get_accompaniment(session: Session, actor: Actor, accompaniment_id: int) -> Accompaniment:
    """The accompaniment, if it exists and is in the actor's scope; NotFound otherwise."""
    actor.require("read_cases")
    acc = session.get(Accompaniment, accompaniment_id)
    if acc is None or not actor.sees(acc.structure_id):
        raise NotFound("Accompagnement introuvable.")
    return acc


def procedure_lines(session: Session, accompaniment_id: int) -> list[AccompanimentProcedure]:
    return list(session.exec(select(AccompanimentProcedure)
                             .where(AccompanimentProcedure.accompaniment_id == accompaniment_id)
                             .order_by(AccompanimentProcedure.position)))


def history(session: Session, actor: Actor, accompaniment_id: int) -> list[AccompanimentEvent]:
    get_accompaniment(session, actor, accompaniment_id)  # scope
    return list(session.exec(select(AccompanimentEvent)
                             .where(AccompanimentEvent.accompaniment_id == accompaniment_id)
                             .order_by(AccompanimentEvent.at, AccompanimentEvent.id)))


def last_input(session: Session, actor: Actor) -> AccompanimentInput | None:
    """The agent's previous entry, for « Répéter le dernier » (date, usager and note cleared)."""
    acc = session.exec(select(Accompaniment).where(Accompaniment.agent_id == actor.agent_id)
                       .order_by(Accompaniment.id.desc()).limit(1)).first()
    if acc is None:
        return None
    data = _current_input(session, acc)
    data.occurred_at = None
    data.usager_id = None
    data.note = ""
    data.follow_up_on = None
    data.status = None
    return data


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


__all__ = ["AccompanimentInput", "ProcedureLine", "default_thematique", "open_accompaniment", "update_accompaniment",
           "change_status", "close_accompaniment", "get_accompaniment", "procedure_lines", "history",
           "last_input", "input_for", "display_name"]
