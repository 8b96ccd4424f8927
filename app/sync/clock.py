"""Is this computer's clock right? Visits are dated by it, so a wrong clock files them in the wrong
month: three days ahead on 29 November puts them in December; a year behind puts them in a month
the service accepted (or a supervisor closed) long ago.

Two witnesses, each enough: the service's `Date` header (any answer), and the store itself — the
clock is behind if it reads earlier than the latest time the store recorded (newest accompaniment,
newest sync journal line), which needs no network. Beyond SKEW_LIMIT the sync warns (status bar,
journal) and, while the clock is off, never sends a change into an accepted or closed month (it is
held for a supervisor: app/sync/state.py) nor a month after the service's current month.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import func
from sqlmodel import Session, select

from app import config
from app.models.sync import SyncJournal
from app.models.tables import Accompaniment

SKEW_LIMIT = timedelta(hours=1)
SKEW_KEY = config.SYNC_CLOCK_SKEW.name
Clock = Callable[[], datetime]  # aware UTC "now"


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Skew:
    offset: timedelta      # device − reference: positive when the computer is ahead
    source: str            # "serveur" | "base"
    reference: datetime    # the service's time, or the store's latest recorded time (UTC)

    @property
    def wrong(self) -> bool:
        # The store can only show a clock that is behind: being later than the last entry is normal.
        return abs(self.offset) > SKEW_LIMIT if self.source == "serveur" else self.offset < -SKEW_LIMIT


def store_latest(session: Session) -> datetime | None:
    """Latest UTC time the store recorded. The maximum, not the newest row: rows written while the
    clock is behind are older than those written before (one scan, done once per sync run)."""
    newest = session.exec(select(func.max(Accompaniment.created_at))).one()
    journal = session.exec(select(func.max(SyncJournal.at))).one()
    times = [t for t in (newest, journal) if t is not None]
    return max(times).replace(tzinfo=timezone.utc) if times else None


def measure(session: Session, now: datetime, server_date: datetime | None) -> Skew | None:
    """The service's word when there is one; else whether the clock reads before the store's past."""
    if server_date is not None:
        return Skew(now - server_date, "serveur", server_date)
    latest = store_latest(session)
    return Skew(now - latest, "base", latest) if latest is not None else None


def _describe(offset: timedelta) -> str:
    from app.i18n import _

    seconds = abs(offset.total_seconds())
    amount = (_("%d jours") % round(seconds / 86400)) if seconds >= 86400 * 1.5 else (_("%d heures") % round(seconds / 3600))
    return (_("en avance de %s") if offset > timedelta(0) else _("en retard de %s")) % amount


def message(skew: Skew, now: datetime) -> str:
    from app.i18n import _, format_datetime

    local = now.astimezone().replace(tzinfo=None)
    ref = _("le service national") if skew.source == "serveur" else _("la dernière saisie enregistrée")
    return _("Horloge de l'ordinateur incorrecte (%(when)s, %(off)s sur %(ref)s) : corrigez la date et l'heure. "
             "Les mois déjà acceptés ou clôturés ne sont pas renvoyés tant qu'elle est fausse.") % {
        "when": format_datetime(local), "off": _describe(skew.offset), "ref": ref}


def record(session: Session, structure_id: int, skew: Skew | None, now: datetime) -> str:
    """Remember the verdict for the status bar; journal it when it appears or changes by more than
    an hour. Returns the warning ('' when the clock is right). A witness clears only a warning it
    could have raised: the store cannot see a clock that is ahead, so only the service clears that."""
    previous, before = _state(session), _offset(session)
    if skew is None:
        return previous.get("message", "")
    if not skew.wrong:
        if skew.source == "serveur" or previous.get("source") != "serveur":
            config.SYNC_CLOCK_SKEW.set(session, "")
            return ""
        return previous.get("message", "")
    text = message(skew, now)
    offset = int(skew.offset.total_seconds())
    config.SYNC_CLOCK_SKEW.set(session, json.dumps({"offset": offset, "source": skew.source, "message": text},
                                                     ensure_ascii=False))
    if before is None or abs(before - offset) > SKEW_LIMIT.total_seconds():
        session.add(SyncJournal(structure_id=structure_id, kind="horloge", outcome="ecart", answer=text[:500]))
    return text


def _state(session: Session) -> dict:
    raw = config.SYNC_CLOCK_SKEW.get(session) or ""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _offset(session: Session) -> float | None:
    try:
        return float(_state(session)["offset"])
    except (KeyError, TypeError, ValueError):
        return None


def warning(session: Session) -> str:
    """The clock warning the last check left ('' when none)."""
    return str(_state(session).get("message", ""))


def is_wrong(session: Session) -> bool:
    return bool(warning(session))
