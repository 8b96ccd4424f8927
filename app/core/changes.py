"""What a write changed, and the derived data kept in step with it, once, on commit.

Every write transaction opened by `Store.write()` on an app store is *tracked*: SQLAlchemy's
`after_flush` hook notes which records the transaction added, changed or deleted, and just
before the commit the derived data is brought up to date from that record, in the same
transaction (so it is all or nothing with the write itself):

- **search rows**: every touched accompaniment is re-indexed; a usager whose identity changed
  (name, phone, e-mail, anonymisation) is re-indexed with **all** their cases, so a rename is
  found at once and an erased name is found nowhere;
- **usagers' last contact**: `last_contact_on` (which retention reads) is the date of the
  usager's latest accompaniment, recomputed for every usager a touched case points or pointed to,
  so moving a visit date forward or back, or re-attaching a case, is reflected at once;
- **sync months**: each (structure, month) whose national counts may have moved — an
  accompaniment's old and new month, a survey answer's month — is marked dirty in
  `sync_month_status`; the sync status recomputes only marked months (`app/sync/pending.py`)
  instead of rebuilding every month's snapshot after every save.

The `Changes` record is what the caller gets back (`Desk.op` returns it): screens refresh
from it instead of reloading everything. Writers that bypass the ORM (the demo builder's bulk
inserts, migrations) index and mark by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import event, inspect, select, update
from sqlmodel import Session

from app.models.tables import Accompaniment, AccompanimentProcedure, Partner, Procedure, Usager
from app.store import site_listener

IDENTITY_FIELDS = ("first_name", "last_name", "phone", "email", "anonymous")
_KEY = "guichet_changes"
_HELD = "guichet_held"
# Objects the derived data needs, held for the transaction. SQLAlchemy's identity map is weak: once
# a use case returns, the case, its lines and the partner/procedure rows it validated are gone from
# it, and building the search row read each of them again (2.7 ms of a 5.5 ms save). Reference rows
# and usagers loaded by the write are held too, up to a bound (a bulk write does not pin its reads).
_HOLD_LOADED = (Partner, Procedure, Usager)
_HOLD_MAX = 256


@dataclass
class Changes:
    """What one operation touched. Months are (structure_id, first day of the month)."""

    accompaniments: set[int] = field(default_factory=set)
    usagers: set[int] = field(default_factory=set)
    renamed_usagers: set[int] = field(default_factory=set)  # identity changed: their cases re-indexed
    deleted_accompaniments: set[int] = field(default_factory=set)
    months: set[tuple[int, date]] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.tables)

    def merge(self, other: "Changes") -> "Changes":
        for name in ("accompaniments", "usagers", "renamed_usagers", "deleted_accompaniments", "months", "tables"):
            getattr(self, name).update(getattr(other, name))
        return self

    def touches(self, *tables: str) -> bool:
        return bool(self.tables.intersection(tables))


def _first_day(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return value.replace(day=1)


def _old(obj, name: str):
    """The value an attribute had before this flush (or its current value when unchanged)."""
    hist = inspect(obj).attrs[name].history
    return hist.deleted[0] if hist.deleted else getattr(obj, name)


def _note_accompaniment(ch: Changes, acc: Accompaniment, deleted: bool) -> None:
    ch.accompaniments.add(acc.id)
    if deleted:
        ch.deleted_accompaniments.add(acc.id)
    for structure_id, when in ((acc.structure_id, acc.occurred_at),
                               (_old(acc, "structure_id"), _old(acc, "occurred_at"))):
        if when is not None:
            ch.months.add((structure_id, _first_day(when)))
    for uid in (acc.usager_id, _old(acc, "usager_id")):
        if uid:
            ch.usagers.add(uid)


def _collect(session: Session, _flush_context) -> None:
    ch: Changes = session.info[_KEY]
    held: _Held = session.info[_HELD]
    from app.models.surveys import SurveyResponse

    # `session.new` builds a new set at each access: the kind is named, not compared by identity.
    for kind, objs in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):
        deleted = kind == "deleted"
        for obj in objs:
            if kind == "dirty" and not session.is_modified(obj, include_collections=False):
                continue
            ch.tables.add(type(obj).__tablename__)
            held.flushed(obj, new=kind == "new", deleted=deleted)
            if isinstance(obj, Accompaniment):
                _note_accompaniment(ch, obj, deleted)
            elif isinstance(obj, AccompanimentProcedure):
                ch.accompaniments.add(obj.accompaniment_id)
                acc = session.get(Accompaniment, obj.accompaniment_id)
                if acc is not None:
                    ch.months.add((acc.structure_id, _first_day(acc.occurred_at)))
            elif isinstance(obj, Usager):
                ch.usagers.add(obj.id)
                if kind == "new" or deleted or any(
                        inspect(obj).attrs[f].history.has_changes() for f in IDENTITY_FIELDS):
                    ch.renamed_usagers.add(obj.id)
            elif isinstance(obj, SurveyResponse):
                ch.months.add((obj.structure_id, _first_day(obj.answered_on)))


def _before_commit(session: Session) -> None:
    session.flush()  # so the record covers what is still pending in the session
    ch = session.info[_KEY]
    apply_derived(session, ch)
    if ch:  # a site store: the other desks hear of it once this commits (app/store/site_listener.py)
        site_listener.notify(session, to_payload(ch))


def to_payload(ch: Changes) -> dict:
    limit = site_listener.MAX_IDS
    return {"tables": sorted(ch.tables), "accompaniments": sorted(ch.accompaniments)[:limit],
            "usagers": sorted(ch.usagers)[:limit], "structures": sorted({s for s, _m in ch.months}),
            "all": len(ch.accompaniments) > limit or len(ch.usagers) > limit}


def from_payload(payload: dict) -> Changes:
    """The Changes record another desk announced (ids as it sent them; `all`: too many to list)."""
    ch = Changes(accompaniments=set(payload.get("accompaniments", [])), usagers=set(payload.get("usagers", [])),
                 tables=set(payload.get("tables", [])) or {"accompaniment"})
    return ch


class _Held:
    """Strong references for one write transaction (see _HELD), and the procedure lines of the
    cases created in it: those are exactly the line objects flushed with them, no query needed."""

    def __init__(self) -> None:
        self.objects: list = []
        self.loaded = 0
        self.created: set[int] = set()  # accompaniments INSERTed by this transaction (ORM)
        self.lines: dict[int, dict[int, AccompanimentProcedure]] = {}  # acc id -> {id(obj): line}

    def flushed(self, obj, new: bool, deleted: bool) -> None:
        if isinstance(obj, Accompaniment):
            self.objects.append(obj)
            if new:
                self.created.add(obj.id)
        elif isinstance(obj, AccompanimentProcedure):
            lines = self.lines.setdefault(obj.accompaniment_id, {})
            if deleted:
                lines.pop(id(obj), None)
            else:
                lines[id(obj)] = obj
        elif isinstance(obj, Usager):
            self.objects.append(obj)

    def on_load(self, _session, instance) -> None:
        if self.loaded < _HOLD_MAX and isinstance(instance, _HOLD_LOADED):
            self.loaded += 1
            self.objects.append(instance)

    def lines_of(self, session: Session, acc_id: int):
        """The case's procedure lines in order: from this transaction for a case it created."""
        if acc_id in self.created:
            return sorted(self.lines.get(acc_id, {}).values(), key=lambda line: line.position)
        from app.core.accompaniments import procedure_lines

        return procedure_lines(session, acc_id)


