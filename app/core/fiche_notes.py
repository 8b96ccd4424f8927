"""What a site adds to the fiches, kept in the store: notes, and fiches given to usagers.

- A **site note** (« ici, le CCAS reçoit le mardi ») belongs to the structure of the agent who
  writes it; agents see their structure's notes, supervisors every structure's. Adding and
  removing a note are journaled (`fiche_note_add`, `fiche_note_delete`). A note is about the place,
  never about a person: the form says so, and it is limited to 500 characters.
- « **Information donnée avec la fiche F…** »: an accompaniment records the fiches handed over or
  read with the usager (once per fiche); `most_given` counts them per month in the actor's scope,
  for the monthly report's « fiches les plus utilisées ».
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from app.core import journal
from app.core.activity import counted
from app.core.accompaniments import get_accompaniment
from app.core.context import Actor
from app.i18n import _
from app.models.errors import NotFound, ValidationError
from app.models.fiches import AccompanimentFiche, FicheNote
from app.models.tables import Accompaniment

MAX_NOTE = 500
_FICHE_ID = re.compile(r"^[FNR]\d{1,6}$")


@dataclass(frozen=True)
class NoteView:
    id: int
    text: str
    structure_id: int
    created_at: datetime


def _check_id(fiche_id: str) -> str:
    fiche_id = (fiche_id or "").strip()
    if not _FICHE_ID.match(fiche_id):
        raise ValidationError(_("Identifiant de fiche invalide : {id} (F1234 attendu)."), field="fiche", id=fiche_id)
    return fiche_id


def add_note(session: Session, actor: Actor, fiche_id: str, text: str) -> int:
    """A note of the actor's structure on the fiche; returns its id. Raises ValidationError."""
    fiche_id, text = _check_id(fiche_id), " ".join((text or "").split())
    if not text:
        raise ValidationError(_("La note est vide."), field="note")
    if len(text) > MAX_NOTE:
        raise ValidationError(_("Note trop longue : {max} caractères au plus."), field="note", max=MAX_NOTE)
    note = FicheNote(fiche_id=fiche_id, structure_id=actor.structure_id, agent_id=actor.agent_id, text=text)
    session.add(note)
    session.flush()
    journal.record(session, actor, "fiche_note_add", fiche_id, text)
    return note.id


def delete_note(session: Session, actor: Actor, note_id: int) -> None:
    """Remove a note of a structure in the actor's scope. Raises NotFound."""
    note = session.get(FicheNote, note_id)
    if note is None or not actor.sees(note.structure_id):
        raise NotFound(_("Cette note n'existe plus."))
    journal.record(session, actor, "fiche_note_delete", note.fiche_id, note.text)
    session.delete(note)


def notes_for(session: Session, actor: Actor, fiche_id: str) -> list[NoteView]:
    rows = session.exec(select(FicheNote).where(FicheNote.fiche_id == fiche_id)
                        .where(FicheNote.structure_id.in_(sorted(actor.structure_ids)))
                        .order_by(FicheNote.created_at, FicheNote.id))
    return [NoteView(n.id, n.text, n.structure_id, n.created_at) for n in rows]


def fiche_for_reading(session: Session, actor: Actor, fiche_id: str):
    """(fiche or None, the site's notes on it) in one read."""
    from app.core.fiches import get_fiche

    return get_fiche(session, actor, fiche_id), notes_for(session, actor, fiche_id)


def record_fiche_given(session: Session, actor: Actor, accompaniment_id: int, fiche_id: str,
                       title: str = "") -> bool:
    """« Information donnée avec la fiche »; False if already recorded. Raises NotFound, ValidationError."""
    fiche_id = _check_id(fiche_id)
    get_accompaniment(session, actor, accompaniment_id)  # in scope, or NotFound
    if session.get(AccompanimentFiche, (accompaniment_id, fiche_id)) is not None:
        return False
    session.add(AccompanimentFiche(accompaniment_id=accompaniment_id, fiche_id=fiche_id, title=title[:200]))
    return True


def fiches_given(session: Session, actor: Actor, accompaniment_id: int) -> list[tuple[str, str]]:
    get_accompaniment(session, actor, accompaniment_id)
    rows = session.exec(select(AccompanimentFiche).where(AccompanimentFiche.accompaniment_id == accompaniment_id)
                        .order_by(AccompanimentFiche.fiche_id))
    return [(r.fiche_id, r.title) for r in rows]


def most_given(session: Session, actor: Actor, month: date, limit: int = 10,
               structure_ids: set[int] | None = None) -> list[tuple[str, str, int]]:
    """(fiche id, title, accompaniments) of the month, most given first, in the actor's scope."""
    start = month.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    scope = sorted(structure_ids if structure_ids is not None else actor.structure_ids)
    count = func.count(AccompanimentFiche.accompaniment_id)
    rows = session.exec(
        select(AccompanimentFiche.fiche_id, func.max(AccompanimentFiche.title), count)
        .join(Accompaniment, Accompaniment.id == AccompanimentFiche.accompaniment_id)
        .where(counted(scope, start, end))  # the report's own counting rule (app/core/activity.py)
        .group_by(AccompanimentFiche.fiche_id)
        .order_by(count.desc(), AccompanimentFiche.fiche_id)
        .limit(limit))
    return [(fid, title or "", n) for fid, title, n in rows]


def given_in_cases(session: Session, case_ids: set[int]) -> tuple[dict[str, int], dict[str, str]]:
    """({fiche id: accompaniments}, {fiche id: title}) among `case_ids` (the report's counted cases)."""
    counts: dict[str, int] = {}
    titles: dict[str, str] = {}
    for acc_id, fiche_id, title in session.exec(select(AccompanimentFiche.accompaniment_id,
                                                       AccompanimentFiche.fiche_id, AccompanimentFiche.title)):
        if acc_id in case_ids:  # fiches given are far fewer than accompaniments: read them all
            counts[fiche_id] = counts.get(fiche_id, 0) + 1
            titles[fiche_id] = f"{fiche_id} — {title}" if title else fiche_id
    return counts, titles
