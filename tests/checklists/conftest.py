"""Factories for the checklist tests: a case (accompaniment) with an identified usager."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.usagers import UsagerInput


@pytest.fixture
def case_id(store, actor):
    with store.write() as session:
        acc = open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine("MAIRIE", "MAIRIE-DECLARATION-DECES")],
            occurred_at=datetime(2026, 11, 2, 10, 0), status="ouvert",
            new_usager=UsagerInput(first_name="Jeanne", last_name="Martin")),
            now=datetime(2026, 11, 2, 10, 5))
        return acc.id
