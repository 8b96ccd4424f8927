"""Issue 12, findings 1 and 10: nobody logs in without a password once anyone has one, and the
lock-out counts every try and holds when the wall clock is moved."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from app.core import auth, structures
from app.models.enums import Role
from app.models.errors import PermissionDenied, ValidationError
from app.models.security import JournalEntry, LoginAttempt
from app.models.tables import Agent
from tests.security.snapshot import tables_fingerprint as _snapshot

GOOD = "Guichet-Soleil-2026"
ADMIN_PW = "Grand-Chef-Gouverne-2026"
T0 = datetime(2026, 3, 2, 9, 0, 0)


class Clocks:
    def __init__(self):
        self.now, self.mono = T0, 5000.0

    def advance(self, seconds: float, *, wall: float | None = None) -> None:
        """Let `seconds` pass; `wall` moves the wall clock by another amount (someone changed it)."""
        self.now += timedelta(seconds=seconds if wall is None else wall)
        self.mono += seconds


@pytest.fixture(autouse=True)
def clocks(monkeypatch):
    from argon2 import profiles

    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)
    c = Clocks()
    monkeypatch.setattr(auth, "monotonic", lambda: c.mono)
    monkeypatch.setattr(auth, "_MONO_LOCKS", {})
    return c


@pytest.fixture
def admin(store, site):
    """The set-up wizard's administrator, with the first password of the store."""
    with store.write() as session:
        row = structures.create_agent(session, site["fixed"].id, "ada", "Ada Admin", Role.ADMINISTRATEUR)
        auth.set_password(session, row.id, ADMIN_PW)
    return auth.actor_for(row)


def _failures(store) -> list[JournalEntry]:
    with store.read() as session:
        return list(session.exec(select(JournalEntry).where(JournalEntry.action == "login_failed")))


# ----------------------------------------------------------------------------- finding 1

def test_an_agent_without_a_password_is_refused_once_another_agent_has_one(store, site, admin):
    paul = site["supervisor"].agent_id  # never given a password
    for typed in ("", "n'importe quoi", GOOD):
        with pytest.raises(ValidationError, match="demandez à un administrateur") as info:
            auth.login(store, paul, typed)
        assert info.value.field == "password"
    assert [e.detail for e in _failures(store)] == ["aucun mot de passe défini"] * 3


def test_without_any_password_in_the_store_the_desk_stays_open_as_before(store, site):
    assert auth.login(store, site["supervisor"].agent_id, "").agent_id == site["supervisor"].agent_id


def test_set_password_without_an_actor_works_only_while_nobody_has_one(store, site, admin):
    before = _snapshot(store)
    with store.write() as session:
        with pytest.raises(PermissionDenied):
            auth.set_password(session, admin.agent_id, "Autre-Secret-2031")  # the admin's own, hijacked
        with pytest.raises(PermissionDenied):
            auth.set_password(session, site["agent"].agent_id, GOOD)
    assert _snapshot(store) == before
    assert auth.login(store, admin.agent_id, ADMIN_PW).agent_id == admin.agent_id


@pytest.mark.parametrize("password", [None, "", "court"])
def test_creating_an_agent_requires_a_password_meeting_the_policy(store, site, admin, password):
    before = _snapshot(store)
    with pytest.raises(ValidationError) as info:
        with store.write() as session:
            auth.add_agent(session, admin, "zoe", "Zoé Neuve", Role.SUPERVISEUR, password)
    assert info.value.field == "password"
    assert _snapshot(store) == before


def test_the_supervisor_of_the_finding_cannot_log_in_with_an_empty_password(store, site, admin):
    with store.write() as session:
        zoe = auth.add_agent(session, admin, "zoe", "Zoé Neuve", Role.SUPERVISEUR, "Lune-Supervise-2026")
    with pytest.raises(ValidationError, match="incorrect"):
        auth.login(store, zoe.id, "")
    assert auth.login(store, zoe.id, "Lune-Supervise-2026").role == Role.SUPERVISEUR


def test_editing_an_active_agent_without_a_password_requires_one(store, site, admin):
    paul = site["supervisor"].agent_id
    before = _snapshot(store)
    with pytest.raises(ValidationError, match="pas de mot de passe") as info:
        with store.write() as session:
            auth.update_agent(session, admin, paul, role=Role.AGENT, display_name="Paul Nouveau")
    assert info.value.field == "password"
    assert _snapshot(store) == before  # neither the role nor the name changed
    with pytest.raises(ValidationError, match="trop faible"):
        with store.write() as session:
            auth.update_agent(session, admin, paul, role=Role.AGENT, password="court")
    assert _snapshot(store) == before
    with store.write() as session:
        auth.update_agent(session, admin, paul, role=Role.AGENT, password="Soleil-Revient-2031")
    assert auth.login(store, paul, "Soleil-Revient-2031").role == Role.AGENT


