"""When to offer the satisfaction survey after a save at the counter.

The survey is for the usager who is there, in person, at the end of their visit. So the offer is
made only when all of these hold:
- the site offers it (`survey_hint_after_visit`, a store setting, on by default) and this agent
  did not turn it off in an older version (`survey/offer_after_close`, checked by the UI);
- the case is in the actor's scope and now closed;
- the contact was face to face: at the counter, in the bus or at home (`FACE_TO_FACE`); never
  after a phone call, a video call or an e-mail;
- the visit happened within the last `VISIT_WINDOW` (2 hours): closing a follow-up the day after,
  usager absent, or entering this morning's paper sheet this afternoon does not offer it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from app import config
from app.core.accompaniments import get_accompaniment
from app.core.context import Actor
from app.models.enums import Canal, CaseStatus
from app.models.errors import NotFound

FACE_TO_FACE = frozenset({Canal.GUICHET.value, Canal.ITINERANT_BUS.value, Canal.DOMICILE.value})
VISIT_WINDOW = timedelta(hours=2)


def site_offers_survey(session: Session, actor: Actor) -> bool:
    return bool(config.SURVEY_HINT.get(session))


def set_site_offers_survey(session: Session, actor: Actor, on: bool) -> bool:
    """Administrators only, like the rest of the structure's settings (PermissionDenied otherwise)."""
    from app.core import journal

    actor.require("setup_structure")
    value = config.SURVEY_HINT.set(session, on)
    journal.record(session, actor, "settings_changed", f"setting:{config.SURVEY_HINT.name}", str(value).lower())
    return value


def survey_offer_due(session: Session, actor: Actor, case_id: int, now: datetime | None = None) -> bool:
    """True when the survey should be offered for this just-saved case (rules in the docstring)."""
    if not site_offers_survey(session, actor):
        return False
    try:
        acc = get_accompaniment(session, actor, case_id)
    except NotFound:
        return False
    now = now or datetime.now()
    return (acc.status == CaseStatus.CLOS and acc.canal in FACE_TO_FACE
            and now - VISIT_WINDOW <= acc.occurred_at <= now + timedelta(minutes=5))
