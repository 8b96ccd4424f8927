"""The directory of partner référents (issue 20): who to call at the CAF, by which channel.

Each entry belongs to a structure and is seen like every other record: an agent sees their own
structure's directory, a supervisor or an administrator every structure of the store (a bus agent
sees the bus's directory, not the site's). Every change is journaled (`referent_created`,
`referent_updated`, `referent_verified`, `referent_erased`; object « referent:<uuid> », never the
name).

Personal data: a référent's name, phone and e-mail are professional contact data (RGPD applies).
Rule kept here: an entry lives until an agent removes it or the person asks for erasure; both
delete the row for real (secure_delete, WAL truncated: `erase_referent`), and escalations that
named the référent keep only the partner and the channel (the delays stay counted). The right of
access is `export_referent` (the entry and the journal lines about it). An entry not verified for
6 months (`STALE_MONTHS`) is shown « à vérifier »: contacts change, and a stale number is how a
case gets lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from app.core import journal
from app.core.cells import DANGEROUS
from app.core.context import Actor
from app.i18n import _
from app.models.errors import NotFound, ValidationError
from app.models.month import add_months
from app.models.referents import Referent, ReferentChannel, ReferentScope
from app.models.security import JournalEntry
from app.models.tables import Partner, utcnow
from app.models.validators import validate_phone, validate_text

STALE_MONTHS = 6
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,180}\.[A-Za-z]{2,24}$")

SCOPE_LABELS = {ReferentScope.NATIONAL: "National", ReferentScope.REGIONAL: "Régional",
                ReferentScope.DEPARTEMENTAL: "Départemental", ReferentScope.LOCAL: "Local"}
CHANNEL_LABELS = {ReferentChannel.TELEPHONE: "Téléphone dédié France services",
                  ReferentChannel.EMAIL: "Courriel", ReferentChannel.PORTAIL: "Portail partenaire",
                  ReferentChannel.VISIO: "Créneau visio"}


def scope_label(code: str) -> str:
    return _(SCOPE_LABELS[code]) if code in SCOPE_LABELS else code


def channel_label(code: str) -> str:
    return _(CHANNEL_LABELS[code]) if code in CHANNEL_LABELS else code


@dataclass
class ReferentInput:
    partner_code: str
    scope: str
    name: str
    channel: str
    contact: str
    hours: str = ""
    notes: str = ""
    verified_on: date | None = None
    structure_id: int | None = None  # None: the actor's structure


@dataclass(frozen=True)
class ReferentRow:
    id: int
    uuid: str
    structure_id: int
    partner_code: str
    partner: str
    scope: str
    name: str
    channel: str
    contact: str
    hours: str
    notes: str
    verified_on: date | None
    stale: bool  # « à vérifier »


def is_stale(verified_on: date | None, today: date | None = None) -> bool:
    """Never verified, or last verified 6 months ago or more."""
    today = today or date.today()
    return verified_on is None or verified_on <= add_months(today, -STALE_MONTHS)


def _code(value, enum, field: str, label: str) -> str:
    if value not in {e.value for e in enum}:
        raise ValidationError("{label} : choisissez une valeur dans la liste.", field=field, label=label)
    return str(value)


def validate_contact(channel: str, value) -> str:
    """The channel's coordinate: a valid phone (E.164), a valid e-mail, or a short text."""
    if channel == ReferentChannel.TELEPHONE:
        return validate_phone(value, "contact")
    text = validate_text(value, "contact", "Coordonnée", max_length=200, required=True)
    if channel == ReferentChannel.EMAIL and not EMAIL.match(text):
        raise ValidationError("Adresse électronique invalide.", field="contact")
    return text


def _no_formula(value, field: str, label: str) -> None:
    """Text that a spreadsheet would run as a formula is never stored (exports neutralise it too:
    app/core/cells.py), so the directory's files always round-trip."""
    text = str(value or "").strip()
    if text[:1] in DANGEROUS:
        raise ValidationError("{label} : ne peut pas commencer par « {char} » (signe de formule de tableur).",
                              field=field, label=label, char=text[:1])


def clean(session: Session, actor: Actor, data: ReferentInput, today: date | None = None) -> dict:
    """Column values of a valid entry; ValidationError naming the field otherwise."""
    if not data.partner_code or session.get(Partner, data.partner_code) is None:
        raise ValidationError("Partenaire inconnu : {code}.", field="partner", code=data.partner_code or "")
    structure_id = data.structure_id or actor.structure_id
    actor.require_scope(structure_id)
    channel = _code(data.channel, ReferentChannel, "channel", "Canal")
    verified = data.verified_on
    for name, label, value in (("name", "Nom ou fonction", data.name), ("hours", "Horaires", data.hours),
                               ("notes", "Notes", data.notes)):
        _no_formula(value, name, label)
    if channel != ReferentChannel.TELEPHONE:
        _no_formula(data.contact, "contact", "Coordonnée")
    if verified is not None and verified > (today or date.today()):
        raise ValidationError("Date de vérification dans le futur.", field="verified_on")
    return dict(structure_id=structure_id, partner_code=data.partner_code,
                scope=_code(data.scope, ReferentScope, "scope", "Portée"),
                name=validate_text(data.name, "name", "Nom ou fonction", max_length=120, required=True),
                channel=channel, contact=validate_contact(channel, data.contact),
                hours=validate_text(data.hours, "hours", "Horaires", max_length=120),
                notes=validate_text(data.notes, "notes", "Notes", max_length=300, multiline=True),
                verified_on=verified)


