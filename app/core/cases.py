"""Read side of the case list: pages of rows, search, today's activity, follow-ups due,
and the agent's habits (defaults, favourite démarches). Pages use keyset pagination so the
list stays fast at a million rows (no OFFSET scans, never loads everything)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, literal, or_
from sqlmodel import Session, select

from app.core import activity
from app.core.context import Actor
from app.models.enums import CaseStatus
from app.models.tables import (Accompaniment, AccompanimentProcedure, Agent, FavouriteProcedure,
                               Partner, Procedure, Usager)
from app.store import search_index

OPEN_STATUSES = (CaseStatus.OUVERT.value, CaseStatus.EN_ATTENTE_PARTENAIRE.value)
# Written inline (not as bound parameters) so SQLite can match the partial index
# ix_accompaniment_open_follow_up, whose WHERE clause is this very condition.
IS_OPEN = Accompaniment.status.in_([literal(v, literal_execute=True) for v in OPEN_STATUSES])


@dataclass(frozen=True)
class CaseRow:
    id: int
    occurred_at: datetime
    usager: str
    partners: str
    demarches: str
    response_type: str
    status: str
    follow_up_on: date | None
    agent: str


@dataclass
class CaseFilter:
    text: str = ""
    statuses: tuple[str, ...] = ()
    follow_up_due_by: date | None = None  # only open cases to follow up by this date
    agent_id: int | None = None
    day: date | None = None
    structure_id: int | None = None


def _scope(actor: Actor, f: CaseFilter) -> list[int]:
    """Structures a list may show: the filter's one if the actor sees it, else all the actor sees."""
    if f.structure_id is not None:
        return [f.structure_id] if actor.sees(f.structure_id) else []
    return sorted(actor.structure_ids)


def _base_query(actor: Actor, f: CaseFilter, by_ids: bool = False):
    """Every list is limited to the actor's scope. `by_ids`: the caller restricts to a short list
    of ids (search matches); the structure test is then written `structure_id + 0` so that no
    index on it tempts the planner away from the primary-key lookups (walking a site's index
    instead cost 280 ms at a million rows)."""
    q = select(Accompaniment)
    ids = _scope(actor, f)
    column = Accompaniment.structure_id + 0 if by_ids else Accompaniment.structure_id
    q = q.where(column == ids[0]) if len(ids) == 1 else q.where(column.in_(ids))
    if f.statuses:
        q = q.where(Accompaniment.status.in_(f.statuses))
    if f.follow_up_due_by is not None:
        q = q.where(Accompaniment.follow_up_on <= f.follow_up_due_by, IS_OPEN)
    if f.agent_id is not None:
        q = q.where(Accompaniment.agent_id == f.agent_id)
    if f.day is not None:
        start = datetime.combine(f.day, datetime.min.time())
        q = q.where(Accompaniment.occurred_at >= start, Accompaniment.occurred_at < start + timedelta(days=1))
    return q


_LIST_COLUMNS = (Accompaniment.id, Accompaniment.occurred_at, Accompaniment.usager_id, Accompaniment.agent_id,
                 Accompaniment.response_type, Accompaniment.status, Accompaniment.follow_up_on,
                 Usager.anonymous, Usager.first_name, Usager.last_name, Agent.display_name)


def _list_query(actor: Actor, f: CaseFilter, by_ids: bool = False):
    # Plain rows of the few columns a list shows, usager and agent names joined in one statement:
    # building ORM objects and extra round trips cost more than the query itself. LEFT joins keep
    # accompaniment the outer loop, so SQLite can still walk the occurred_at index for ORDER BY.
    return (_base_query(actor, f, by_ids).with_only_columns(*_LIST_COLUMNS).select_from(Accompaniment)
            .outerjoin(Usager, Usager.id == Accompaniment.usager_id)
            .outerjoin(Agent, Agent.id == Accompaniment.agent_id))


