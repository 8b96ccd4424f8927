"""A usager's last contact, derived from their visit dates.

Retention (app/core/retention.py) anonymises usagers whose `last_contact_on` is older than the
period. That column is a cache of "the date of their latest accompaniment": when a visit date
is edited (forward or back), moved to another usager, or deleted, the cache must follow, or a
recent usager is anonymised early. `refresh_last_contact` recomputes one usager (call it after
any such edit, for the old and the new usager); `refresh_all` recomputes every identified
usager in one statement (retention runs it first, so a missed call cannot cost anyone their file).
A usager with no accompaniment keeps the value they have (None: their creation date counts).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, text
from sqlmodel import Session, select

from app.models.tables import Accompaniment, Usager


def latest_visit_on(session: Session, usager_id: int) -> date | None:
    latest = session.exec(select(func.max(Accompaniment.occurred_at))
                          .where(Accompaniment.usager_id == usager_id)).one()
    return latest.date() if latest is not None else None


def refresh_last_contact(session: Session, usager_id: int | None) -> date | None:
    """Set the usager's last_contact_on to their latest visit date; returns the value kept."""
    if usager_id is None:
        return None
    usager = session.get(Usager, usager_id)
    if usager is None:
        return None
    latest = latest_visit_on(session, usager_id)
    if latest is not None and usager.last_contact_on != latest:
        usager.last_contact_on = latest
        session.add(usager)
        session.flush()
    return usager.last_contact_on


def refresh_all(session: Session) -> int:
    """Recompute last_contact_on of every identified usager that has visits; returns rows changed."""
    latest = ("(SELECT date(max(a.occurred_at)) FROM accompaniment a WHERE a.usager_id = usager.id)")
    result = session.execute(text(
        f"UPDATE usager SET last_contact_on = {latest} "
        "WHERE NOT anonymous AND EXISTS (SELECT 1 FROM accompaniment a WHERE a.usager_id = usager.id) "
        f"AND last_contact_on IS DISTINCT FROM {latest}"))
    session.expire_all()
    return result.rowcount or 0
