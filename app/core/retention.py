"""Retention: personal data is kept 24 months after the last contact (CNIL, social sector), then
anonymised. Counts survive: accompaniments stay (linked to the now anonymous usager, stripped
of free text), the usager row stays with its age band, gender and social status and loses its identity.

The period is a store setting (`retention_months`, default 24). `due()` lets a supervisor see
what a run would do before `run_retention()` does it; the run also purges journal entries
older than 12 months and is itself journaled with its counts (never names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from app import config
from app.core import journal
from app.core.context import Actor
from app.models.month import add_months
from app.models.tables import Accompaniment, AccompanimentEvent, AccompanimentProcedure, Usager, utcnow
from app.store import search_index

RETENTION_KEY = config.RETENTION_MONTHS.name
DEFAULT_MONTHS = config.RETENTION_MONTHS.default
IDENTITY_FIELDS = ("first_name", "last_name", "phone", "email", "birth_year", "commune_insee")


def retention_months(session: Session) -> int:
    return config.RETENTION_MONTHS.get(session)


def set_retention_months(session: Session, actor: Actor, months: int) -> None:
    """Raises PermissionDenied, ValidationError (1 to 120 months)."""
    actor.require("configure_security")
    months = config.RETENTION_MONTHS.set(session, months)
    journal.record(session, actor, "settings_changed", "setting:retention_months", str(months))


def _cutoff(session: Session, today: date | None, months: int | None) -> date:
    today = today or utcnow().date()
    return add_months(today, -(months or retention_months(session)))


def _stale_usagers(cutoff: date):
    identified = or_(Usager.anonymous == False, *[getattr(Usager, f).is_not(None) for f in IDENTITY_FIELDS])  # noqa: E712
    stale = or_(Usager.last_contact_on < cutoff,
                and_(Usager.last_contact_on.is_(None), Usager.created_at < datetime.combine(cutoff, time())))
    return select(Usager).where(identified, stale)


def _old_accompaniments_with_text(cutoff: date):
    """Accompaniments before the cutoff that still hold free text somewhere."""
    precise = select(AccompanimentProcedure.accompaniment_id).where(AccompanimentProcedure.precision != "")
    detailed = select(AccompanimentEvent.accompaniment_id).where(AccompanimentEvent.detail != "")
    return select(Accompaniment.id).where(
        Accompaniment.occurred_at < datetime.combine(cutoff, time()),
        or_(Accompaniment.note != "", Accompaniment.id.in_(precise), Accompaniment.id.in_(detailed)))


@dataclass
class RetentionReport:
    cutoff: date
    usagers: int
    accompaniments: int
    journal_entries: int = 0


def due(session: Session, actor: Actor, today: date | None = None, months: int | None = None) -> RetentionReport:
    """What a run would anonymise now (for the supervisor's confirmation)."""
    actor.require("purge")
    cutoff = _cutoff(session, today, months)
    return RetentionReport(cutoff, len(session.exec(_stale_usagers(cutoff)).all()),
                           len(session.exec(_old_accompaniments_with_text(cutoff)).all()))


def anonymise_inactive(session: Session, actor: Actor | None, today: date | None = None,
                       months: int | None = None) -> RetentionReport:
    """Clear identities of usagers not seen since the cutoff and free text of older accompaniments."""
    if actor is not None:
        actor.require("purge")
    cutoff = _cutoff(session, today, months)
    usagers = list(session.exec(_stale_usagers(cutoff)))
    for usager in usagers:
        for field in IDENTITY_FIELDS:
            setattr(usager, field, None)
        usager.anonymous = True
        usager.updated_at = utcnow()
        session.add(usager)
        search_index.remove_usager(session, usager.id)
    session.flush()
    # Old accompaniments keep their counts but lose notes, précisions and history details; an
    # accompaniment of a usager anonymised now is old too (its date is before the last contact).
    acc_ids = list(session.exec(_old_accompaniments_with_text(cutoff)))
    from app.core.rights import strip_accompaniments

    strip_accompaniments(session, acc_ids)  # usager links kept: distinct-usager counts stay exact
    return RetentionReport(cutoff, len(usagers), len(acc_ids))


def run_retention(store, actor: Actor | None, today: date | None = None, months: int | None = None,
                  now: datetime | None = None) -> RetentionReport:
    """The full run, zeroing deleted bytes and truncating the WAL; journals its counts."""
    if actor is not None:
        actor.require("purge")
    from app.core.rights import optimise_search_index, secure_write

    with secure_write(store) as session:
        report = anonymise_inactive(session, actor, today, months)
        report.journal_entries = journal.purge_older_than(session, actor, now=now)
        optimise_search_index(session)
        journal.record(session, actor, "retention_run", "",
                       f"avant le {report.cutoff:%Y-%m-%d} : {report.usagers} usagers, "
                       f"{report.accompaniments} accompagnements, {report.journal_entries} entrées de journal")
    return report
