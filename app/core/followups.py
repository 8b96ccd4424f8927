"""Follow-ups as a work list (« À relancer », issue 15): the call attempts logged on a case, the
columns the list shows (phone, last call) and the number to dial.

A call attempt is one row of `call_attempt` (app/models/followups.py) with its outcome (joint,
messagerie, injoignable, rappel prévu), a short note, and the next relance date it set. Logging
it goes through the Desk like any write, in one transaction with its effect on the case:
- a next date moves the case's follow-up there (reopening a closed case), through
  `update_accompaniment`, so the case history records the change and the reachability rule
  (app/core/reachability.py) applies: a next call needs a number to call;
- « clore » closes the case;
- the audit journal gets a `call_logged` entry about the usager (their right of access lists it),
  never the note or the number.
The call itself shows in the case history (`calls_of`). Nothing here is counted: reports and the
national sync do not read `call_attempt`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func
from sqlmodel import Session, select

from app.core import journal
from app.core.accompaniments import get_accompaniment, input_for, update_accompaniment
from app.core.context import Actor, permission
from app.core.reachability import OPEN, phone_of
from app.core.usagers import get_usager, normalise_phone
from app.i18n import _, format_date, label
from app.models.enums import CallOutcome, CaseStatus, Role
from app.models.errors import ValidationError
from app.models.followups import CallAttempt
from app.models.tables import Accompaniment, Usager, utcnow
from app.models.validators import validate_text

permission("log_call", frozenset(Role))
NOTE_MAX = 200
HORIZON_DAYS = 730  # a next call two years away at most, as for any follow-up date


@dataclass
class CallInput:
    outcome: str
    note: str = ""
    next_follow_up_on: date | None = None  # move the relance to this date
    close: bool = False  # the matter is settled: close the case


def _validate(data: CallInput, today: date) -> tuple[str, str]:
    if data.outcome not in {o.value for o in CallOutcome}:
        raise ValidationError("Résultat de l'appel : choisissez une valeur dans la liste.", field="outcome")
    note = validate_text(data.note, "call_note", "Note", max_length=NOTE_MAX)
    nxt = data.next_follow_up_on
    if data.close and nxt is not None:
        raise ValidationError("Choisissez : clore l'accompagnement ou prévoir une prochaine relance.",
                              field="next_follow_up_on")
    if data.outcome == CallOutcome.RAPPEL_PREVU and nxt is None and not data.close:
        raise ValidationError("Rappel prévu : indiquez la date du prochain appel.", field="next_follow_up_on")
    if nxt is not None and nxt < today:
        raise ValidationError("La prochaine relance ne peut pas être dans le passé.", field="next_follow_up_on")
    if nxt is not None and nxt > today + timedelta(days=HORIZON_DAYS):
        raise ValidationError("Date de relance : deux ans au plus.", field="next_follow_up_on")
    return str(data.outcome), note


def log_call(session: Session, actor: Actor, accompaniment_id: int, data: CallInput,
             now: datetime | None = None) -> CallAttempt:
    """Record a call attempt on a case and apply its next date or closing. Raises
    ValidationError (field outcome, call_note or next_follow_up_on), NotFound, PermissionDenied."""
    actor.require("log_call")
    acc = get_accompaniment(session, actor, accompaniment_id)
    now = now or datetime.now()
    outcome, note = _validate(data, now.date())
    if acc.status == CaseStatus.ANNULE:
        raise ValidationError("Cet accompagnement est annulé (saisie erronée) : pas de relance.", field="outcome")
    if data.next_follow_up_on is not None or data.close:
        change = input_for(session, actor, accompaniment_id)
        if data.close:
            change.status = CaseStatus.CLOS.value
        else:
            change.follow_up_on = data.next_follow_up_on
            change.status = acc.status if acc.status in OPEN else CaseStatus.OUVERT.value
        update_accompaniment(session, actor, accompaniment_id, change, now=now)
    call = CallAttempt(accompaniment_id=acc.id, agent_id=actor.agent_id, outcome=outcome, note=note,
                       next_follow_up_on=data.next_follow_up_on, at=utcnow())
    session.add(call)
    session.flush()
    usager = session.get(Usager, acc.usager_id) if acc.usager_id else None
    ref = journal.usager_ref(usager) if usager is not None else f"accompagnement:{acc.uuid}"
    journal.record(session, actor, "call_logged", ref, outcome)
    return call


def calls_of(session: Session, actor: Actor, accompaniment_id: int) -> list[CallAttempt]:
    """The case's call attempts, oldest first (for its history)."""
    get_accompaniment(session, actor, accompaniment_id)  # scope
    return list(session.exec(select(CallAttempt).where(CallAttempt.accompaniment_id == accompaniment_id)
                             .order_by(CallAttempt.at, CallAttempt.id)))


