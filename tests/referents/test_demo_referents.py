"""The demo store's directory and escalations: fictitious contacts, partner-specific delays, some
escalations overdue in « À relancer »."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from app.core import demo, escalation_stats, escalations, referents
from app.core.bootstrap import open_app_store
from app.core.context import Actor
from app.models.enums import Role
from app.models.tables import Agent

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = open_app_store(demo.build_demo_store(tmp_path_factory.mktemp("demo") / "demo.db", today=TODAY))
    yield s
    s.close()


def _actor(store, role: str) -> Actor:
    with store.read() as s:
        agent = s.exec(select(Agent).where(Agent.role == role).order_by(Agent.id)).first()
        ids = frozenset(s.exec(select(Agent.structure_id)))
    return Actor(agent.id, agent.structure_id, Role(agent.role), agent.display_name,
                 ids if role != "agent" else frozenset())


def test_directory_is_fictitious_and_some_entries_need_checking(store):
    with store.read() as s:
        rows = referents.list_referents(s, _actor(store, "agent"), today=TODAY)
    assert len(rows) == len(demo_referents().DIRECTORY)
    assert all(r.contact.startswith("+33199") or "example.fr" in r.contact or r.channel in ("portail", "visio")
               for r in rows)
    assert any(r.stale for r in rows) and not all(r.stale for r in rows)


def test_partners_answer_at_their_own_pace(store):
    with store.read() as s:
        report = escalation_stats.delays(s, _actor(store, "superviseur"), date(2024, 11, 1), TODAY, today=TODAY)
    by = {g.key: g for g in report.by_partner}
    assert report.total.sent > 100
    assert by["DGFIP"].median < by["CAF"].median < by["CNAV"].median  # 3, 6 and 14 days typical
    assert by["ANTS"].no_answer_rate > by["DGFIP"].no_answer_rate


def test_some_recent_escalations_wait_and_some_are_due(store):
    with store.read() as s:
        actor = _actor(store, "superviseur")
        due = escalations.due_escalations(s, actor, TODAY)
        report = escalation_stats.delays(s, actor, date(2026, 10, 1), TODAY, today=TODAY)
    assert report.total.open >= 1 and len(due) >= 1


def demo_referents():
    from app.core import demo_referents

    return demo_referents
