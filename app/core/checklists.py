"""Moments de vie in a case: start one with its event date, follow its steps, log the
accompaniment when a step is done with the agent, show progress, import a new catalogue.

Statuses of a step: à faire, fait, sans objet (does not apply: not counted in progress),
en attente du partenaire. Progress is « fait / (all − sans objet) ».
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import case, func
from sqlmodel import Session, select

from app.core.accompaniments import AccompanimentInput, ProcedureLine, get_accompaniment, open_accompaniment
from app.core.checklist_catalogue import (STEP_STATUSES, ChecklistCatalogue, Deadline, load_bundled,
                                          parse_bundle, parse_deadline, to_bundle, version_key)
from app.core.context import Actor
from app.models.catalogue import catalogue as reference_catalogue
from app.models.checklists import CaseMoment, CaseStep, ChecklistCatalogueImport
from app.models.enums import CaseStatus, Finalisation, ResponseType
from app.models.errors import NotFound, ValidationError
from app.models.tables import Agent, Structure, Usager, utcnow

STATUS_LABELS = {"a_faire": "À faire", "fait": "Fait", "sans_objet": "Sans objet",
                 "en_attente_partenaire": "En attente du partenaire"}
EVENT_RANGE_DAYS = 5 * 366  # a death 5 years ago or a retirement 5 years ahead, not further


# --- catalogue in use ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def bundled_catalogue() -> ChecklistCatalogue:
    return load_bundled()


@lru_cache(maxsize=4)
def _imported(row_id: int, content: str, file_name: str) -> ChecklistCatalogue:
    return parse_bundle(content, file_name)


def _active_import(session: Session) -> ChecklistCatalogueImport | None:
    rows = session.exec(select(ChecklistCatalogueImport).where(ChecklistCatalogueImport.active)).all()
    return max(rows, key=lambda r: version_key(r.version), default=None)


def current_catalogue(session: Session) -> ChecklistCatalogue:
    """The newest imported catalogue if any (and newer than the bundled one), else the bundled one."""
    bundled = bundled_catalogue()
    row = _active_import(session)
    if row is None or version_key(row.version) <= version_key(bundled.version):
        return bundled
    return _imported(row.id, row.content, row.file_name)


@dataclass(frozen=True)
class CatalogueInfo:
    version: str
    day: date
    origin: str  # « livré avec Guichet » or the imported file name
    imported_at: datetime | None
    imported_by: str | None
    moments: list[tuple[str, str, int]]  # id, title, number of steps


def catalogue_info(session: Session) -> CatalogueInfo:
    cat = current_catalogue(session)
    row = _active_import(session) if cat.origin != "bundled" else None
    by = session.get(Agent, row.agent_id).display_name if row else None
    return CatalogueInfo(cat.version, cat.day, "livré avec Guichet" if row is None else row.file_name,
                         row.imported_at if row else None, by,
                         [(m.id, m.title, len(m.steps)) for m in cat.moments.values()])


def import_catalogue(session: Session, actor: Actor, text: str, file_name: str) -> ChecklistCatalogue:
    """Validate a bundle file, then make it the catalogue in use. Raises CatalogueError, ValidationError."""
    actor.require("import_checklist_catalogue")
    new = parse_bundle(text, file_name)  # everything is checked before anything is written
    in_use = current_catalogue(session)
    if version_key(new.version) <= version_key(in_use.version):
        raise ValidationError("La version {version} n'est pas plus récente que la version en service ({current}). Augmentez "
                              "le numéro de version du fichier.", field="file",
                              version=new.version, current=in_use.version)
    session.add(ChecklistCatalogueImport(version=new.version, day=new.day, file_name=file_name[:200],
                                         content=json.dumps(to_bundle(new), ensure_ascii=False),
                                         agent_id=actor.agent_id))
    session.flush()
    return new


# --- moments in a case --------------------------------------------------------------------------

def start_moment(session: Session, actor: Actor, accompaniment_id: int, moment_id: str, event_date: date,
                 sections: list[str] | None = None, today: date | None = None) -> CaseMoment:
    """Start a moment de vie in a case. Steps of unselected sections start « sans objet ».
    Raises ValidationError (field moment, event_date or sections), NotFound."""
    actor.require("manage_checklists")
    today = today or date.today()
    acc = get_accompaniment(session, actor, accompaniment_id)
    if acc.status == CaseStatus.ANNULE:
        raise ValidationError("Ce dossier est annulé : on ne peut pas y démarrer un moment de vie.", field="moment")
    cat = current_catalogue(session)
    moment = cat.get(moment_id or "")
    if moment is None:
        raise ValidationError("Choisissez un moment de vie dans la liste.", field="moment")
    if not isinstance(event_date, date) or isinstance(event_date, datetime):
        raise ValidationError("{date_label} : indiquez une date.", field="event_date", date_label=moment.date_label)
    if abs((event_date - today).days) > EVENT_RANGE_DAYS:
        raise ValidationError("{date_label} : la date doit être à moins de 5 ans d'aujourd'hui.",
                              field="event_date", date_label=moment.date_label)
    running = session.exec(select(CaseMoment).where(CaseMoment.accompaniment_id == acc.id,
                                                    CaseMoment.moment_id == moment.id)).first()
    if running is not None:
        raise ValidationError("« {title} » est déjà en cours dans ce dossier.", field="moment", title=moment.title)
    all_sections = [s for s, _ in moment.sections]
    chosen = set(all_sections if sections is None else sections)
    if chosen - set(all_sections):
        raise ValidationError("Section inconnue pour ce moment de vie.", field="sections")
    if all_sections and not chosen:
        raise ValidationError("Cochez au moins une situation.", field="sections")
    row = CaseMoment(accompaniment_id=acc.id, moment_id=moment.id, title=moment.title,
                     catalogue_version=cat.version, event_date=event_date, agent_id=actor.agent_id)
    session.add(row)
    session.flush()
    for position, step in enumerate(moment.steps):
        status = "sans_objet" if step.section and step.section not in chosen else "a_faire"
        session.add(CaseStep(case_moment_id=row.id, step_id=step.id, position=position, status=status,
                             definition=json.dumps(step.raw, ensure_ascii=False), updated_by=actor.agent_id))
    session.flush()
    return row


@dataclass(frozen=True)
class StepView:
    id: int  # case_step id
    step_id: str
    title: str
    text: str
    kind: str
    partner: str | None
    where: str  # partner short label or organisme
    procedure: str | None
    procedure_label: str
    deadline: Deadline
    due: date | None
    precision: str | None
    condition: str | None
    documents: tuple[str, ...]
    link: str | None
    phone: str | None
    status: str
    overdue: bool
    verified: bool
    logged_accompaniment_id: int | None

    @property
    def open(self) -> bool:
        return self.status in ("a_faire", "en_attente_partenaire")


@dataclass(frozen=True)
class MomentView:
    id: int
    moment_id: str
    title: str
    event_date: date
    date_label: str
    catalogue_version: str
    steps: list[StepView]

    @property
    def progress(self) -> tuple[int, int]:
        counted = [s for s in self.steps if s.status != "sans_objet"]
        return sum(s.status == "fait" for s in counted), len(counted)

    def groups(self) -> list[tuple[Deadline, date | None, list[StepView]]]:
        """Steps grouped by deadline, earliest first."""
        by: dict[str, tuple[Deadline, date | None, list[StepView]]] = {}
        for s in self.steps:
            by.setdefault(s.deadline.text, (s.deadline, s.due, []))[2].append(s)
        return sorted(by.values(), key=lambda g: g[0].sort_key)


def _view(step: CaseStep, event: date, today: date) -> StepView:
    raw = json.loads(step.definition)
    ref = reference_catalogue()
    partner = ref.partners.get(raw.get("partenaire") or "")
    proc = ref.procedures.get(raw.get("demarche") or "")
    deadline = parse_deadline(raw["delai"])
    due = deadline.due(event)
    open_ = step.status in ("a_faire", "en_attente_partenaire")
    return StepView(
        id=step.id, step_id=step.step_id, title=raw["titre"], text=raw["texte"], kind=raw["type"],
        partner=partner.code if partner else None,
        where=raw.get("organisme") or (partner.short_label if partner else ""),
        procedure=proc.code if proc else None, procedure_label=proc.label if proc else "",
        deadline=deadline, due=due, precision=raw.get("precision_delai"), condition=raw.get("condition"),
        documents=tuple(raw.get("pieces", [])), link=raw.get("lien") or (partner.website if partner else None),
        phone=raw.get("telephone") or (partner.phone if partner else None), status=step.status,
        overdue=bool(open_ and due is not None and due < today), verified=raw.get("verifie", True),
        logged_accompaniment_id=step.logged_accompaniment_id)


def moments_for_case(session: Session, actor: Actor, accompaniment_id: int,
                     today: date | None = None) -> list[MomentView]:
    """The moments de vie of a case, with due dates and overdue flags computed for `today`."""
    get_accompaniment(session, actor, accompaniment_id)  # permission and scope
    today = today or date.today()
    cat = current_catalogue(session)
    views = []
    for m in session.exec(select(CaseMoment).where(CaseMoment.accompaniment_id == accompaniment_id)
                          .order_by(CaseMoment.id)):
        steps = session.exec(select(CaseStep).where(CaseStep.case_moment_id == m.id).order_by(CaseStep.position))
        definition = cat.get(m.moment_id)
        views.append(MomentView(m.id, m.moment_id, m.title, m.event_date,
                                definition.date_label if definition else "Date de l'événement",
                                m.catalogue_version, [_view(s, m.event_date, today) for s in steps]))
    return views


def set_step_status(session: Session, actor: Actor, case_step_id: int, status: str, *,
                    log_accompaniment: bool = False,
                    response_type: str = ResponseType.DEMARCHE_REALISEE_AVEC_USAGER,
                    now: datetime | None = None) -> CaseStep:
    """Change a step's status. With log_accompaniment (status « fait » only), log in the same
    transaction an accompaniment for the step's partner and démarche. Raises ValidationError."""
    actor.require("manage_checklists")
    if status not in STEP_STATUSES:
        raise ValidationError("Statut d'étape inconnu.", field="status")
    step = session.get(CaseStep, case_step_id)
    if step is None:
        raise NotFound("Étape introuvable.")
    moment = session.get(CaseMoment, step.case_moment_id)
    get_accompaniment(session, actor, moment.accompaniment_id)  # scope: another structure's step is « introuvable »
    raw = json.loads(step.definition)
    if log_accompaniment:
        if status != "fait":
            raise ValidationError("Seule une étape faite peut être enregistrée comme accompagnement.", field="status")
        if not raw.get("partenaire"):
            raise ValidationError("« {title} » ne relève pas d'un partenaire France services : cochez « Fait » sans enregistrer "
                                  "d'accompagnement.", field="status", title=raw['titre'])
        if step.logged_accompaniment_id is not None:
            raise ValidationError("Un accompagnement est déjà enregistré pour cette étape.", field="status")
        case_ = get_accompaniment(session, actor, moment.accompaniment_id)
        note = f"Moment de vie « {moment.title} » — {raw['titre']}"[:500]
        data = AccompanimentInput(
            procedures=[ProcedureLine(raw["partenaire"], raw.get("demarche"))], response_type=response_type,
            canal=case_.canal, bus_stop_id=case_.bus_stop_id, usager_id=case_.usager_id,
            # a step with a partner but no démarche takes the case's theme
            thematique=None if raw.get("demarche") else case_.thematique,
            mandate=case_.mandate if response_type == ResponseType.DEMARCHE_REALISEE_SOUS_MANDAT else "aucun",
            status=CaseStatus.CLOS, finalisation=Finalisation.FINALISEE, note=note, occurred_at=now)
        acc = open_accompaniment(session, actor, data, now=now)
        step.logged_accompaniment_id = acc.id
    step.status = status
    step.updated_at = utcnow()
    step.updated_by = actor.agent_id
    session.add(step)
    session.flush()
    return step


