"""Role matrix over every use case: each (role, use case) pair is tried against the real service,
on a real store, without any UI. Allowed -> no PermissionDenied; forbidden -> PermissionDenied
and not a single row changed anywhere.

A use case registered in app/core/context.py with at least one forbidden role must have a call
in CALLS below (test_every_restricted_use_case_has_a_service_call says which one is missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from app.core import auth, journal, journal_guard, retention, rights, structures
from app.core.accompaniments import (AccompanimentInput, ProcedureLine, change_status, input_for,
                                     open_accompaniment, update_accompaniment)
from app.core.bootstrap import open_app_store
from app.core.cases import list_cases, set_favourite
from app.core.context import PERMISSIONS, Actor
from app.core.usagers import UsagerInput, create_usager, search_usagers
from app.models.enums import Role
from app.models.errors import DomainError, PermissionDenied


@dataclass
class Ctx:
    admin: Actor
    structure_id: int
    accompaniment_id: int
    usager_id: int
    procedure_code: str
    scratch_usager_id: int = 0  # set before each call (see PREPARE)


def _w(fn):
    """Run `fn(session, actor, ctx)` in one write transaction, as the UI would."""
    def call(store, actor, ctx):
        with store.write() as session:
            result = fn(session, actor, ctx)
            if hasattr(result, "__next__"):
                list(result)
            return result
    return call


def _fresh_usager(store, ctx) -> int:
    with store.write() as session:
        return create_usager(session, ctx.admin, UsagerInput(first_name="Effa", last_name="Cement")).id


def _raw_rows(session, actor, ctx):
    from app.reports.monthly import build_report
    from app.reports.raw import raw_rows

    return raw_rows(session, actor, build_report(session, ctx.admin, date(2026, 10, 1)))


def _settings_call(store, actor, ctx):
    from app.core.structures import save_structure_settings

    with store.write() as session:
        return save_structure_settings(session, actor, matricule="100001", name="France services de Testville",
                                       new_stops=[], removed_stop_ids=[], service_url="")


def _first_moment() -> str:
    from app.core.checklists import bundled_catalogue

    return next(iter(bundled_catalogue().moments))


def _lazy(module: str, name: str):
    def get(*args, **kwargs):
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    return get


CALLS = {
    "open_accompaniment": _w(lambda s, a, c: open_accompaniment(s, a, AccompanimentInput(
        [ProcedureLine("CAF")], thematique="social_sante"))),
    "update_accompaniment": _w(lambda s, a, c: update_accompaniment(s, a, c.accompaniment_id,
                                                                      input_for(s, c.admin, c.accompaniment_id))),
    "change_status": _w(lambda s, a, c: change_status(s, a, c.accompaniment_id, "clos")),
    "read_cases": _w(lambda s, a, c: list_cases(s, a)),
    "search": _w(lambda s, a, c: search_usagers(s, a, "Dupont")),
    "manage_favourites": _w(lambda s, a, c: set_favourite(s, a, c.procedure_code)),
    "manage_usager": _w(lambda s, a, c: create_usager(s, a, UsagerInput(first_name="Ana", last_name="Lyse"))),
    "setup_structure": _settings_call,
    "manage_agents": _w(lambda s, a, c: auth.list_agents(s, a)),
    "read_journal": _w(lambda s, a, c: journal.entries(s, a)),
    "export_journal": _w(lambda s, a, c: journal_guard.export_csv(s, a)),
    "purge": lambda st, a, c: retention.run_retention(st, a),
    "export_usager_data": _w(lambda s, a, c: rights.export_usager(s, a, c.usager_id)),
    "erase_usager": lambda st, a, c: rights.erase_usager(st, a, c.scratch_usager_id),
    "configure_security": _w(lambda s, a, c: retention.set_retention_months(s, a, 24)),
    "record_survey": _w(lambda s, a, c: _lazy("app.core.surveys", "record_response")(
        s, a, _lazy("app.core.surveys", "SurveyInput")(satisfaction_globale=4))),
    "sync_close_month": _w(lambda s, a, c: _lazy("app.sync.state", "close_month")(s, a, c.structure_id,
                                                                                 date(2026, 10, 1))),
    "read_sync_journal": _w(lambda s, a, c: _lazy("app.sync.client", "journal")(s, a, c.structure_id)),
    "configure_sync": _w(lambda s, a, c: _lazy("app.sync.settings", "set_service_url")(
        s, a, "https://suivi.example.org/api")),
    "monthly_report": _w(lambda s, a, c: _lazy("app.reports.monthly", "build_report")(s, a, date(2026, 10, 1))),
    "export_raw_report": _w(_raw_rows),
    "manage_checklists": _w(lambda s, a, c: _lazy("app.core.checklists", "start_moment")(
        s, a, c.accompaniment_id, _first_moment(), date(2026, 10, 1))),
    "restore_backup": lambda st, a, c: _lazy("app.core.backup_service", "restore_drill")(st, a),
    "backup_now": lambda st, a, c: _lazy("app.core.backup_service", "backup_now")(st, a),
    "list_backups": lambda st, a, c: _lazy("app.core.backup_service", "list_backups")(st, a),
    "import_checklist_catalogue": _w(lambda s, a, c: _lazy("app.core.checklists", "import_catalogue")(
        s, a, "{}", "catalogue.json")),
    "import_fiches": lambda st, a, c: _lazy("app.core.fiches", "import_fiches")(st, a, st.path.parent / "absent.zip"),
    "import_referents": _w(lambda s, a, c: _lazy("app.core.referents_io", "import_directory")(
        s, a, _lazy("app.resources", "resource_path")("referents", "modele-annuaire-referents.csv"))),
    "referent_rights": _w(lambda s, a, c: _lazy("app.core.referents", "export_referent")(s, a, 1)),
    "read_escalation_delays": _w(lambda s, a, c: _lazy("app.core.escalation_stats", "delays")(
        s, a, date(2026, 9, 1), date(2026, 10, 1))),
}

# Set-up done before the fingerprint, so it is not mistaken for a change by the refused call.
PREPARE = {"erase_usager": lambda store, ctx: setattr(ctx, "scratch_usager_id", _fresh_usager(store, ctx))}

ROLES = list(Role)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    store = open_app_store(tmp_path_factory.mktemp("matrix") / "guichet.db")
    with store.write() as session:
        site = structures.create_structure(session, "100001", "France services de Testville")
        actors = {}
        for role in ROLES:
            agent = structures.create_agent(session, site.id, f"{role.value}", role.value.title(), role)
            actors[role] = auth.actor_for(agent)
        admin = actors[Role.ADMINISTRATEUR]
        from app.models.tables import Procedure
        from sqlmodel import select

        procedure = session.exec(select(Procedure).where(Procedure.partner_code == "CAF")).first()
        acc = open_accompaniment(session, admin, AccompanimentInput(
            [ProcedureLine("CAF", procedure.code)], thematique="social_sante", occurred_at=datetime(2026, 10, 14, 10),
            new_usager=UsagerInput(first_name="Jeanne", last_name="Dupont")))
        ctx = Ctx(admin, site.id, acc.id, acc.usager_id, procedure.code)
    yield store, actors, ctx
    store.close()


def _fingerprint(store) -> dict[str, int]:
    """Content hash of every table: a refused call must leave all of them byte-for-byte equal."""
    with store.read() as session:
        return {name: hash(tuple(tuple(r) for r in session.execute(text(f'SELECT * FROM "{name}"'))))
                for name in SQLModel.metadata.tables}


def _restricted() -> list[str]:
    return sorted(u for u, roles in PERMISSIONS.items() if set(roles) != set(Role))


def test_every_restricted_use_case_has_a_service_call():
    missing = [u for u in _restricted() if u not in CALLS]
    assert not missing, f"add a call to CALLS in {__file__} for: {missing}"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("use_case", sorted(set(PERMISSIONS) & set(CALLS)))
def test_role_matrix(world, use_case, role):
    store, actors, ctx = world
    actor = actors[role]
    call = CALLS[use_case]
    if use_case in PREPARE:
        PREPARE[use_case](store, ctx)
    if role in PERMISSIONS[use_case]:
        try:
            call(store, actor, ctx)
        except PermissionDenied:  # pragma: no cover - this is the failure being tested for
            pytest.fail(f"{role.value} should be allowed to {use_case}")
        except DomainError:
            pass  # allowed through the permission check; the service refused the test input itself
    else:
        before = _fingerprint(store)
        with pytest.raises(PermissionDenied):
            call(store, actor, ctx)
        assert _fingerprint(store) == before, "a refused call changed the store"


def test_examples_from_the_reliability_goals():
    agent = Actor(1, 1, Role.AGENT)
    supervisor = Actor(2, 1, Role.SUPERVISEUR)
    for use_case in ("purge", "read_journal", "export_journal", "export_usager_data", "erase_usager"):
        assert not agent.can(use_case) and supervisor.can(use_case)
