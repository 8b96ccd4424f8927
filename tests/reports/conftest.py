"""A hand-built store whose every figure is known: October 2026 at a fixed site and its bus."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.usagers import UsagerInput

OCTOBER = date(2026, 10, 1)
AS_OF = date(2026, 11, 3)  # "today" for overdue follow-ups


def _log(session, actor, when: datetime, lines, **kw):
    follow_up = kw.pop("follow_up_on", None) if not (kw.get("usager_id") or kw.get("new_usager")) else None
    if follow_up is not None:
        kw.setdefault("status", "ouvert")
    data = AccompanimentInput(procedures=[ProcedureLine(*line) for line in lines], occurred_at=when, **kw)
    acc = open_accompaniment(session, actor, data, now=when)
    if follow_up is not None:
        # An anonymous follow-up, as planned before the reachability rule (app/core/reachability.py):
        # such cases stay in stores and must still be counted.
        acc.follow_up_on = follow_up
        session.add(acc)
        session.flush()
    return acc


@pytest.fixture
def october(store, site):
    """Five counted accompaniments in October 2026 (three at the site, two on the bus), plus
    decoys that must not count: a cancelled one, one on 1 November at midnight."""
    agent, bus_agent = site["agent"], site["bus_agent"]
    stop_a, stop_b = site["stops"]
    with store.write() as s:
        a1 = _log(s, agent, datetime(2026, 10, 5, 10, 0), [("CAF", "CAF-PRIME-ACTIVITE")],
                  autonomy="a_participe", finalisation="finalisee",
                  new_usager=UsagerInput(first_name="Alice", last_name="Zorglub", phone="06 12 34 56 78"))
        _log(s, agent, datetime(2026, 10, 5, 14, 0), [("CAF", "CAF-RSA"), ("CPAM", None, "carte vitale")],
             response_type="accompagnement_numerique", canal="telephone", usager_id=a1.usager_id,
             follow_up_on=date(2026, 10, 20), autonomy="entierement_accompagne")
        _log(s, agent, datetime(2026, 10, 12, 9, 30), [("ANTS", "ANTS-CNI-PREDEMANDE")],
             response_type="demarche_realisee_sous_mandat", mandate="papier",
             status="en_attente_partenaire", follow_up_on=date(2026, 11, 30),
             finalisation="doit_revenir")
        _log(s, bus_agent, datetime(2026, 10, 13, 11, 0), [("CAF", "CAF-PRIME-ACTIVITE")],
             canal="itinerant_bus", bus_stop_id=stop_a.id, autonomy="plutot_autonome")
        _log(s, bus_agent, datetime(2026, 10, 31, 23, 30), [("DGFIP", None, "=SUM(A1)")],
             canal="itinerant_bus", bus_stop_id=stop_b.id, thematique="argent_impots")
        # decoys
        _log(s, agent, datetime(2026, 10, 20, 10, 0), [("CAF", "CAF-RSA")], status="annule")
        _log(s, agent, datetime(2026, 11, 1, 0, 0), [("CAF", "CAF-RSA")])
        _log(s, agent, datetime(2026, 9, 30, 23, 59), [("CPAM", None)], thematique="social_sante")
        # previous month (September, one is the decoy above) and same month last year
        _log(s, agent, datetime(2026, 9, 2, 9, 0), [("ANTS", "ANTS-CNI-PREDEMANDE")], usager_id=a1.usager_id)
        _log(s, agent, datetime(2025, 10, 15, 9, 0), [("CAF", "CAF-RSA")])
        # an old follow-up still open: in the backlog, overdue
        _log(s, agent, datetime(2026, 8, 1, 9, 0), [("CNAV", None)], thematique="travail_formation", follow_up_on=date(2026, 8, 15))
    return site
