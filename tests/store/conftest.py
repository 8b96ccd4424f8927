"""Store-room fixtures: encrypted stores on real files, with an explicit test keyring."""

from __future__ import annotations

import pytest

from app.core import structures
from app.core.bootstrap import create_app_store
from app.core.context import Actor
from app.models.enums import Role


@pytest.fixture
def enc_store(tmp_path, secure_keyring):
    """A freshly set-up encrypted store (as the set-up wizard makes it) and its recovery code."""
    store, code = create_app_store(tmp_path / "data" / "guichet.db", encrypted=True)
    store.recovery_code = code  # for the tests only
    yield store
    store.close()


def seed_site(store) -> dict:
    with store.write() as session:
        fixed = structures.create_structure(session, "100001", "France services de Testville")
        agent = structures.create_agent(session, fixed.id, "marie", "Marie Curie")
        sup = structures.create_agent(session, fixed.id, "paul", "Paul Sup", Role.SUPERVISEUR)
    return {"agent": Actor(agent.id, fixed.id, Role.AGENT, agent.display_name),
            "supervisor": Actor(sup.id, fixed.id, Role.SUPERVISEUR, sup.display_name)}
