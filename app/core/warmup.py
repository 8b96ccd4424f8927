"""Warm the first screen's queries while nobody waits (the login-first start, app/ui/early_login.py).

The first run of a statement pays SQLAlchemy's mapper configuration and statement compilation
(~75 ms for the case list, the follow-ups and today's figures on this 2-core machine, under load);
later runs hit the compiled cache. `warm_first_screen` runs those very statements for an actor of
a structure that does not exist (id -1): the plans are compiled and cached and no case, usager or
agent row is returned (only the partners' labels, reference data), so nothing of anyone's data is
loaded before the login.
"""

from __future__ import annotations

from datetime import date

from app.core.cases import CaseFilter, list_cases, today_activity
from app.core.context import Actor
from app.models.enums import Role

NOBODY = -1  # no structure has this id (SQLite rowids start at 1)


def warm_first_screen(store, day: date | None = None) -> int:
    """Run the main window's first queries for nobody; returns the rows found (always 0)."""
    nobody = Actor(NOBODY, NOBODY, Role.AGENT, "", frozenset({NOBODY}))
    day = day or date.today()
    with store.read() as session:
        rows, _ = list_cases(session, nobody, CaseFilter(structure_id=NOBODY))
        due, _ = list_cases(session, nobody, CaseFilter(follow_up_due_by=day, structure_id=NOBODY))
        today = today_activity(session, nobody, day)
    return len(rows) + len(due) + today.total