def progress_for_cases(session: Session, accompaniment_ids) -> dict[int, tuple[int, int]]:
    """{case id: (steps done, steps that apply)} for the cases that have a moment de vie."""
    ids = list(accompaniment_ids)
    if not ids:
        return {}
    done = func.sum(case((CaseStep.status == "fait", 1), else_=0))
    counted = func.sum(case((CaseStep.status != "sans_objet", 1), else_=0))
    q = (select(CaseMoment.accompaniment_id, done, counted)
         .join(CaseStep, CaseStep.case_moment_id == CaseMoment.id)
         .where(CaseMoment.accompaniment_id.in_(ids)).group_by(CaseMoment.accompaniment_id))
    return {acc_id: (int(d or 0), int(t or 0)) for acc_id, d, t in session.exec(q)}


def progress_text(progress: tuple[int, int] | None) -> str:
    return f"{progress[0]}/{progress[1]}" if progress else ""


@dataclass(frozen=True)
class HandoutData:
    moments: list[MomentView]
    structure_name: str
    first_name: str | None
    today: date


def handout_data(session: Session, actor: Actor, accompaniment_id: int, *, include_first_name: bool,
                 today: date | None = None) -> HandoutData:
    """What the usager's sheet shows: no personal data except the first name when they agreed."""
    actor.require("read_cases")
    today = today or date.today()
    moments = moments_for_case(session, actor, accompaniment_id, today)
    if not moments:
        raise ValidationError("Aucun moment de vie dans ce dossier : démarrez-en un avant d'imprimer la fiche.",
                              field="moment")
    acc = get_accompaniment(session, actor, accompaniment_id)
    first = None
    if include_first_name and acc.usager_id:
        usager = session.get(Usager, acc.usager_id)
        if usager and not usager.anonymous and usager.first_name:
            first = usager.first_name.strip() or None
    structure = session.get(Structure, acc.structure_id)
    return HandoutData(moments, structure.name if structure else "France services", first, today)
