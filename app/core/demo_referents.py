"""The demo store's partner référents (fictitious names, phones in the ARCEP fiction range
01 99 00 xx xx, example.fr addresses) and two years of escalations with partner-specific delays,
so that the delays screen and the « À relancer » list have something true-to-life to show.

Rows are written directly (as a site that had recorded them would hold them, and without the
wall-clock stamps the services add, so two builds of a seed stay identical): past escalations of
closed cases with their answers, and up to eight recent open cases sent on, most still « en
attente du partenaire » with the follow-up date on the expected answer, some overdue. A random stream of its own: the accompaniments of a seed do not
change.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import select

from app.core import referents
from app.models.referents import Escalation, EscalationReason, Referent
from app.models.tables import Accompaniment, AccompanimentProcedure

# partner: (median delay in days, spread, « sans réponse » share, usual channel)
PROFILES = {"CAF": (6, 0.6, 0.05, "telephone"), "CPAM": (9, 0.5, 0.08, "email"),
            "DGFIP": (3, 0.5, 0.02, "portail"), "FT": (4, 0.6, 0.06, "email"),
            "CNAV": (14, 0.5, 0.15, "email"), "ANTS": (12, 0.7, 0.20, "portail"), "MSA": (7, 0.5, 0.05, "telephone")}
DIRECTORY = [
    ("CAF", "departemental", "Aline Exemple — référente partenariats", "telephone", "01 99 00 01 01", "lun.–ven. 9 h–12 h"),
    ("CAF", "departemental", "Boîte partenaires France services", "email", "partenaires-fs@caf.example.fr", ""),
    ("CPAM", "departemental", "Bruno Fictif — conseiller partenaires", "email", "referent-fs@cpam.example.fr", ""),
    ("DGFIP", "departemental", "Cellule partenaires du SIP", "portail", "Administration+", ""),
    ("FT", "local", "Agence locale — référente partenariats", "visio", "Mardi 14 h–16 h (lien la veille)", "mar. 14 h–16 h"),
    ("CNAV", "regional", "Carsat — pôle partenaires", "email", "partenaires@carsat.example.fr", ""),
    ("ANTS", "national", "Espace partenaire France Titres", "portail", "Espace partenaire ANTS", ""),
    ("MSA", "departemental", "Chloé Démo — référente MSA", "telephone", "01 99 00 01 07", "lun., jeu. 14 h–17 h"),
]
RATE = 0.03  # about three visits in a hundred for these partners are sent on to the partner
RECENT_OPEN = 8  # recent cases sent through the services, some overdue


def add_directory_and_escalations(store, seed: int, today: date, actors: dict[int, object]) -> dict[str, int]:
    rng = random.Random(seed * 7919 + 3)
    ids: dict[tuple[int, str], int] = {}
    for sid, actor in actors.items():
        with store.write() as s:
            for partner, scope, name, channel, contact, hours in DIRECTORY:
                verified = today - timedelta(days=rng.randrange(10, 320))  # a few « à vérifier »
                row = referents.save_referent(s, actor, None, referents.ReferentInput(
                    partner, scope, name, channel, contact, hours, "", verified, sid))
                ids.setdefault((sid, partner), row.id)
    first = today - timedelta(days=730)
    with store.read() as s:
        visits = list(s.exec(
            select(Accompaniment.id, Accompaniment.structure_id, Accompaniment.occurred_at, Accompaniment.status,
                   Accompaniment.agent_id, AccompanimentProcedure.partner_code)
            .join(AccompanimentProcedure, AccompanimentProcedure.accompaniment_id == Accompaniment.id)
            .where(AccompanimentProcedure.position == 0, AccompanimentProcedure.partner_code.in_(list(PROFILES)),
                   Accompaniment.occurred_at >= first, Accompaniment.status != "annule")
            .order_by(Accompaniment.id)))
    past, recent = [], []
    for acc_id, sid, at, status, agent_id, partner in visits:
        if sid not in actors:
            continue
        if status in ("ouvert", "en_attente_partenaire") and (today - at.date()).days < 45:
            recent.append((acc_id, sid, at.date(), agent_id, partner))  # every recent open case is a candidate
        elif rng.random() < RATE:
            past.append((acc_id, sid, at.date(), agent_id, partner))
    rng.shuffle(recent)
    with store.write() as s:
        for acc_id, sid, day, agent_id, partner in past:
            median, spread, silent, channel = PROFILES[partner]
            sent = day + timedelta(days=rng.choice((0, 0, 1, 2)))
            delay = max(0, round(rng.lognormvariate(0, spread) * median))
            answered, outcome = sent + timedelta(days=delay), rng.choices(
                ("resolu", "piece_demandee", "refus", "reoriente"), weights=(70, 18, 6, 6))[0]
            if rng.random() < silent:
                answered, outcome = sent + timedelta(days=45), "sans_reponse"
            if sent > today or answered > today:
                continue
            s.add(Escalation(accompaniment_id=acc_id, structure_id=sid, partner_code=partner,
                             referent_id=ids.get((sid, partner)) if rng.random() < 0.7 else None,
                             channel=channel, sent_on=sent, reason=rng.choice(list(EscalationReason)).value,
                             expected_by=sent + timedelta(days=15), answered_on=answered, outcome=outcome,
                             agent_id=agent_id))
    with store.write() as s:
        for n, (acc_id, sid, day, agent_id, partner) in enumerate(recent[:RECENT_OPEN]):
            sent = min(today, day + timedelta(days=1))
            answered = n % 3 == 2  # a third already answered
            s.add(Escalation(accompaniment_id=acc_id, structure_id=sid, partner_code=partner,
                             referent_id=ids.get((sid, partner)), channel=PROFILES[partner][3], sent_on=sent,
                             reason="dossier_bloque", note="Relance du dossier", expected_by=sent + timedelta(days=10),
                             answered_on=min(today, sent + timedelta(days=4)) if answered else None,
                             outcome="resolu" if answered else None, agent_id=agent_id))
            # the case as escalations.escalate leaves it (written directly: the demo's case rows and
            # history must not depend on the wall clock, tests/test_demo.py compares two builds)
            acc = s.get(Accompaniment, acc_id)
            if not answered:
                acc.status, acc.follow_up_on = "en_attente_partenaire", sent + timedelta(days=10)
                s.add(acc)
    with store.read() as s:
        total = len(s.exec(select(Escalation.id)).all())
        directory = len(s.exec(select(Referent.id)).all())
    return {"referents": directory, "escalations": total}
