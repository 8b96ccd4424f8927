"""The demo store's satisfaction answers, moments de vie in progress and usagers' residence (QPV,
ZRR), so that the first report and the first cases a newcomer opens are not « pas de données ».

Written through the real services (surveys.record_batch, checklists.start_moment and
set_step_status), with a random stream of their own: the accompaniments of a given seed do not
change. Each feature is skipped when its module is not installed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import bindparam
from sqlmodel import select

from app.core import activity, checklists, surveys
from app.models.tables import Accompaniment, AccompanimentProcedure, Usager

SURVEY_RATE = 0.10  # about one visit in ten gets an answer (screen after the visit, or paper)
MOMENTS = ("deces", "demenagement", "parent", "identite", "retraite", "emploi", "renovation", "handicap")
CASES_WITH_MOMENTS = 12
SCORES = (5, 4, 3, 2, 1)
SCORE_WEIGHTS = (46, 33, 11, 6, 4)


def add_surveys_and_moments(store, seed: int, today: date, actors: dict[int, object]) -> dict[str, int]:
    """Add the answers and moments; `actors` gives an agent per structure id. Returns the counts."""
    rng = random.Random(seed * 7919 + 1)
    counts = {"survey_answers": 0, "moments": 0}
    counts["survey_answers"] = _surveys(store, rng, today, actors, surveys)
    counts["moments"] = _moments(store, rng, today, actors, checklists)
    counts["residences"] = _residences(store, random.Random(seed * 7919 + 2))
    return counts


# The demo's Cher communes are mostly rural revitalisation zones; Saint-Amand-Montrond has a QPV.
RESIDENCE = (("zrr", 55), ("hors_qpv_zrr", 30), ("qpv", 5), ("non_communique", 10))


def _residences(store, rng: random.Random) -> int:
    """Usagers whose profile the agent recorded (an age band) also get their residence flag."""
    with store.write() as s:
        ids = list(s.exec(select(Usager.id).where(Usager.age_band != "non_communique").order_by(Usager.id)))
        codes, weights = zip(*RESIDENCE)
        drawn = [(i, rng.choices(codes, weights=weights)[0]) for i in ids]
        table = Usager.__table__  # a Core executemany: one statement for every usager
        s.connection().execute(table.update().where(table.c.id == bindparam("uid")).values(territory=bindparam("t")),
                               [{"uid": i, "t": t} for i, t in drawn if t != "non_communique"])
    return sum(1 for _i, t in drawn if t != "non_communique")


def _surveys(store, rng: random.Random, today: date, actors, surveys) -> int:
    first = today - timedelta(days=730)
    with store.read() as s:
        visits = list(s.exec(
            select(Accompaniment.id, Accompaniment.structure_id, Accompaniment.occurred_at, Accompaniment.canal,
                   Accompaniment.bus_stop_id, Accompaniment.thematique)
            .where(activity.counted(None, first, today + timedelta(days=1))).order_by(Accompaniment.id)))
        partners = dict(s.exec(select(AccompanimentProcedure.accompaniment_id, AccompanimentProcedure.partner_code)
                               .where(AccompanimentProcedure.position == 0)).all())
    by_structure: dict[int, list] = {}
    for acc_id, sid, at, canal, stop, theme in visits:
        if rng.random() >= SURVEY_RATE:
            continue
        score = lambda: rng.choices(SCORES, weights=SCORE_WEIGHTS)[0]  # noqa: E731
        by_structure.setdefault(sid, []).append(surveys.SurveyInput(
            satisfaction_globale=score(), facilite_acces=score(),
            delais=rng.choice((score(), score(), 3, None)), simplicite=rng.choice((score(), 3, None)),
            qualite_accueil=score(), demarche_aboutie=rng.random() < 0.82 if rng.random() < 0.9 else None,
            answered_on=at.date(), canal=canal, bus_stop_id=stop, partner_code=partners.get(acc_id),
            thematique=theme, source="ecran" if rng.random() < 0.7 else "papier", structure_id=sid))
    total = 0
    for sid, answers in by_structure.items():
        with store.write() as s:
            total += len(surveys.record_batch(s, actors[sid], answers, today=today))
    return total


def _moments(store, rng: random.Random, today: date, actors, checklists) -> int:
    """A dozen recent open cases each get a moment de vie, a few steps already done."""
    with store.read() as s:
        cases = list(s.exec(
            select(Accompaniment.id, Accompaniment.structure_id, Accompaniment.occurred_at)
            .where(Accompaniment.status.in_(("ouvert", "en_attente_partenaire")),
                   Accompaniment.usager_id.is_not(None),
                   Accompaniment.occurred_at >= today - timedelta(days=60))
            .order_by(Accompaniment.occurred_at.desc(), Accompaniment.id)))
    started = 0
    for (acc_id, sid, at), moment in zip(cases[:CASES_WITH_MOMENTS], MOMENTS * 2):
        actor = actors[sid]
        event = at.date() - timedelta(days=rng.randrange(2, 25))
        with store.write() as s:
            checklists.start_moment(s, actor, acc_id, moment, event, today=today)
            steps = checklists.moments_for_case(s, actor, acc_id, today=today)[0].steps
            for step in steps[:rng.randrange(1, 4)]:
                checklists.set_step_status(s, actor, step.id, "fait")
        started += 1
    return started
