"""« Transmettre au partenaire » (issue 20): a case sent to a partner, and the partner's answer.

`escalate` records to whom (a référent of the directory, or the partner's general channel), by
which channel, when, why (a reason code and a short note that must hold no sensitive detail) and
the answer expected by. The case goes « en attente du partenaire » with its follow-up date set to
the earliest expected answer of its open escalations. `record_answer` (date and outcome: résolu,
pièce demandée, refus, réorienté, sans réponse) ends that escalation's wait; when none is left
open, the case goes back to « ouvert » with a follow-up the day of the answer (the agent passes it
on to the usager, then closes). Several escalations per case are possible.

« À relancer »: an open escalation whose expected date has come is due (`due_escalations`,
`relance_flags`). Because the case's follow-up date follows the earliest expected answer, such a
case is in the case list's « À relancer » filter with no change to that query.

Scope and journal as for every record: the case must be in the actor's scope; each write is
journaled (`escalation_sent`, `escalation_answered`, object « escalation:<uuid> ») and the case's
history gets the status change. The note is free text of the case: it is emptied when the case is
anonymised (retention, erasure: app/core/rights.py:_strip).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from app.core import accompaniments, journal, reachability
from app.core.context import Actor
from app.core.referents import channel_label
from app.i18n import _
from app.models.enums import CaseStatus
from app.models.errors import NotFound, ValidationError
from app.models.referents import Escalation, EscalationOutcome, EscalationReason, Referent, ReferentChannel
from app.models.tables import Accompaniment, AccompanimentEvent, Partner
from app.models.validators import validate_text

DEFAULT_WAIT_DAYS = 15  # the answer expected by, unless the agent says otherwise
NOTE_MAX = 200
# A run of 13 digits or more looks like a NIR or an allocataire/fiscal number: refused in the note.
_LONG_NUMBER = re.compile(r"\d[\d .]{11,}\d")

REASON_LABELS = {EscalationReason.DOSSIER_BLOQUE: "Dossier bloqué", EscalationReason.PIECE_MANQUANTE:
                 "Pièce manquante ou refusée", EscalationReason.DELAI_DEPASSE: "Délai de traitement dépassé",
                 EscalationReason.ERREUR_DOSSIER: "Erreur dans le dossier",
                 EscalationReason.RUPTURE_DROITS: "Rupture de droits", EscalationReason.AUTRE: "Autre motif"}
OUTCOME_LABELS = {EscalationOutcome.RESOLU: "Résolu", EscalationOutcome.PIECE_DEMANDEE: "Pièce demandée",
                  EscalationOutcome.REFUS: "Refus", EscalationOutcome.REORIENTE: "Réorienté",
                  EscalationOutcome.SANS_REPONSE: "Sans réponse"}
NOTE_REMINDER = ("Motif court, sans détail sensible : ni santé, ni numéro de sécurité sociale ou "
                 "d'allocataire, ni situation familiale.")


def reason_label(code: str) -> str:
    return _(REASON_LABELS[code]) if code in REASON_LABELS else code


def outcome_label(code: str | None) -> str:
    return _(OUTCOME_LABELS[code]) if code in OUTCOME_LABELS else (code or "")


@dataclass
class EscalationInput:
    accompaniment_id: int
    partner_code: str
    channel: str
    reason: str
    note: str = ""
    referent_id: int | None = None
    sent_on: date | None = None  # None: today
    expected_by: date | None = None  # None: sent_on + DEFAULT_WAIT_DAYS


@dataclass(frozen=True)
class EscalationRow:
    id: int
    accompaniment_id: int
    partner_code: str
    partner: str
    referent: str
    channel: str
    sent_on: date
    reason: str
    note: str
    expected_by: date
    answered_on: date | None
    outcome: str | None

    @property
    def open(self) -> bool:
        return self.outcome is None


def _check(value, enum, field: str, label: str) -> str:
    if value not in {e.value for e in enum}:
        raise ValidationError("{label} : choisissez une valeur dans la liste.", field=field, label=label)
    return str(value)


def _validate(session: Session, actor: Actor, data: EscalationInput, today: date):
    acc = accompaniments.get_accompaniment(session, actor, data.accompaniment_id)
    if acc.status == CaseStatus.ANNULE:
        raise ValidationError("Cet accompagnement est annulé : il ne peut pas être transmis.", field="status")
    if session.get(Partner, data.partner_code or "") is None:
        raise ValidationError("Partenaire inconnu : {code}.", field="partner", code=data.partner_code or "")
    if data.referent_id is not None:
        referent = session.get(Referent, data.referent_id)
        if referent is None or not actor.sees(referent.structure_id):
            raise ValidationError("Référent introuvable.", field="referent")
        if referent.partner_code != data.partner_code:
            raise ValidationError("Ce référent ne relève pas de ce partenaire.", field="referent")
    channel = _check(data.channel, ReferentChannel, "channel", "Canal")
    reason = _check(data.reason, EscalationReason, "reason", "Motif")
    note = validate_text(data.note, "note", "Note", max_length=NOTE_MAX)
    if _LONG_NUMBER.search(note):
        raise ValidationError("Note : pas de numéro (sécurité sociale, allocataire, fiscal) dans la note.",
                              field="note")
    sent_on = data.sent_on or today
    if sent_on > today:
        raise ValidationError("La date d'envoi ne peut pas être dans le futur.", field="sent_on")
    if sent_on < acc.occurred_at.date():
        raise ValidationError("La date d'envoi précède l'accompagnement.", field="sent_on")
    expected = data.expected_by or sent_on + timedelta(days=DEFAULT_WAIT_DAYS)
    if expected < sent_on:
        raise ValidationError("La réponse attendue ne peut précéder l'envoi.", field="expected_by")
    if expected > sent_on + timedelta(days=365):
        raise ValidationError("Réponse attendue : un an au plus après l'envoi.", field="expected_by")
    return acc, dict(accompaniment_id=acc.id, structure_id=acc.structure_id, partner_code=data.partner_code,
                     referent_id=data.referent_id, channel=channel, sent_on=sent_on, reason=reason, note=note,
                     expected_by=expected, agent_id=actor.agent_id)


def _open_of(session: Session, accompaniment_id: int) -> list[Escalation]:
    return list(session.exec(select(Escalation).where(Escalation.accompaniment_id == accompaniment_id,
                                                      Escalation.outcome.is_(None))))


def _event(session: Session, actor: Actor, acc_id: int, detail: dict) -> None:
    session.add(AccompanimentEvent(accompaniment_id=acc_id, agent_id=actor.agent_id, kind="escalation",
                                   detail=json.dumps(detail, ensure_ascii=False)))


def escalate(session: Session, actor: Actor, data: EscalationInput, today: date | None = None) -> Escalation:
    """« Transmettre au partenaire ». Raises ValidationError (field named), PermissionDenied, NotFound."""
    actor.require("escalate")
    today = today or date.today()
    acc, values = _validate(session, actor, data, today)
    esc = Escalation(**values)
    session.add(esc)
    session.flush()
    follow_up = min(e.expected_by for e in _open_of(session, acc.id))
    accompaniments.change_status(session, actor, acc.id, CaseStatus.EN_ATTENTE_PARTENAIRE, follow_up)
    _event(session, actor, acc.id, {"transmis": [esc.partner_code, esc.channel, esc.reason]})
    journal.record(session, actor, "escalation_sent", f"escalation:{esc.uuid}", f"{esc.partner_code} {esc.channel}")
    return esc


def record_answer(session: Session, actor: Actor, escalation_id: int, outcome: str,
                  answered_on: date | None = None, today: date | None = None) -> Escalation:
    """The partner's answer (or « sans réponse »): ends this escalation's wait."""
    actor.require("escalate")
    today = today or date.today()
    esc = session.get(Escalation, escalation_id)
    if esc is None or not actor.sees(esc.structure_id):
        raise NotFound("Enregistrement introuvable.")
    if esc.outcome is not None:
        raise ValidationError("La réponse de cette transmission est déjà enregistrée.", field="outcome")
    outcome = _check(outcome, EscalationOutcome, "outcome", "Réponse")
    answered_on = answered_on or today
    if answered_on > today:
        raise ValidationError("La date de réponse ne peut pas être dans le futur.", field="answered_on")
    if answered_on < esc.sent_on:
        raise ValidationError("La date de réponse précède l'envoi ({day}).", field="answered_on",
                              day=f"{esc.sent_on:%d/%m/%Y}")
    esc.answered_on, esc.outcome = answered_on, outcome
    session.add(esc)
    session.flush()
    still_open = _open_of(session, esc.accompaniment_id)
    if still_open:
        accompaniments.change_status(session, actor, esc.accompaniment_id, CaseStatus.EN_ATTENTE_PARTENAIRE,
                                     min(e.expected_by for e in still_open))
    else:
        # back to the agent: call the usager with the answer — if anyone can (app/core/reachability.py);
        # an anonymous usager hears it on their next visit, the answer is in the case history
        acc = session.get(Accompaniment, esc.accompaniment_id)
        follow = max(answered_on, today) if reachability.phone_of(session, acc.usager_id) else None
        accompaniments.change_status(session, actor, esc.accompaniment_id, CaseStatus.OUVERT, follow)
    _event(session, actor, esc.accompaniment_id, {"réponse": [esc.partner_code, outcome]})
    journal.record(session, actor, "escalation_answered", f"escalation:{esc.uuid}", outcome)
    return esc


def _rows(session: Session, escalations) -> list[EscalationRow]:
    labels = dict(session.exec(select(Partner.code, Partner.short_label)).all())
    names = {}
    ids = {e.referent_id for e in escalations if e.referent_id}
    if ids:
        names = dict(session.exec(select(Referent.id, Referent.name).where(Referent.id.in_(ids))).all())
    return [EscalationRow(e.id, e.accompaniment_id, e.partner_code, labels.get(e.partner_code, e.partner_code),
                          names.get(e.referent_id, ""), e.channel, e.sent_on, e.reason, e.note, e.expected_by,
                          e.answered_on, e.outcome) for e in escalations]


def case_escalations(session: Session, actor: Actor, accompaniment_id: int) -> list[EscalationRow]:
    """A case's escalations, oldest first."""
    accompaniments.get_accompaniment(session, actor, accompaniment_id)  # scope
    return _rows(session, list(session.exec(select(Escalation).where(Escalation.accompaniment_id == accompaniment_id)
                                            .order_by(Escalation.sent_on, Escalation.id))))