def test_deactivating_an_agent_without_a_password_needs_none(store, site, admin):
    with store.write() as session:
        auth.update_agent(session, admin, site["supervisor"].agent_id, active=False)
        assert session.get(Agent, site["supervisor"].agent_id).active is False


def test_an_administrator_without_a_password_sets_their_own_before_anyone_elses(store, site):
    """Otherwise the first password given to someone else would lock the administrator out."""
    with store.write() as session:
        ada = auth.actor_for(structures.create_agent(session, site["fixed"].id, "ada", "Ada", Role.ADMINISTRATEUR))
    before = _snapshot(store)
    with pytest.raises(ValidationError, match="votre propre mot de passe"):
        with store.write() as session:
            auth.add_agent(session, ada, "zoe", "Zoé", Role.AGENT, "Lune-Travaille-2026")
    with pytest.raises(ValidationError, match="votre propre mot de passe"):
        with store.write() as session:
            auth.set_password(session, site["agent"].agent_id, GOOD, actor=ada)
    assert _snapshot(store) == before
    with store.write() as session:
        auth.update_agent(session, ada, ada.agent_id, password=ADMIN_PW)
        auth.add_agent(session, ada, "zoe", "Zoé", Role.AGENT, "Lune-Travaille-2026")
    assert auth.login(store, ada.agent_id, ADMIN_PW).agent_id == ada.agent_id


# ----------------------------------------------------------------------------- finding 10

def _lock_out(store, agent_id, clocks) -> None:
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(ValidationError):
            auth.login(store, agent_id, "faux", now=clocks.now)


@pytest.fixture
def marie(store, site):
    with store.write() as session:
        auth.set_password(session, site["agent"].agent_id, GOOD)
    return site["agent"].agent_id


def test_tries_during_a_lock_out_are_counted_and_journaled(store, marie, clocks):
    _lock_out(store, marie, clocks)
    for typed in ("faux", GOOD, "encore"):
        clocks.advance(1)
        with pytest.raises(ValidationError, match="réessayez"):
            auth.login(store, marie, typed, now=clocks.now)
    with store.read() as session:
        assert session.get(LoginAttempt, marie).failures == auth.FREE_FAILURES + 3
    details = [e.detail for e in _failures(store)]
    assert details[-3:] == [f"essai pendant le blocage, n° {n}" for n in (6, 7, 8)]
    assert all(GOOD not in d and "encore" not in d for d in details)
    # the current lock-out is not extended (the agent who typed the right password is not punished
    # further now), but the next failure's delay reflects every try: 8 + 1 failures -> 480 s
    clocks.advance(30)
    with pytest.raises(ValidationError, match="réessayez dans 480 s"):
        auth.login(store, marie, "faux", now=clocks.now)


def test_moving_the_wall_clock_forward_does_not_lift_the_lock_out(store, marie, clocks):
    _lock_out(store, marie, clocks)
    clocks.advance(5, wall=24 * 3600)  # five real seconds, the clock set a day ahead
    with pytest.raises(ValidationError, match="réessayez dans 25 s"):
        auth.login(store, marie, GOOD, now=clocks.now)
    clocks.advance(25, wall=0)  # thirty real seconds in all: over, whatever the wall clock says
    assert auth.login(store, marie, GOOD, now=clocks.now).agent_id == marie


def test_moving_the_wall_clock_back_does_not_shorten_or_stretch_the_lock_out(store, marie, clocks):
    _lock_out(store, marie, clocks)
    clocks.advance(10, wall=-30 * 24 * 3600)
    with pytest.raises(ValidationError, match="réessayez dans 20 s"):
        auth.login(store, marie, GOOD, now=clocks.now)


def test_after_a_restart_the_stored_end_decides_and_never_for_longer_than_the_lock_out(store, marie, clocks,
                                                                                         monkeypatch):
    _lock_out(store, marie, clocks)
    monkeypatch.setattr(auth, "_MONO_LOCKS", {})  # a new process: its monotonic clock knows nothing
    clocks.advance(5)
    with pytest.raises(ValidationError, match="réessayez dans 25 s"):
        auth.login(store, marie, GOOD, now=clocks.now)
    clocks.advance(0, wall=-365 * 24 * 3600)  # a year back: still at most the lock-out's 30 s
    with pytest.raises(ValidationError, match="réessayez dans 30 s"):
        auth.login(store, marie, GOOD, now=clocks.now)