def ref(referent: Referent) -> str:
    return f"referent:{referent.uuid}"


def get_referent(session: Session, actor: Actor, referent_id: int) -> Referent:
    actor.require("read_referents")
    row = session.get(Referent, referent_id)
    if row is None or not actor.sees(row.structure_id):
        raise NotFound("Enregistrement introuvable.")
    return row


def save_referent(session: Session, actor: Actor, referent_id: int | None, data: ReferentInput) -> Referent:
    """Create (referent_id None) or update an entry. Raises ValidationError, PermissionDenied, NotFound."""
    actor.require("manage_referents")
    values = clean(session, actor, data)
    if referent_id is None:
        row = Referent(**values)
        action = "referent_created"
    else:
        row = get_referent(session, actor, referent_id)
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        action = "referent_updated"
    session.add(row)
    session.flush()
    journal.record(session, actor, action, ref(row), row.partner_code)
    return row


def mark_verified(session: Session, actor: Actor, referent_id: int, day: date | None = None) -> Referent:
    """« Vérifié aujourd'hui »: the contact was checked (called, answered)."""
    actor.require("manage_referents")
    row = get_referent(session, actor, referent_id)
    row.verified_on = day or date.today()
    row.updated_at = utcnow()
    session.add(row)
    journal.record(session, actor, "referent_verified", ref(row), f"{row.verified_on:%Y-%m-%d}")
    return row


def list_referents(session: Session, actor: Actor, partner_code: str | None = None,
                   today: date | None = None) -> list[ReferentRow]:
    """The directory the actor sees, by partner then name."""
    actor.require("read_referents")
    labels = dict(session.exec(select(Partner.code, Partner.short_label)).all())
    q = select(Referent).where(Referent.structure_id.in_(sorted(actor.structure_ids)))
    if partner_code:
        q = q.where(Referent.partner_code == partner_code)
    rows = [_row(r, labels, today) for r in session.exec(q)]
    return sorted(rows, key=lambda r: (r.partner.casefold(), r.name.casefold(), r.id))


def _row(r: Referent, labels: dict, today: date | None) -> ReferentRow:
    return ReferentRow(r.id, r.uuid, r.structure_id, r.partner_code, labels.get(r.partner_code, r.partner_code),
                       r.scope, r.name, r.channel, r.contact, r.hours, r.notes, r.verified_on,
                       is_stale(r.verified_on, today))


def partners(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(code, short label) of every partner, for the pickers."""
    actor.require("read_referents")
    return sorted(session.exec(select(Partner.code, Partner.short_label)).all(), key=lambda p: p[1].casefold())


# ----------------------------------------------------------------------------- rights

def export_referent(session: Session, actor: Actor, referent_id: int) -> dict:
    """Right of access of a référent: the entry and the journal lines about it (journaled)."""
    actor.require("referent_rights")
    row = get_referent(session, actor, referent_id)
    data = {"referent": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.model_dump().items()},
            "journal": [{"at": e.at.isoformat(), "agent_id": e.agent_id, "action": e.action}
                        for e in session.exec(select(JournalEntry).where(JournalEntry.object_ref == ref(row))
                                              .order_by(JournalEntry.id))]}
    journal.record(session, actor, "referent_exported", ref(row))
    return data


def erase_referent(store, actor: Actor, referent_id: int, reason: str = "retiré de l'annuaire") -> str:
    """Delete an entry for real (removal from the directory, or erasure on request): deleted bytes
    zeroed, WAL truncated. Escalations keep partner and channel (referent_id set to NULL).
    Raises PermissionDenied, NotFound; WalBusy (erased, but the -wal still holds old pages)."""
    actor.require("manage_referents")
    from app.core.rights import secure_write, truncate_wal
    from app.models.referents import Escalation

    with secure_write(store) as session:
        row = get_referent(session, actor, referent_id)
        reference = ref(row)
        for esc in session.exec(select(Escalation).where(Escalation.referent_id == row.id)):
            esc.referent_id = None  # SQLite enforces the SET NULL too; done here for any engine
            session.add(esc)
        session.delete(row)
        session.flush()
        journal.record(session, actor, "referent_erased", reference, validate_text(reason, "reason", "Motif",
                                                                                   max_length=120))
    truncate_wal(store)
    return reference
