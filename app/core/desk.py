"""The one door into the core (after Anki's `Collection`).

The UI, the command line, sync and reports reach the store through a `Desk`. It holds the store
and a `Grant` — proof that someone logged in, which only `app.core.auth` issues — and for every
operation it:

1. opens the transaction (a read for `query`, one all-or-nothing write for `op`);
2. re-reads the agent from the store: a deactivated agent is refused at once, a demoted one
   acts with their new role, whatever role the caller's copy of the actor claims;
3. computes the actor's **scope** — an agent sees their own structure, a supervisor or an
   administrator every structure of the store (the site and its bus) — and hands the fresh
   `Actor` to the use case, which filters and checks records against it (app/core/context.py);
4. for a write, gets back the **changes record** (app/core/changes.py: cases, usagers, months
   touched), derived data having been brought in step before the commit, and tells listeners
   (the UI's "operation executed" signal) what changed, so screens refresh only that.

Use cases stay plain functions `fn(session, actor, …)`; `desk.query(fn, …)` and `desk.op(fn, …)`
run any of them. The everyday counter use cases also have named methods below.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from sqlalchemy import event
from sqlmodel import Session, select

from app.core import accompaniments, cases, concurrency, usagers
from app.core.auth import SYSTEM_AGENT_ID, Grant, check_grant
from app.core.changes import Changes, changes_of
from app.core.context import Actor
from app.models.enums import Role
from app.models.errors import PermissionDenied
from app.models.tables import Agent, Structure, Usager

T = TypeVar("T")
Listener = Callable[[Changes, object], None]


@dataclass(frozen=True)
class OpResult(Generic[T]):
    """What a write returns: the use case's value and what the transaction changed."""

    value: T
    changes: Changes


