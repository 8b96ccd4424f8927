"""Shared fixtures: every store test runs on a real SQLite file in a temporary folder."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch the machine's keyring: a test backend is selected explicitly where needed.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
# No automatic backups from windows opened by tests (tests/ui/test_backup_dialog.py turns them on).
os.environ.setdefault("GUICHET_AUTO_BACKUP", "0")
# The national sync's machine registry (app/sync/device.py) goes to a temporary folder, never the
# user's data folder (tests/sync gives each test its own).
os.environ.setdefault("GUICHET_SYNC_REGISTRY", os.path.join(__import__("tempfile").mkdtemp(prefix="guichet-"),
                                                            "appareil.json"))

import pytest  # noqa: E402

from app.core import structures  # noqa: E402
from app.core.bootstrap import open_app_store  # noqa: E402
from app.core.context import Actor  # noqa: E402
from app.models.enums import Role, StructureKind  # noqa: E402


@pytest.fixture
def store(tmp_path):
    s = open_app_store(tmp_path / "guichet.db")
    yield s
    if "app.ui.workers" in sys.modules:  # as the app does at quit: background operations first
        sys.modules["app.ui.workers"].drain()
    s.close()


@pytest.fixture
def site(store):
    """A fixed France services with an agent and a supervisor, plus a bus with two stops."""
    with store.write() as session:
        fixed = structures.create_structure(session, "100001", "France services de Testville")
        bus = structures.create_structure(session, "100002", "Bus France services du Val", StructureKind.BUS,
                                          stops=["Place de l'église", "Marché couvert"])
        agent = structures.create_agent(session, fixed.id, "marie", "Marie Curie")
        sup = structures.create_agent(session, fixed.id, "paul", "Paul Sup", Role.SUPERVISEUR)
        driver = structures.create_agent(session, bus.id, "lea", "Léa Bus")
        stops = structures.bus_stops(session, bus.id)
    return {
        "fixed": fixed, "bus": bus, "stops": stops,
        "agent": Actor(agent.id, fixed.id, Role.AGENT, agent.display_name),
        "supervisor": Actor(sup.id, fixed.id, Role.SUPERVISEUR, sup.display_name),
        "bus_agent": Actor(driver.id, bus.id, Role.AGENT, driver.display_name),
    }


@pytest.fixture
def actor(site):
    return site["agent"]


@pytest.fixture
def secure_keyring():
    """A secure-looking in-memory keyring for the test, restored afterwards."""
    import keyring

    from app.store import secrets
    from tests.memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    secrets.use_backend(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    """The machine's situation here: keyring's fail backend."""
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def desk(store, actor):
    """A Desk for the `actor` fixture's agent (see tests/desks.py)."""
    from tests.desks import desk_for

    return desk_for(store, actor)
