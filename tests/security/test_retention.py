"""Retention with a frozen clock: identities older than the period are anonymised, counts kept."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from app.core import journal, retention
from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.activity import total_accompaniments, total_usagers
from app.core.context import Actor
from app.core.structures import create_agent
from app.core.usagers import UsagerInput, search_usagers
from app.models.enums import Role
from app.models.errors import PermissionDenied, ValidationError
from app.models.security import JournalEntry
from app.models.tables import Accompaniment, AccompanimentProcedure, Usager

TODAY = date(2026, 11, 23)  # the frozen "today" of every call below


@pytest.fixture(autouse=True)
def _clock_on_today(frozen_clock):
    """The service's own clock (journal stamps, the 12-month journal purge) agrees with TODAY."""
    frozen_clock.move_to(datetime.combine(TODAY, datetime.min.time()).replace(hour=10))
    return frozen_clock


def _visit(store, actor, when: datetime, first: str, last: str, note: str = "") -> int:
    with store.write() as session:
        acc = open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine("CAF", precision=f"dossier {last}")], thematique="social_sante",
            occurred_at=when, note=note, new_usager=UsagerInput(first_name=first, last_name=last,
                                                                  phone="0612345678", age_band="40_59",
                                                                  gender="feminin", territory="qpv",
                                                                  commune_insee="75056")),
            now=when + timedelta(hours=1))
        return acc.usager_id


@pytest.fixture
def people(store, actor):
    return {
        "old": _visit(store, actor, datetime(2024, 11, 22, 10), "Ancien", "Oldcanary", "note Oldcanary"),
        "edge": _visit(store, actor, datetime(2024, 11, 23, 10), "Limite", "Edgecase"),
        "recent": _visit(store, actor, datetime(2026, 5, 4, 10), "Recent", "Freshname", "note fraîche"),
    }


def test_usagers_older_than_24_months_are_flagged_then_anonymised_and_counts_kept(store, site, people):
    sup = site["supervisor"]
    span = (date(2024, 11, 1), date(2026, 12, 1))
    with store.read() as session:
        flagged = retention.due(session, sup, today=TODAY)
        counts = (total_accompaniments(session, None, *span), total_usagers(session, None, *span))
    assert (flagged.cutoff, flagged.usagers, flagged.accompaniments) == (date(2024, 11, 23), 1, 1)

    report = retention.run_retention(store, sup, today=TODAY)
    assert (report.usagers, report.accompaniments) == (1, 1)
    with store.read() as session:
        old, edge, recent = (session.get(Usager, people[k]) for k in ("old", "edge", "recent"))
        assert old.anonymous and old.first_name is None and old.last_name is None and old.phone is None
        # the profile goes with the identity: with dates and structure it could single the person out
        assert (old.age_band, old.gender, old.territory, old.commune_insee) == ("non_communique",) * 3 + (None,)
        assert (edge.age_band, edge.territory) == ("40_59", "qpv")
        assert not edge.anonymous and edge.last_name == "Edgecase"  # exactly 24 months: kept
        assert recent.last_name == "Freshname"
        assert search_usagers(session, sup, "Oldcanary") == []
        assert [u.id for u in search_usagers(session, sup, "Edgecase")] == [people["edge"]]
        old_acc = session.exec(select(Accompaniment).where(Accompaniment.usager_id == people["old"])).one()
        assert old_acc.note == ""
        line = session.exec(select(AccompanimentProcedure).where(AccompanimentProcedure.accompaniment_id == old_acc.id)).one()
        assert line.precision == "" and line.partner_code == "CAF"
        assert (total_accompaniments(session, None, *span), total_usagers(session, None, *span)) == counts
        entry = session.exec(select(JournalEntry).where(JournalEntry.action == "retention_run")).one()
        assert "1 usagers" in entry.detail and "Oldcanary" not in entry.detail
        assert journal.verify_chain(session).ok
        assert retention.due(session, sup, today=TODAY).usagers == 0  # idempotent


def test_a_day_later_the_edge_case_goes_too(store, site, people):
    retention.run_retention(store, site["supervisor"], today=TODAY + timedelta(days=1))
    with store.read() as session:
        assert session.get(Usager, people["edge"]).anonymous


def test_the_period_is_a_store_setting(store, site, people):
    with store.write() as session:
        admin = Actor(create_agent(session, site["fixed"].id, "admin", "Ada", Role.ADMINISTRATEUR).id,
                      site["fixed"].id, Role.ADMINISTRATEUR)
        with pytest.raises(PermissionDenied):
            retention.set_retention_months(session, site["supervisor"], 6)
        with pytest.raises(ValidationError):
            retention.set_retention_months(session, admin, 0)
        retention.set_retention_months(session, admin, 7)
    with store.read() as session:
        assert retention.retention_months(session) == 7
    report = retention.run_retention(store, site["supervisor"], today=TODAY)
    assert report.usagers == 3 - 1  # only the May 2026 visit is within 7 months


def test_the_run_also_purges_the_journal_entries_older_than_12_months(store, site, frozen_clock):
    with store.write() as session:
        journal.record(session, site["agent"], "usager_viewed", "usager:x",
                       now=frozen_clock.utcnow() - timedelta(days=400))
        journal.record(session, site["agent"], "usager_viewed", "usager:y")
    report = retention.run_retention(store, site["supervisor"], today=TODAY)
    assert report.journal_entries == 1
    with store.read() as session:
        assert journal.verify_chain(session).ok
        refs = [e.object_ref for e in session.exec(select(JournalEntry))]
    assert "usager:x" not in refs and "usager:y" in refs


def test_a_backdated_entry_drags_no_recent_entry_out_of_the_journal(store, site, people):
    """Finding 2(d): one entry « from 2000 » (a PC clock wrong once) after recent ones."""
    with store.write() as session:
        journal.record(session, site["agent"], "usager_viewed", "usager:clock", now=datetime(2000, 1, 1))
        journal.record(session, site["agent"], "usager_viewed", "usager:after")
    with store.read() as session:
        before = session.exec(select(JournalEntry).order_by(JournalEntry.id)).all()
    assert before[-2].at >= before[-3].at  # stamped no earlier than its predecessor
    report = retention.run_retention(store, site["supervisor"], today=TODAY)
    assert report.journal_entries == 0
    with store.read() as session:
        refs = [e.object_ref for e in session.exec(select(JournalEntry))]
        assert journal.verify_chain(session).ok
    assert {"usager:clock", "usager:after"} <= set(refs) and len(refs) == len(before) + 1


def test_agents_cannot_run_retention(store, site, people):
    with pytest.raises(PermissionDenied):
        retention.run_retention(store, site["agent"], today=TODAY)
    with store.read() as session:
        assert not session.get(Usager, people["old"]).anonymous
