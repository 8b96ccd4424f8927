"""Delay statistics against a hand-computed fixture (ties, open cases, « sans réponse »)."""

from datetime import date, datetime, timedelta

import pytest

from app.core import escalation_stats as stats
from app.core.escalations import EscalationInput, escalate, record_answer
from app.models.errors import PermissionDenied
from tests.desks import desk_for
from tests.referents.helpers import add_referent, open_case

# (partner, channel, sent, answered after n days or None (open) or "sans" (sans réponse))
FIXTURE = [
    ("CAF", "telephone", date(2026, 9, 1), 2),
    ("CAF", "telephone", date(2026, 9, 2), 5),
    ("CAF", "email", date(2026, 9, 3), 5),
    ("CAF", "email", date(2026, 9, 4), 5),
    ("CAF", "portail", date(2026, 9, 5), 10),
    ("CPAM", "email", date(2026, 9, 1), 3),
    ("CPAM", "email", date(2026, 9, 2), 7),
    ("CPAM", "email", date(2026, 9, 3), 7),
    ("CPAM", "portail", date(2026, 9, 4), 12),
    ("CPAM", "portail", date(2026, 9, 5), "sans"),
    ("CPAM", "email", date(2026, 9, 28), None),  # open, 16 days old on 14/10, expected 13/10: overdue
    ("DGFIP", "telephone", date(2026, 10, 10), None),  # open, 4 days old; sent outside September
]


@pytest.fixture
def report(store, site, frozen_clock):
    agent = site["agent"]
    caf_ref = add_referent(store, agent, name="Mme Alpha")
    case = open_case(store, agent, datetime(2026, 9, 1, 9, 0))
    for partner, channel, sent, after in FIXTURE:
        with store.write() as s:
            e = escalate(s, agent, EscalationInput(
                case, partner, channel, "dossier_bloque", referent_id=caf_ref if channel == "telephone"
                and partner == "CAF" else None, sent_on=sent, expected_by=sent + timedelta(days=15)))
            if after == "sans":
                record_answer(s, agent, e.id, "sans_reponse", sent + timedelta(days=30))
            elif after is not None:
                record_answer(s, agent, e.id, "resolu", sent + timedelta(days=after))
    return desk_for(store, site["supervisor"]).query(stats.delays, date(2026, 9, 1), date(2026, 10, 1))


def test_percentile_definitions():
    assert stats.median([3, 7, 7, 12]) == 7 and stats.median([2, 4]) == 3 and stats.median([]) is None
    assert stats.percentile([2, 5, 5, 5, 10], 90) == 10  # rank ceil(4.5) = 5
    assert stats.percentile([3, 7, 7, 12], 90) == 12  # rank ceil(3.6) = 4
    assert stats.percentile(list(range(1, 11)), 90) == 9  # rank 9 exactly
    assert stats.percentile([4], 90) == 4


def test_by_partner_hand_computed(report):
    by = {g.key: g for g in report.by_partner}
    assert set(by) == {"CAF", "CPAM"}  # DGFIP was sent in October
    caf, cpam = by["CAF"], by["CPAM"]
    assert (caf.sent, caf.answered, caf.median, caf.p90, caf.no_answer_rate, caf.open) == (5, 5, 5.0, 10, 0.0, 0)
    assert (cpam.sent, cpam.answered, cpam.median, cpam.p90, cpam.no_answer, cpam.open) == (6, 4, 7.0, 12, 1, 1)
    assert cpam.no_answer_rate == pytest.approx(1 / 5)
    assert (report.total.sent, report.total.median, report.total.p90) == (11, 5.0, 12)  # 2 3 5 5 5 7 7 10 12


def test_by_channel_and_referent(report):
    by = {g.key: g for g in report.by_channel}
    assert (by["telephone"].median, by["telephone"].p90) == (3.5, 5)  # 2, 5
    assert (by["email"].median, by["email"].p90, by["email"].open) == (5.0, 7, 1)  # 3 5 5 7 7
    assert (by["portail"].median, by["portail"].no_answer) == (11.0, 1)  # 10, 12
    refs = {g.label: g for g in report.by_referent}
    assert refs["Mme Alpha — CAF"].delays == [2, 5]
    assert refs["Sans référent nommé — Assurance Maladie"].sent == 6, list(refs)


def test_open_by_age_and_overdue(report):
    assert report.open_by_age == [("0 à 7 jours", 1), ("8 à 15 jours", 0), ("16 à 30 jours", 1),
                                  ("Plus de 30 jours", 0)]
    assert report.overdue == 1


def test_agents_cannot_read_delays_and_bus_sees_its_own(store, site, frozen_clock):
    with pytest.raises(PermissionDenied):
        desk_for(store, site["agent"]).query(stats.delays, date(2026, 9, 1), date(2026, 10, 1))
    sup = desk_for(store, site["supervisor"])
    assert sup.query(stats.delays, date(2026, 9, 1), date(2026, 10, 1), structure_id=site["bus"].id).total.sent == 0