def due_escalations(session: Session, actor: Actor, day: date | None = None) -> list[EscalationRow]:
    """Open escalations whose answer was expected by `day` or earlier (« À relancer »), oldest first."""
    actor.require("read_cases")
    day = day or date.today()
    q = (select(Escalation).where(Escalation.structure_id.in_(sorted(actor.structure_ids)),
                                  Escalation.outcome.is_(None), Escalation.expected_by <= day)
         .order_by(Escalation.expected_by, Escalation.id))
    return _rows(session, list(session.exec(q)))


def relance_flags(session: Session, actor: Actor, accompaniment_ids: list[int],
                  day: date | None = None) -> dict[int, str]:
    """For a page of the « À relancer » list: case id -> « Réponse CAF attendue le … » for those
    cases with an escalation due (the list shows it beside the follow-up date)."""
    day = day or date.today()
    out: dict[int, str] = {}
    wanted = set(accompaniment_ids)
    for row in due_escalations(session, actor, day):
        if row.accompaniment_id in wanted and row.accompaniment_id not in out:
            out[row.accompaniment_id] = _("Réponse {partner} attendue le {day} ({channel})").format(
                partner=row.partner, day=f"{row.expected_by:%d/%m/%Y}", channel=channel_label(row.channel))
    return out


def describe(detail: str) -> str:
    """The case history's line for an escalation event."""
    try:
        data = json.loads(detail or "{}")
    except ValueError:
        return detail
    if "transmis" in data:
        partner, channel, reason = data["transmis"]
        return _("Transmis au partenaire {partner} ({channel}) : {reason}").format(
            partner=partner, channel=channel_label(channel), reason=reason_label(reason))
    if "réponse" in data:
        partner, outcome = data["réponse"]
        return _("Réponse du partenaire {partner} : {outcome}").format(partner=partner, outcome=outcome_label(outcome))
    return _("Transmission au partenaire")
