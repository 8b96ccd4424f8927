"""Agents' passwords: Argon2id parameters, policy, throttling with a fake clock, rehash upgrade."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from app.core import auth, journal
from app.core.context import Actor
from app.models.enums import Role
from app.models.errors import PermissionDenied, ValidationError
from app.models.security import JournalEntry, LoginAttempt
from app.models.tables import Agent
from app.store.engine import open_store

GOOD = "Guichet-Soleil-2026"
T0 = datetime(2026, 3, 2, 9, 0, 0)


@pytest.fixture
def fast_hash(monkeypatch):
    from argon2 import profiles

    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)


class Clocks:
    """The wall clock (`now`, which whoever sits at the PC may move) and the process's monotonic one."""

    def __init__(self):
        self.now, self.mono = T0, 5000.0

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture
def clocks(monkeypatch):
    c = Clocks()
    monkeypatch.setattr(auth, "monotonic", lambda: c.mono)
    monkeypatch.setattr(auth, "_MONO_LOCKS", {})
    return c


@pytest.fixture
def marie(store, site, fast_hash):
    with store.write() as session:
        auth.set_password(session, site["agent"].agent_id, GOOD)
    return site["agent"].agent_id


def test_hashes_are_argon2id_with_rfc9106_low_memory_parameters_and_verify_within_a_second(store, site):
    agent_id = site["agent"].agent_id
    with store.write() as session:
        auth.set_password(session, agent_id, GOOD)
    with store.read() as session:
        stored = session.get(Agent, agent_id).password_hash
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert GOOD not in stored
    # CPU time, not wall-clock: the goal is about the hash cost, not about a loaded test machine.
    # Any argon2 verifier reads the cost from the stored hash itself, so this times that cost.
    start = time.process_time()
    PasswordHasher().verify(stored, GOOD)
    assert time.process_time() - start < 1.0
    actor = auth.login(store, agent_id, GOOD)
    assert (actor.agent_id, actor.structure_id, actor.role, actor.display_name) == (agent_id, site["fixed"].id, Role.AGENT, "Marie Curie")


@pytest.mark.parametrize("weak", ["", "court1!", "motdepasselong", "MotDePasseLong", "aaaaaaaaaaaA1!",
                                  "Marie-marie-2026x", "un deux trois quatre"])
def test_weak_passwords_are_refused_with_a_french_message(store, site, weak):
    with store.write() as session:
        with pytest.raises(ValidationError) as info:
            auth.set_password(session, site["agent"].agent_id, weak)
    assert info.value.field == "password"


@pytest.mark.parametrize("strong", ["Guichet-Marie-2026x", "tulipe5Ecran!Nuage",
                                    "le bus passe mardi devant la mairie"])
def test_strong_passwords_and_passphrases_are_accepted(strong):
    auth.check_policy(strong, "paul")


def test_wrong_password_is_refused_and_journaled(store, marie):
    with pytest.raises(ValidationError, match="incorrect"):
        auth.login(store, marie, "Pas-le-bon-2026", now=T0)
    with store.read() as session:
        entry = session.exec(select(JournalEntry).where(JournalEntry.action == "login_failed")).one()
        assert entry.agent_id == marie and entry.object_ref == f"agent:{marie}"
        assert "Pas-le-bon" not in entry.detail


def test_five_failures_then_30s_doubling_and_capped_with_a_fake_clock(store, marie, clocks):
    for _ in range(4):
        with pytest.raises(ValidationError) as info:
            auth.login(store, marie, "faux", now=clocks.now)
        assert "réessayez" not in info.value.message
    with pytest.raises(ValidationError, match="réessayez dans 30 s"):
        auth.login(store, marie, "faux", now=clocks.now)
    # during the delay even the right password is refused, without being checked, and counted
    clocks.advance(10)
    with pytest.raises(ValidationError, match="réessayez dans 20 s"):
        auth.login(store, marie, GOOD, now=clocks.now)
    clocks.advance(21)
    with pytest.raises(ValidationError, match="réessayez dans 120 s"):  # 7th failure (the try above counts)
        auth.login(store, marie, "faux", now=clocks.now)
    delays = []
    for _ in range(8):
        clocks.advance(auth.MAX_DELAY_S + 1)
        with pytest.raises(ValidationError) as info:
            auth.login(store, marie, "faux", now=clocks.now)
        delays.append(int(info.value.message.split("dans ")[1].split(" s")[0]))
    assert delays == [240, 480, 900, 900, 900, 900, 900, 900]
    with store.read() as session:
        failures = session.exec(select(JournalEntry).where(JournalEntry.action == "login_failed")).all()
        assert len(failures) == 15  # every try is journaled, the one made during the delay too
        assert sum("pendant le blocage" in e.detail for e in failures) == 1
    clocks.advance(auth.MAX_DELAY_S + 1)
    assert auth.login(store, marie, GOOD, now=clocks.now).agent_id == marie
    with store.read() as session:
        assert session.get(LoginAttempt, marie) is None  # success resets the counter


