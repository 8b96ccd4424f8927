"""First-run set-up: structure, first administrator, national service address.

The wizard's pages only collect answers; each page's « Suivant » checks them by running the
real use cases in a transaction that is then rolled back (`dry_run`), so no validation rule is
written twice. `apply_setup` writes everything in one transaction and logs the new
administrator in: the set-up wizard, like the login, issues the Grant a `Desk` is opened with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from app import config
from app.core import auth, structures
from app.models.enums import Role, StructureKind


@dataclass
class SetupAnswers:
    matricule: str = ""
    name: str = ""
    kind: str = StructureKind.FIXE.value
    stops: list[str] = field(default_factory=list)
    login: str = ""
    display_name: str = ""
    password: str = ""
    service_url: str = ""
    token: str = ""
    language: str = "fr"


@dataclass(frozen=True)
class SetupResult:
    grant: auth.Grant  # the administrator, logged in
    token_saved: bool


def needs_setup(store) -> bool:
    """True while the store has no structure or no agent (a new, empty file)."""
    with store.read() as session:
        return not structures.structures(session) or not structures.agents(session)


def check_service_url(url: str) -> str:
    """Empty (set later in Paramètres) or the service address rule (https; http only for 127.0.0.1)."""
    return structures.validate_service_url(url) if (url or "").strip() else ""


def write_setup(session, answers: SetupAnswers, upto: str = "all"):
    """The set-up writes, up to a page ("structure", "admin" or "all"). Returns the administrator
    (None before the "admin" step). Raises ValidationError with the field."""
    stops = structures.check_stops(answers.kind, answers.stops)
    structure = structures.create_structure(session, answers.matricule, answers.name, answers.kind, stops=stops)
    if upto == "structure":
        return None
    agent = structures.create_agent(session, structure.id, answers.login, answers.display_name,
                                    Role.ADMINISTRATEUR)
    auth.set_password(session, agent.id, answers.password)  # no actor: nobody exists yet
    if upto == "admin":
        return agent
    structures.set_setting(session, structures.CURRENT_STRUCTURE_KEY, str(structure.id))
    url = check_service_url(answers.service_url)
    if url:
        # Written directly, as create_agent above: there is no actor yet to hold configure_sync.
        config.SYNC_SERVICE_URL.set(session, url)
    return agent


class _Rollback(Exception):
    pass


def dry_run(store, answers: SetupAnswers, upto: str) -> None:
    """Run the writes up to a page, then roll back: the use cases validate, nothing stays."""
    try:
        with store.write() as session:
            write_setup(session, answers, upto)
            raise _Rollback
    except _Rollback:
        pass


def apply_setup(store, answers: SetupAnswers, save_token: Callable[[str], None] | None = None) -> SetupResult:
    """Create structure, stops, administrator and settings in one transaction, then log the
    administrator in. `save_token` (the sync's keyring writer, injected by the caller) runs before
    that transaction commits: a refused token (too short, keyring locked) rolls everything back.
    Raises ValidationError with the field (nothing written), SecretStoreUnavailable, StoreError."""
    token = answers.token.strip()
    if token and save_token is None:
        raise ValueError("apply_setup: a token needs the keyring writer (save_token)")
    with store.write() as session:
        agent = write_setup(session, answers)
        agent_id = agent.id
        if token and save_token is not None:
            save_token(token)
    grant = auth.login(store, agent_id, answers.password)
    return SetupResult(grant, bool(token))
