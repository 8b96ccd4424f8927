"""What the counter screens read, each in one transaction (through `Desk.query`).

The accompaniment form and the case detail need several things at once — the structure and its
stops, the agent's habits, the case being edited, the names in its history. Reading them in one
use case keeps the screens free of transactions and of scope checks: everything here goes
through the scoped use cases of accompaniments, cases and usagers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.core import accompaniments, cases, structures, usagers
from app.core.context import Actor
from app.core.desk import CaseView, case_view


@dataclass(frozen=True)
class FormSetup:
    structure: Any
    stops: list
    defaults: cases.AgentDefaults
    favourites: list[str]
    boost: dict[str, int]
    existing: accompaniments.AccompanimentInput | None = None  # the case being edited
    existing_usager: str = ""  # its usager's name, for the usager field


def form_setup(session: Session, actor: Actor, accompaniment_id: int | None = None) -> FormSetup:
    """Everything the accompaniment form needs to open. Raises NotFound for a case out of scope."""
    existing = accompaniments.input_for(session, actor, accompaniment_id) if accompaniment_id else None
    name = ""
    if existing is not None and existing.usager_id:
        name = usagers.display_name(usagers.get_usager(session, actor, existing.usager_id))
    return FormSetup(structures.get_structure(session, actor.structure_id),
                     structures.bus_stops(session, actor.structure_id), cases.agent_defaults(session, actor),
                     cases.favourite_procedures(session, actor, limit=6), cases.usage_counts(session, actor),
                     existing, name)


@dataclass(frozen=True)
class CaseDetail:
    view: CaseView
    agent_names: dict[int, str] = field(default_factory=dict)  # who did what, in the history


def case_detail(session: Session, actor: Actor, accompaniment_id: int) -> CaseDetail:
    """The case, its lines, usager and history, with the names of the agents in that history."""
    view = case_view(session, actor, accompaniment_id)
    return CaseDetail(view, {a.id: a.display_name for a in structures.agents(session)})


def status_bar_text(session: Session, actor: Actor) -> tuple[str, str, str]:
    """(agent, structure name, matricule) for the main window's status bar."""
    site = structures.get_structure(session, actor.structure_id)
    return actor.display_name, site.name, site.matricule


def list_page(session: Session, actor: Actor, f: cases.CaseFilter | None, after: tuple | None, limit: int,
              extra_columns=()) -> tuple[list, tuple | None, dict[int, list[str]]]:
    """One page of a case list and its extra columns' texts, in one transaction: (rows, cursor for
    the next page or None, {case id: [text per extra column]}). Each extra column is a function
    `fn(session, ids) -> {id: text}` (e.g. the moments de vie progress)."""
    page, cursor = cases.list_cases(session, actor, f or cases.CaseFilter(), after=after, limit=limit)
    ids = [r.id for r in page]
    extra: dict[int, list[str]] = {i: [] for i in ids}
    for fn in extra_columns:
        values = fn(session, ids)
        for i in ids:
            extra[i].append(values.get(i, ""))
    return page, cursor, extra
