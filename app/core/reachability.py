"""The follow-up rule: a relance is only planned if someone can make it.

A follow-up (« À relancer le … ») means an agent will call the usager back. An anonymous usager,
or an identified one without a phone number, cannot be called: the core refuses the follow-up
date with a message next to that field (issue 15). The rule applies when a follow-up is *set*
on an open case — a new case, a new or moved date, another usager, a closed case reopened —
never when an older case is merely closed or annotated, so cases planned before the rule can
still be worked and closed. A case « en attente du partenaire » is exempt: its date is when to
chase the *partner* (app/core/escalations.py), nobody calls the usager for it.

Kept apart from app/core/followups.py so that app/core/accompaniments.py can apply it without an
import cycle (followups builds on accompaniments).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.models.enums import CaseStatus
from app.models.errors import ValidationError
from app.models.tables import Usager

OPEN = (CaseStatus.OUVERT.value, CaseStatus.EN_ATTENTE_PARTENAIRE.value)
ANONYMOUS = ("Relance impossible : l'usager est anonyme, personne ne pourra le rappeler. "
             "Identifiez-le (nom et téléphone) ou ne prévoyez pas de relance.")
NO_PHONE = ("Relance impossible : aucun téléphone pour cet usager. "
            "Notez son numéro (fenêtre du dossier, Ctrl+O) ou ne prévoyez pas de relance.")


def phone_of(session: Session, usager_id: int | None, new_usager=None) -> str | None:
    """The number an agent would call for this case (E.164 or as typed), None if there is none."""
    if usager_id is None and new_usager is not None and new_usager.is_identified:
        return (new_usager.phone or "").strip() or None
    usager = session.get(Usager, usager_id) if usager_id else None
    if usager is None or usager.anonymous:
        return None
    return usager.phone or None


def require_reachable(session: Session, follow_up_on: date | None, status: str | None,
                      usager_id: int | None, new_usager=None) -> None:
    """Raises ValidationError(field="follow_up_on") when a follow-up is planned for nobody to call."""
    if follow_up_on is None or status != CaseStatus.OUVERT.value:
        return  # closed, or waiting on the partner: the date is not a call to the usager
    if phone_of(session, usager_id, new_usager):
        return
    identified = (new_usager is not None and new_usager.is_identified and usager_id is None) or (
        usager_id is not None and not getattr(session.get(Usager, usager_id), "anonymous", True))
    raise ValidationError(NO_PHONE if identified else ANONYMOUS, field="follow_up_on")


def is_new_follow_up(old: dict, new: dict) -> bool:
    """Whether an update sets a follow-up (see module docstring): date, usager or reopening."""
    reopened = old["status"] not in OPEN and new["status"] in OPEN
    return (new["follow_up_on"] != old["follow_up_on"] or new["usager_id"] != old["usager_id"] or reopened)
