"""Retention: personal data is kept 24 months after the last contact (CNIL, social sector), then
anonymised. Counts survive: accompaniments stay (linked to the now anonymous usager, stripped
of free text), the usager row stays and loses its identity and its profile (age band, sex,
residence, situation: app.core.usagers.PROFILE_FIELDS), which the report then counts « non renseigné ».

The period is a store setting (`retention_months`, default 24). `due()` lets a supervisor see
what a run would do before `run_retention()` does it; the run also purges journal entries
older than 12 months and is itself journaled with its counts (never names).

"Last contact" is taken from the visit dates (app/core/usagers_contact.py refreshes the cached
column first), so an edited visit date cannot get a recent usager anonymised. Every
accompaniment of an anonymised usager is re-indexed, not only those that still had free text:
an old case indexed with the name by an earlier run must lose it too. The run is noted in the
erasure ledger (app/core/erasure_ledger.py) and repeated if an older file is restored.
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
    from app.core.usagers import PROFILE_FIELDS

    identified = or_(Usager.anonymous == False, *[getattr(Usager, f).is_not(None) for f in IDENTITY_FIELDS],  # noqa: E712
                     *[getattr(Usager, f) != empty for f, empty in PROFILE_FIELDS.items()])
    stale = or_(Usager.last_contact_on < cutoff,
                and_(Usager.last_contact_on.is_(None), Usager.created_at < datetime.combine(cutoff, time())))
    # The visits themselves have the last word over the cached column (see module docstring).
    seen_since = select(Accompaniment.id).where(Accompaniment.usager_id == Usager.id,
                                                Accompaniment.occurred_at >= datetime.combine(cutoff, time()))
    return select(Usager).where(identified, stale, ~seen_since.exists())


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
                       months: int | None = None, cutoff: date | None = None) -> RetentionReport:
    """Clear identities of usagers not seen since the cutoff and free text of older accompaniments."""
    if actor is not None:
        actor.require("purge")
    from app.core import usagers_contact
    from app.core.usagers import PROFILE_FIELDS

    cutoff = cutoff or _cutoff(session, today, months)
    usagers_contact.refresh_all(session)
    usagers = list(session.exec(_stale_usagers(cutoff)))
    for usager in usagers:
        for field in IDENTITY_FIELDS:
            setattr(usager, field, None)
        for field, empty in PROFILE_FIELDS.items():
            setattr(usager, field, empty)
        usager.anonymous = True
        usager.updated_at = utcnow()
        session.add(usager)
        search_index.remove_usager(session, usager.id)
    session.flush()
    # Old accompaniments keep their counts but lose notes, précisions and history details; an
    # accompaniment of a usager anonymised now is old too (its date is before the last contact).
    acc_ids = list(session.exec(_old_accompaniments_with_text(cutoff)))
    from app.core.rights import strip_accompaniments

    # Every case of an anonymised usager is re-indexed, text or not: its index row may still
    # carry the name from an earlier run, when the usager was not yet anonymised.
    of_anonymised = _accompaniments_of([u.id for u in usagers], session)
    strip_accompaniments(session, sorted(set(acc_ids) | set(of_anonymised)))  # usager links kept: counts stay exact
    return RetentionReport(cutoff, len(usagers), len(acc_ids))


def _accompaniments_of(usager_ids: list[int], session: Session) -> list[int]:
    found: list[int] = []
    for start in range(0, len(usager_ids), 500):
        found += session.exec(select(Accompaniment.id).where(
            Accompaniment.usager_id.in_(usager_ids[start:start + 500]))).all()
    return found


def run_retention(store, actor: Actor | None, today: date | None = None, months: int | None = None,
                  now: datetime | None = None, cutoff: date | None = None, detail: str = "") -> RetentionReport:
    """The full run, zeroing deleted bytes and truncating the WAL; journals its counts and notes
    the run in the erasure ledger. Raises PermissionDenied; WalBusy (done, but the -wal still
    holds old pages: a reader prevented its truncation)."""
    if actor is not None:
        actor.require("purge")
    from app.core import erasure_ledger
    from app.core.rights import optimise_search_index, secure_write, truncate_wal

    with secure_write(store) as session:
        report = anonymise_inactive(session, actor, today, months, cutoff=cutoff)
        report.journal_entries = journal.purge_older_than(session, actor, now=now)
        optimise_search_index(session)
        entry = journal.record(session, actor, "retention_run", "", detail + (
            f"avant le {report.cutoff:%Y-%m-%d} : {report.usagers} usagers, "
            f"{report.accompaniments} accompagnements, {report.journal_entries} entrées de journal"))
    erasure_ledger.note_retention(store.path, report.cutoff, entry.id, entry.hash)
    truncate_wal(store)
    return report


def repeat_run(store, cutoff: date) -> RetentionReport:
    """Re-apply a past run's cutoff to a file restored from before it (no actor: the app's own duty)."""
    return run_retention(store, None, cutoff=cutoff, detail="réappliquée : le fichier avait été remplacé ; ")