def test_the_delay_survives_closing_and_reopening_the_store(store, marie):
    for _ in range(5):
        with pytest.raises(ValidationError):
            auth.login(store, marie, "faux", now=T0)
    path = store.path
    store.close()
    reopened = open_store(path)
    try:
        with pytest.raises(ValidationError, match="réessayez"):
            auth.login(reopened, marie, GOOD, now=T0 + timedelta(seconds=5))
    finally:
        reopened.close()


def test_an_old_weaker_hash_is_upgraded_at_the_next_good_login(store, site, monkeypatch):
    from argon2 import profiles

    agent_id = site["agent"].agent_id
    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)
    with store.write() as session:
        auth.set_password(session, agent_id, GOOD)
    with store.read() as session:
        assert "m=8,t=1,p=1" in session.get(Agent, agent_id).password_hash
    monkeypatch.setattr(auth, "HASH_PARAMETERS", None)  # the production profile again
    auth.login(store, agent_id, GOOD)
    with store.read() as session:
        upgraded = session.get(Agent, agent_id).password_hash
    assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert auth.login(store, agent_id, GOOD).agent_id == agent_id


def test_only_an_administrator_sets_someone_elses_password(store, site, fast_hash):
    from app.core import structures

    marie, paul = site["agent"], site["supervisor"]
    with store.write() as session:
        admin = auth.actor_for(structures.create_agent(session, site["fixed"].id, "admin", "Ada", Role.ADMINISTRATEUR))
        auth.set_password(session, admin.agent_id, "Ada-Gouverne-2026", actor=admin)
        auth.set_password(session, marie.agent_id, GOOD, actor=marie)  # one's own: fine
        with pytest.raises(PermissionDenied):
            auth.set_password(session, marie.agent_id, "Autre-Secret-2026", actor=paul)
        auth.set_password(session, marie.agent_id, "Autre-Secret-2026", actor=admin)
    assert auth.login(store, marie.agent_id, "Autre-Secret-2026").agent_id == marie.agent_id


def test_login_is_required_once_an_agent_has_a_password(store, site, fast_hash):
    with store.read() as session:
        assert not auth.login_required(session)
    with store.write() as session:
        auth.set_password(session, site["agent"].agent_id, GOOD)
    with store.read() as session:
        assert auth.login_required(session)


def test_an_administrator_manages_agents_and_cannot_lock_themself_out(store, site, fast_hash):
    from app.core import structures

    with store.write() as session:
        admin_row = structures.create_agent(session, site["fixed"].id, "admin", "Ada Admin", Role.ADMINISTRATEUR)
        admin = auth.actor_for(admin_row)
        auth.set_password(session, admin.agent_id, "Ada-Gouverne-2026")  # the wizard's first password
        created = auth.add_agent(session, admin, "jean", "Jean Neuf", Role.AGENT, "Pomme-Neuve-Guichet-1")
        auth.update_agent(session, admin, created.id, role=Role.SUPERVISEUR)
        with pytest.raises(PermissionDenied):
            auth.update_agent(session, admin, admin.agent_id, active=False)
        with pytest.raises(PermissionDenied):
            auth.add_agent(session, site["supervisor"], "zoe", "Zoé", Role.AGENT)
        actions = [e.action for e in session.exec(select(JournalEntry).order_by(JournalEntry.id))]
    assert actions[-3:] == ["agent_created", "password_set", "agent_updated"]
    assert auth.login(store, created.id, "Pomme-Neuve-Guichet-1").role == Role.SUPERVISEUR
    with store.read() as session:
        assert journal.verify_chain(session).ok
