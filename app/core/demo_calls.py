"""The demo store's call attempts: the oldest overdue follow-ups already tried once or twice, so
that « À relancer » shows what a worked list looks like (« Dernier appel », the case history).

Written through the real use case (app/core/followups.log_call), without a next date, so the
follow-up list and its counts stay those of the accompaniments; a random stream of its own.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time

from sqlmodel import select

from app.core import followups
from app.models.tables import Accompaniment, Usager

CASES_CALLED = 10
NOTES = ("", "", "laissé un message", "rappeler en fin de matinée", "numéro occupé")


def add_call_attempts(store, seed: int, today: date, actors: dict[int, object]) -> int:
    """Log one or two unanswered calls on the oldest open follow-ups. Returns the count."""
    rng = random.Random(seed * 104729 + 3)
    _phones_for_follow_ups(store, rng)
    with store.read() as s:
        cases = list(s.exec(
            select(Accompaniment.id, Accompaniment.structure_id)
            .join(Usager, Usager.id == Accompaniment.usager_id)
            .where(Accompaniment.status.in_(("ouvert", "en_attente_partenaire")),
                   Accompaniment.follow_up_on <= today, Usager.phone.is_not(None), Usager.anonymous == False)  # noqa: E712
            .order_by(Accompaniment.follow_up_on, Accompaniment.id).limit(CASES_CALLED)))
    logged = 0
    now = datetime.combine(today, time(9, 0))
    for acc_id, sid in cases:
        for _ in range(rng.choice((1, 1, 2))):
            with store.write() as s:
                followups.log_call(s, actors[sid], acc_id, followups.CallInput(
                    rng.choice(("messagerie", "messagerie", "injoignable")), rng.choice(NOTES)), now=now)
            logged += 1
    return logged


def _phones_for_follow_ups(store, rng: random.Random) -> None:
    """The builder plans follow-ups as stores made before the reachability rule may hold them (some
    usagers without a phone); the demo shows the rule kept: every open follow-up has a number to
    call (ARCEP fiction range 01 99)."""
    with store.write() as s:
        usagers = s.exec(select(Usager).join(Accompaniment, Accompaniment.usager_id == Usager.id)
                         .where(Accompaniment.status.in_(("ouvert", "en_attente_partenaire")),
                                Accompaniment.follow_up_on.is_not(None), Usager.phone.is_(None),
                                Usager.anonymous == False).distinct().order_by(Usager.id)).all()  # noqa: E712
        for usager in usagers:
            usager.phone = f"+33199{rng.randrange(1000000):06d}"
            s.add(usager)