def list_cases(session: Session, actor: Actor, f: CaseFilter | None = None,
               after: tuple | None = None, limit: int = 100) -> tuple[list[CaseRow], tuple | None]:
    """One page of rows and the cursor for the next page (None at the end).

    Without text: newest first by (occurred_at, id). With text: FTS matches, newest id first.
    Follow-up lists sort by follow-up date, oldest first."""
    actor.require("read_cases")
    f = f or CaseFilter()
    q = _list_query(actor, f, by_ids=bool(f.text.strip()))
    if f.text.strip():
        # Walk the matches newest first, a batch at a time, keeping those that pass the other
        # filters: one batch for a typical page, never all matches (a 2-letter prefix can hit
        # most of a million rows), and no page cut short because another site's rows matched.
        before = after[0] if after is not None else None
        batch = limit * 2
        accs = []
        while len(accs) < limit:
            ids = search_index.search_accompaniment_ids(session, f.text, limit=batch, before_id=before) or []
            if ids:
                accs += session.execute(q.where(Accompaniment.id.in_(ids)).order_by(Accompaniment.id.desc())
                                     .limit(limit - len(accs))).all()
            if len(ids) < batch:
                break
            before = ids[-1]
        accs = accs[:limit]
        cursor = (accs[-1].id,) if len(accs) == limit else None
    elif f.follow_up_due_by is not None:
        if after is not None:
            q = q.where(or_(Accompaniment.follow_up_on > after[0],
                            and_(Accompaniment.follow_up_on == after[0], Accompaniment.id > after[1])))
        accs = list(session.execute(q.order_by(Accompaniment.follow_up_on, Accompaniment.id).limit(limit)))
        cursor = (accs[-1].follow_up_on, accs[-1].id) if len(accs) == limit else None
    else:
        if after is not None:
            q = q.where(or_(Accompaniment.occurred_at < after[0],
                            and_(Accompaniment.occurred_at == after[0], Accompaniment.id < after[1])))
        accs = list(session.execute(q.order_by(Accompaniment.occurred_at.desc(), Accompaniment.id.desc()).limit(limit)))
        cursor = (accs[-1].occurred_at, accs[-1].id) if len(accs) == limit else None
    return _rows(session, accs), cursor


def _rows(session: Session, accs: list) -> list[CaseRow]:
    if not accs:
        return []
    from app.core.usagers import display_name

    ids = [a.id for a in accs]
    lines: dict[int, list[tuple[str, str]]] = {}
    q = (select(AccompanimentProcedure.accompaniment_id, Partner.short_label, Procedure.label,
                AccompanimentProcedure.precision)
         .join(Partner, Partner.code == AccompanimentProcedure.partner_code)
         .join(Procedure, Procedure.code == AccompanimentProcedure.procedure_code, isouter=True)
         .where(AccompanimentProcedure.accompaniment_id.in_(ids))
         .order_by(AccompanimentProcedure.accompaniment_id, AccompanimentProcedure.position))
    for acc_id, partner, label, precision in session.exec(q):
        lines.setdefault(acc_id, []).append((partner, label or precision or ""))
    rows = []
    for a in accs:
        ls = lines.get(a.id, [])
        rows.append(CaseRow(
            id=a.id, occurred_at=a.occurred_at, usager=display_name(a if a.usager_id else None),
            partners=", ".join(dict.fromkeys(p for p, _ in ls)), demarches=" ; ".join(d for _, d in ls if d),
            response_type=a.response_type, status=a.status, follow_up_on=a.follow_up_on,
            agent=a.display_name or ""))
    return rows


def count_cases(session: Session, actor: Actor, f: CaseFilter) -> int:
    actor.require("read_cases")
    q = _base_query(actor, f).with_only_columns(func.count()).select_from(Accompaniment)
    return session.exec(q).one()


@dataclass
class TodaySummary:
    day: date
    total: int
    usagers: int
    by_partner: list[tuple[str, int]] = field(default_factory=list)
    follow_ups_due: int = 0
    mine: int = 0


