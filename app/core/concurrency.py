"""Several desks saving at once (a site store): no lost update, no technical error shown.

- Every case carries a `version` (migration 0017_site_store), +1 at each change. The form keeps the
  version it opened (`AccompanimentInput.version`); a save whose version is no longer the case's is
  refused with `ConcurrentChange`, naming who changed what and when, and the form offers
  « Recharger ». A save without a version (a status change from a list) applies on top of the
  current state, which it reads under a row lock.
- The row is read `FOR UPDATE` (PostgreSQL; SQLite's write transaction already excludes other
  writers), so two desks saving the same case at the same instant are serialised: the second sees
  the first's version and gets the message, never overwrites it.
- Serialization failures (40001) and deadlocks (40P01) are retried by `Desk.op` (`run_with_retries`)
  a few times with jitter: the operation runs again from the start in a new transaction.
"""

from __future__ import annotations

import json
import random
import time
from typing import Callable, TypeVar

from sqlmodel import Session, select

from app.i18n import format_datetime
from app.models.errors import DomainError
from app.models.tables import Accompaniment, AccompanimentEvent, Agent

T = TypeVar("T")
RETRY_STATES = ("40001", "40P01")  # serialization_failure, deadlock_detected
ATTEMPTS = 6

FIELD_LABELS = {
    "status": "statut", "follow_up_on": "date de relance", "note": "note", "procedures": "démarches",
    "usager_id": "usager", "occurred_at": "date", "duration_min": "durée", "canal": "canal",
    "bus_stop_id": "arrêt", "thematique": "thématique", "response_type": "type de réponse",
    "autonomy": "autonomie", "finalisation": "finalisation", "mandate": "mandat",
}


class ConcurrentChange(DomainError):
    """The case was changed by someone else since the form opened it; nothing was written."""

    action = "Recharger"


def lock_case(session: Session, accompaniment_id: int) -> Accompaniment | None:
    """The case row, locked until the transaction ends (PostgreSQL); current values, not cached ones."""
    return session.get(Accompaniment, accompaniment_id, with_for_update=True, populate_existing=True)


def check_version(session: Session, acc: Accompaniment, expected: int | None) -> None:
    """Raise ConcurrentChange if the case moved on since version `expected` (None: no check)."""
    if expected is None or acc.version == expected:
        return
    missed = max(acc.version - expected, 1)
    events = list(session.exec(select(AccompanimentEvent).where(AccompanimentEvent.accompaniment_id == acc.id)
                               .order_by(AccompanimentEvent.id.desc()).limit(missed)))
    fields, who, when = [], "un autre poste", acc.updated_at
    for event in events:
        try:
            for key in json.loads(event.detail or "{}"):
                label = FIELD_LABELS.get(key, key)
                if label not in fields:
                    fields.append(label)
        except (ValueError, TypeError):
            pass
    if events:
        agent = session.get(Agent, events[0].agent_id) if events[0].agent_id else None
        who = agent.display_name if agent else who
        when = events[0].at
    raise ConcurrentChange(
        "{who} a modifié ce dossier le {when} ({fields}) depuis que vous l'avez ouvert : vos changements n'ont "
        "pas été enregistrés. Cliquez sur « Recharger » pour voir le dossier à jour, puis refaites vos changements.",
        field="version", who=who, when=format_datetime(_local(when)), fields=", ".join(fields) or "modification")


def _local(value):
    """Stored times are naive UTC: shown in the desk's local time."""
    from datetime import timezone

    return value.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None) if value else value


def is_retryable(exc: BaseException | None) -> bool:
    """A serialization failure or a deadlock, possibly wrapped (StoreError from a SQLAlchemy error)."""
    seen = 0
    while exc is not None and seen < 5:
        orig = getattr(exc, "orig", exc)
        if (getattr(orig, "sqlstate", None) or "") in RETRY_STATES:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def run_with_retries(attempt: Callable[[], T], attempts: int = ATTEMPTS, sleep=time.sleep) -> T:
    """Run `attempt()` again (new transaction) after a serialization failure or a deadlock."""
    for i in range(attempts):
        try:
            return attempt()
        except Exception as exc:
            if i + 1 >= attempts or not is_retryable(exc):
                raise
            sleep(random.uniform(0.005, 0.02) * (2 ** i))  # jitter: the two desks do not collide again
    raise AssertionError("unreachable")