def install(session: Session) -> None:
    """Track `session` (a write session of an app store). Registered as a Store write hook."""
    session.info[_KEY] = Changes()
    held = session.info[_HELD] = _Held()
    event.listen(session, "after_flush", _collect)
    event.listen(session, "before_commit", _before_commit)
    event.listen(session, "loaded_as_persistent", held.on_load)


def changes_of(session: Session) -> Changes:
    """The record of the transaction so far (empty for an untracked session)."""
    return session.info.get(_KEY) or Changes()


def apply_derived(session: Session, ch: Changes) -> None:
    """Bring search rows and sync marks in step with `ch`. Idempotent; one pass per commit."""
    from app.core import usagers_contact
    from app.core.accompaniments import ProcedureLine, search_body
    from app.core.usagers import index_usager
    from app.store import search_index

    held = session.info.get(_HELD) or _Held()
    done = ch.__dict__.setdefault("_indexed", set())
    for uid in ch.renamed_usagers - done:
        usager = session.get(Usager, uid)
        if usager is None:
            search_index.remove_usager(session, uid)
            continue
        index_usager(session, usager)
        ch.accompaniments.update(session.execute(select(Accompaniment.id).where(Accompaniment.usager_id == uid)).scalars())
        done.add(uid)
    for acc_id in sorted(ch.accompaniments - ch.deleted_accompaniments):
        acc = session.get(Accompaniment, acc_id)
        if acc is None:
            continue
        lines = [ProcedureLine(p.partner_code, p.procedure_code, p.precision) for p in held.lines_of(session, acc_id)]
        search_index.index_accompaniment(session, acc_id, search_body(session, acc, lines))
    for acc_id in ch.deleted_accompaniments:
        search_index.remove_accompaniment(session, acc_id)
    for uid in sorted(ch.usagers):
        usagers_contact.refresh_last_contact(session, uid)
    mark_months(session, ch.months)


def mark_months(session: Session, months) -> None:
    """Mark (structure_id, month) pairs dirty for the sync status (plain SQL: any back end)."""
    from app.models.sync_status import SyncMonthStatus as S

    table = S.__table__
    for structure_id, month in sorted(m for m in months if None not in m):
        found = session.execute(update(table).where(table.c.structure_id == structure_id, table.c.month == month)
                                .values(dirty=True)).rowcount
        if not found:
            session.execute(table.insert().values(structure_id=structure_id, month=month, dirty=True, counts=None))