class Desk:
    def __init__(self, store, grant: Grant):
        check_grant(grant)  # a hand-made Grant is refused here, before any access
        self.store = store
        self.grant = grant
        self._listeners: list[Listener] = []
        self._last_actor: Actor | None = None

    # --------------------------------------------------------------------------- the actor

    def _fresh_actor(self, session: Session) -> Actor:
        g = self.grant
        all_ids = frozenset(session.exec(select(Structure.id)))
        if g.agent_id == SYSTEM_AGENT_ID:  # the command line: aggregates only (see auth.system_grant)
            actor = Actor(SYSTEM_AGENT_ID, g.structure_id, g.role, g.display_name, all_ids or frozenset({g.structure_id}))
        else:
            agent = session.get(Agent, g.agent_id)
            if agent is None or not agent.active:
                raise PermissionDenied("Ce compte a été désactivé : l'opération est refusée. "
                                       "Reconnectez-vous avec un compte actif.")
            role = Role(agent.role)
            scope = frozenset({agent.structure_id}) if role == Role.AGENT else all_ids
            actor = Actor(agent.id, agent.structure_id, role, agent.display_name, scope)
        self._last_actor = actor
        return actor

    def hand_over(self, grant: Grant) -> None:
        """Another agent takes the desk (« Changer d'agent »): same store, same listeners, and
        every screen holding this desk acts as the new agent from the next operation on."""
        check_grant(grant)
        self.grant = grant
        self._last_actor = None

    @property
    def actor(self) -> Actor:
        """The actor as of the last operation (re-read from the store if none ran yet).
        For display only: every operation re-reads it anyway."""
        if self._last_actor is None:
            with self.store.read() as session:
                self._fresh_actor(session)
        return self._last_actor

    # --------------------------------------------------------------------------- operations

    def query(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Run a read use case `fn(session, actor, *args, **kwargs)` in one read transaction."""
        with self.store.read() as session:
            return fn(session, self._fresh_actor(session), *args, **kwargs)

    def op(self, fn: Callable[..., T], *args, source: object = None, **kwargs) -> OpResult[T]:
        """Run a write use case in one transaction; derived data is updated before the commit.
        Listeners hear about the changes after the commit (never about a rolled-back write).
        `source` travels with the notification (a screen can skip its own echo)."""
        def attempt():
            with self.store.write() as session:
                value = fn(session, self._fresh_actor(session), *args, **kwargs)
                return value, changes_of(session)

        # A serialization failure or deadlock (several desks on a site store) runs it again, whole.
        value, ch = concurrency.run_with_retries(attempt)
        result = OpResult(value, ch)
        if ch:
            for listener in list(self._listeners):
                listener(ch, source)
        return result

    def store_op(self, fn: Callable[..., T], *args, source: object = None, **kwargs) -> OpResult[T]:
        """Run a use case that opens its own transactions, `fn(store, actor, *args, **kwargs)`:
        secure erasure and retention (deleted bytes zeroed, then the WAL truncated), backups,
        reports, the national sync, journaled session events. The actor is re-read first, as for
        any operation; the changes of every write it commits on this thread are merged and
        announced once it returns (a write rolled back inside it is not)."""
        with self.store.read() as session:
            actor = self._fresh_actor(session)
        thread, committed = threading.get_ident(), []

        def track(session: Session) -> None:
            if threading.get_ident() == thread:
                event.listen(session, "after_commit", lambda s: committed.append(changes_of(s)))

        self.store.write_hooks.append(track)
        try:
            value = fn(self.store, actor, *args, **kwargs)
        finally:
            self.store.write_hooks.remove(track)
        ch = Changes()
        for part in committed:
            ch.merge(part)
        if ch:
            for listener in list(self._listeners):
                listener(ch, source)
        return OpResult(value, ch)

    def announce(self, changes: Changes, source: object = None) -> None:
        """Tell the listeners about changes made elsewhere (another desk of a site store)."""
        if changes:
            for listener in list(self._listeners):
                listener(changes, source)

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Be told `(changes, source)` after each committed write; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --------------------------------------------------------------------------- the counter

    def open_accompaniment(self, data: accompaniments.AccompanimentInput, **kw) -> OpResult:
        return self.op(accompaniments.open_accompaniment, data, **kw)

    def update_accompaniment(self, accompaniment_id: int, data: accompaniments.AccompanimentInput, **kw) -> OpResult:
        result = self.op(accompaniments.update_accompaniment, accompaniment_id, data, **kw)
        if data.version is not None:  # committed: the caller's input now stands for the version it saved
            data.version = result.value.version
        return result

    def save_accompaniment(self, accompaniment_id: int | None, data: accompaniments.AccompanimentInput,
                           **kw) -> OpResult:
        """The form's « Enregistrer »: create, or update the case being edited."""
        if accompaniment_id:
            return self.update_accompaniment(accompaniment_id, data, **kw)
        return self.open_accompaniment(data, **kw)

    def change_status(self, accompaniment_id: int, status: str, follow_up_on: Any = ..., **kw) -> OpResult:
        return self.op(accompaniments.change_status, accompaniment_id, status, follow_up_on, **kw)

    def case(self, accompaniment_id: int) -> "CaseView":
        return self.query(case_view, accompaniment_id)

    def input_for(self, accompaniment_id: int) -> accompaniments.AccompanimentInput:
        return self.query(accompaniments.input_for, accompaniment_id)

    def list_cases(self, f: cases.CaseFilter | None = None, after: tuple | None = None, limit: int = 100):
        return self.query(cases.list_cases, f, after, limit)

    def today(self, day=None) -> cases.TodaySummary:
        return self.query(cases.today_activity, day)

    def search_usagers(self, text: str, limit: int = 20) -> list:
        return self.query(usagers.search_usagers, text, limit)

    def usager(self, usager_id: int):
        return self.query(usagers.get_usager, usager_id)


@dataclass(frozen=True)
class CaseView:
    """Everything the case detail shows, read in one transaction."""

    accompaniment: Any
    lines: list
    usager: Any
    usager_name: str
    history: list


def case_view(session: Session, actor: Actor, accompaniment_id: int) -> CaseView:
    acc = accompaniments.get_accompaniment(session, actor, accompaniment_id)
    # the case is in scope, so is the person it is about (even if registered at the bus)
    usager = session.get(Usager, acc.usager_id) if acc.usager_id else None
    return CaseView(acc, accompaniments.procedure_lines(session, acc.id), usager, usagers.display_name(usager),
                    accompaniments.history(session, actor, acc.id))