def local_day(utc: datetime) -> date:
    """The desk's calendar day of a UTC audit time."""
    return utc.replace(tzinfo=timezone.utc).astimezone().date()


def describe_call(call: CallAttempt) -> str:
    """One line of history: « Appel : messagerie — prochaine relance le 16 oct. 2026 — note »."""
    parts = [_("Appel : {outcome}").format(outcome=label("call_outcome", call.outcome))]
    if call.next_follow_up_on:
        parts.append(_("prochaine relance le {date}").format(date=format_date(call.next_follow_up_on)))
    if call.note:
        parts.append(call.note)
    return " — ".join(parts)


def format_phone(e164: str | None) -> str:
    """« 01 99 12 34 56 » for a French number, international format otherwise; "" for none."""
    if not e164:
        return ""
    import phonenumbers  # lazy, as in app/models/validators.py

    try:
        parsed = phonenumbers.parse(e164, "FR")
    except phonenumbers.NumberParseException:
        return e164
    fmt = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(parsed, fmt.NATIONAL if parsed.country_code == 33 else fmt.INTERNATIONAL)


def case_phone(session: Session, actor: Actor, accompaniment_id: int) -> str:
    """The number to call for a case, formatted; "" when there is none (anonymous, no phone)."""
    acc = get_accompaniment(session, actor, accompaniment_id)
    return format_phone(phone_of(session, acc.usager_id))


def set_usager_phone(session: Session, actor: Actor, usager_id: int, phone: str) -> Usager:
    """Note the phone of an identified usager (so that a relance can be planned). Raises
    ValidationError(field="phone") for an anonymous usager or an invalid number."""
    actor.require("manage_usager")
    usager = get_usager(session, actor, usager_id)
    if usager.anonymous:
        raise ValidationError("Usager anonyme : identifiez-le d'abord (nom) pour noter un téléphone.", field="phone")
    if not (phone or "").strip():
        raise ValidationError("Numéro de téléphone : tapez-le, par exemple 06 12 34 56 78.", field="phone")
    usager.phone = normalise_phone(phone)
    usager.updated_at = utcnow()
    session.add(usager)
    session.flush()
    journal.record(session, actor, "usager_updated", journal.usager_ref(usager))
    return usager


# ----------------------------------------------------------------------------- list columns
# `fn(session, ids) -> {case id: text}` for app/core/counter.list_page: the ids are those of a page
# the actor may see, so no further scope check is needed.

def phone_column(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Accompaniment.id, Usager.phone, Usager.anonymous)
                        .join(Usager, Usager.id == Accompaniment.usager_id)
                        .where(Accompaniment.id.in_(ids))).all()
    found = {i: format_phone(phone) for i, phone, anonymous in rows if phone and not anonymous}
    return {i: found.get(i) or _("— (aucun)") for i in ids}


def last_call_column(session: Session, ids: list[int]) -> dict[int, str]:
    """« Messagerie, 12 oct. (×2) » — the last attempt and, if more than one, how many there were."""
    if not ids:
        return {}
    counts = dict(session.exec(select(CallAttempt.accompaniment_id, func.count())
                               .where(CallAttempt.accompaniment_id.in_(ids))
                               .group_by(CallAttempt.accompaniment_id)).all())
    last: dict[int, CallAttempt] = {}
    for call in session.exec(select(CallAttempt).where(CallAttempt.accompaniment_id.in_(ids))
                             .order_by(CallAttempt.at, CallAttempt.id)):
        last[call.accompaniment_id] = call
    out = {}
    for i, call in last.items():
        n = counts.get(i, 1)
        when = format_date(local_day(call.at), "d MMM")
        out[i] = f"{label('call_outcome', call.outcome)}, {when}" + (f" (×{n})" if n > 1 else "")
    return out