def today_activity(session: Session, actor: Actor, day: date | None = None) -> TodaySummary:
    """What the actor's structure did today, counted by the rules of app/core/activity.py (the
    report's and the national sync's): totals, distinct usagers, by partner; plus follow-ups due
    and the agent's own count."""
    actor.require("read_cases")
    day = day or date.today()
    ids, end = [actor.structure_id], day + timedelta(days=1)
    labels = dict(session.exec(select(Partner.code, Partner.short_label)).all())
    by_partner = sorted(((labels.get(code, code), n) for code, n in
                         activity.count_partners(session, ids, day, end).items()), key=lambda r: (-r[1], r[0]))
    due = count_cases(session, actor, CaseFilter(follow_up_due_by=day, structure_id=actor.structure_id))
    mine = activity.count_by(session, Accompaniment.agent_id, ids, day, end).get(actor.agent_id, 0)
    return TodaySummary(day, activity.total_accompaniments(session, ids, day, end),
                        activity.total_usagers(session, ids, day, end), by_partner, due, mine)


@dataclass
class AgentDefaults:
    canal: str | None = None
    bus_stop_id: int | None = None
    duration_min: int = 15
    response_type: str | None = None


def agent_defaults(session: Session, actor: Actor, sample: int = 20) -> AgentDefaults:
    """Sensible form defaults from the agent's last entries (most frequent value wins)."""
    recent = session.exec(select(Accompaniment.canal, Accompaniment.bus_stop_id, Accompaniment.duration_min,
                                 Accompaniment.response_type)
                          .where(Accompaniment.agent_id == actor.agent_id)
                          .order_by(Accompaniment.id.desc()).limit(sample)).all()
    if not recent:
        return AgentDefaults()

    def top(i):
        return Counter(r[i] for r in recent).most_common(1)[0][0]

    # The bus stop is today's stop: the last one used, not the most frequent.
    return AgentDefaults(canal=top(0), bus_stop_id=recent[0][1], duration_min=top(2), response_type=top(3))


def favourite_procedures(session: Session, actor: Actor, limit: int = 8, days: int = 90) -> list[str]:
    """Procedure codes: the agent's pinned favourites, then their most frequent recent démarches."""
    pinned = list(session.exec(select(FavouriteProcedure.procedure_code)
                               .where(FavouriteProcedure.agent_id == actor.agent_id)
                               .order_by(FavouriteProcedure.position)))
    since = datetime.now() - timedelta(days=days)
    frequent = session.exec(
        select(AccompanimentProcedure.procedure_code, func.count())
        .join(Accompaniment, Accompaniment.id == AccompanimentProcedure.accompaniment_id)
        .where(Accompaniment.agent_id == actor.agent_id, Accompaniment.occurred_at >= since,
               AccompanimentProcedure.procedure_code.is_not(None))
        .group_by(AccompanimentProcedure.procedure_code).order_by(func.count().desc()).limit(limit)).all()
    codes = pinned + [c for c, _ in frequent if c not in pinned]
    return codes[:limit]


def usage_counts(session: Session, actor: Actor, days: int = 90) -> dict[str, int]:
    """How often the agent used each démarche lately: boosts the typeahead ranking."""
    since = datetime.now() - timedelta(days=days)
    rows = session.exec(
        select(AccompanimentProcedure.procedure_code, func.count())
        .join(Accompaniment, Accompaniment.id == AccompanimentProcedure.accompaniment_id)
        .where(Accompaniment.agent_id == actor.agent_id, Accompaniment.occurred_at >= since,
               AccompanimentProcedure.procedure_code.is_not(None))
        .group_by(AccompanimentProcedure.procedure_code)).all()
    return {c: n for c, n in rows}


def set_favourite(session: Session, actor: Actor, procedure_code: str, pinned: bool = True) -> None:
    actor.require("manage_favourites")
    row = session.get(FavouriteProcedure, (actor.agent_id, procedure_code))
    if pinned and row is None:
        if session.get(Procedure, procedure_code) is None:
            from app.models.errors import ValidationError
            raise ValidationError("Démarche inconnue.", field="procedure")
        n = session.exec(select(func.count()).select_from(FavouriteProcedure)
                         .where(FavouriteProcedure.agent_id == actor.agent_id)).one()
        session.add(FavouriteProcedure(agent_id=actor.agent_id, procedure_code=procedure_code, position=n))
    elif not pinned and row is not None:
        session.delete(row)
