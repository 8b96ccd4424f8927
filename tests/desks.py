"""Desks for tests: the `site` fixture's actors are plain Actors, which a Desk refuses; a test
gets the Grant a login would issue for that agent."""

from __future__ import annotations

from app.core import auth
from app.core.desk import Desk


def grant_for(store, actor, password: str | None = None) -> auth.Grant:
    """The Grant of `actor`'s agent: by password once passwords exist, else as the login does
    while no agent has one."""
    if password is not None:
        return auth.login(store, actor.agent_id, password)
    with store.read() as session:
        return auth.grant_without_password(session, actor.agent_id)


def desk_for(store, actor, password: str | None = None) -> Desk:
    return Desk(store, grant_for(store, actor, password))
