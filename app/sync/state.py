"""State of each month towards the national service, derived from the month row and the
current local snapshot (so a late entry in an accepted month makes it pending again by itself).

    brouillon  the month's totals have not been validated by a supervisor (still sent, as
               provisional totals) — or it was changed after closing and needs a correction reason
    pret       closed by a supervisor, waiting to be sent
    envoye     on the wire, no definitive answer yet (will be re-sent: the server dedupes by hash)
    accepte    the server echoed the hash of the current totals
    rejete     the server refused these totals (reason kept); not re-sent until they change
    retenu     held back on this device: an accepted month changed while the clock was wrong
               (app/sync/clock.py); not sent until a supervisor releases it or it changes again
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from app.core.context import Actor
from app.models.errors import ValidationError
from app.models.month import Month
from app.models.sync import SyncJournal, SyncMonth
from app.models.tables import utcnow
from app.sync import codes, pending
from app.sync.snapshot import Snapshot, build_snapshot, content_hash

BROUILLON, PRET, ENVOYE, ACCEPTE, REJETE, RETENU = "brouillon", "pret", "envoye", "accepte", "rejete", "retenu"
STATES = (BROUILLON, PRET, ENVOYE, ACCEPTE, REJETE, RETENU)
REASON_MAX = 300


@dataclass(frozen=True)
class MonthState:
    structure_id: int
    month: date
    state: str
    reason: str
    hash: str                # hash of the current local snapshot
    accepted_hash: str | None
    closed: bool
    needs_correction: bool   # closed, then changed: a supervisor must give a reason
    pending: bool            # the next sync will send it
    total: int

    @property
    def label(self) -> str:
        return state_label(self.state)


def state_label(code: str) -> str:
    from app.i18n import _

    return {BROUILLON: _("brouillon"), PRET: _("prêt"), ENVOYE: _("envoyé"),
            ACCEPTE: _("accepté"), REJETE: _("rejeté"), RETENU: _("retenu")}.get(code, code)


def get_row(session: Session, structure_id: int, month: date) -> SyncMonth | None:
    return session.exec(select(SyncMonth).where(SyncMonth.structure_id == structure_id,
                                                SyncMonth.month == Month.of(month).first_day)).first()


def row_for_update(session: Session, structure_id: int, month: date) -> SyncMonth:
    row = get_row(session, structure_id, month)
    if row is None:
        row = SyncMonth(structure_id=structure_id, month=Month.of(month).first_day)
        session.add(row)
        session.flush()
    return row


def derive(snapshot: Snapshot, row: SyncMonth | None) -> MonthState:
    h = snapshot.hash
    closed = row is not None and row.closed_at is not None
    needs_correction = closed and content_hash(snapshot) != row.closed_hash
    accepted = row.accepted_hash if row else None
    if needs_correction:
        state, reason, pending = BROUILLON, _correction_needed(), False
    elif row is not None and row.held_hash == h:
        state, reason, pending = RETENU, row.reason, False
    elif row is not None and row.rejected_hash == h:
        state, reason, pending = REJETE, row.reason, False
    elif accepted == h:
        state, reason, pending = ACCEPTE, "", False
    elif row is not None and row.sent_hash == h:
        state, reason, pending = ENVOYE, row.reason, True
    elif closed:
        state, reason, pending = PRET, row.reason, True
    else:
        state, reason, pending = BROUILLON, (row.reason if row else ""), True
    return MonthState(snapshot.structure_id, snapshot.month, state, reason, h, accepted, closed,
                      needs_correction, pending, snapshot.total)


def _correction_needed() -> str:
    from app.i18n import _

    return _("Modifié après la clôture : un superviseur doit saisir le motif de la correction.")


def month_state(session: Session, structure_id: int, month: date) -> MonthState:
    """State of one month for the national service. Raises NotFound for an unknown structure."""
    snapshot = build_snapshot(session, structure_id, month)
    return derive(snapshot, get_row(session, structure_id, month))


def known_months(session: Session, structure_id: int) -> list[date]:
    """Every month from the first to the last accompaniment, plus every month known to the sync."""
    return pending.known_months(session, structure_id)


def month_states(session: Session, structure_id: int) -> list[tuple[MonthState, Snapshot]]:
    """Every known month, oldest first, with the snapshot that would be sent (only months a write
    marked dirty are counted again: app/sync/pending.py)."""
    return [(derive(snap, get_row(session, structure_id, snap.month)), snap)
            for snap in pending.snapshots(session, structure_id)]


def pending_count(session: Session, structure_id: int) -> int:
    return sum(1 for state, _snap in month_states(session, structure_id) if state.pending)


def close_month(session: Session, actor: Actor, structure_id: int, month: date) -> MonthState:
    """Supervisor validation: the month's current totals become the closed ones (then sent).
    Raises PermissionDenied, ValidationError."""
    from app.i18n import _

    actor.require("sync_close_month")
    snapshot = build_snapshot(session, structure_id, month)
    row = row_for_update(session, structure_id, month)
    if row.closed_at is not None:
        raise ValidationError(_("Ce mois est déjà clôturé. Pour le modifier, saisissez une correction motivée."),
                              field="month")
    row.closed_hash, row.closed_by, row.closed_at = content_hash(snapshot), actor.agent_id, utcnow()
    row.updated_at = utcnow()
    session.add(SyncJournal(structure_id=structure_id, month=row.month, kind="cloture",
                            hash=row.closed_hash, outcome="cloture", agent_id=actor.agent_id,
                            answer=_("Mois validé : %d accompagnements.") % snapshot.total))
    session.flush()
    return month_state(session, structure_id, month)


def correction_reasons() -> list[tuple[str, str]]:
    """(code, label) of the correction reasons a supervisor chooses from, in list order."""
    from app.i18n import label
    from app.models.enums import CorrectionReason

    return [(r.value, label("correction_reason", r.value)) for r in CorrectionReason]


def record_correction(session: Session, actor: Actor, structure_id: int, month: date, reason: str,
                      note: str = "") -> MonthState:
    """A closed month changed: the supervisor validates the new totals with a reason code from the
    list (sent with the totals) and, if useful, a note that stays in the local journal.
    Raises PermissionDenied, ValidationError(field="reason" | "note" | "month")."""
    from app.i18n import _, label

    actor.require("sync_close_month")
    reason = (reason or "").strip()
    if reason not in codes.CORRECTION_REASONS:
        raise ValidationError(_("Choisissez le motif de la correction dans la liste."), field="reason")
    note = " ".join((note or "").split())
    if reason == "autre" and len(note) < 5:
        raise ValidationError(_("Motif « autre » : précisez-le (5 caractères au moins ; "
                                "cette précision reste sur ce poste)."), field="note")
    if len(note) > REASON_MAX:
        raise ValidationError(_("Précision : %d caractères au plus.") % REASON_MAX, field="note")
    row = get_row(session, structure_id, month)
    if row is None or row.closed_at is None:
        raise ValidationError(_("Ce mois n'est pas clôturé : aucune correction n'est nécessaire."), field="month")
    snapshot = build_snapshot(session, structure_id, month)
    old = row.closed_hash
    new = content_hash(snapshot)
    if new == old:
        raise ValidationError(_("Les totaux n'ont pas changé depuis la clôture."), field="reason")
    row.closed_hash, row.correction_reason, row.updated_at = new, reason, utcnow()
    row.closed_by, row.closed_at = actor.agent_id, utcnow()
    text = _("Correction (ancienne empreinte %s) : %s") % (old[:12] if old else "-", label("correction_reason", reason))
    session.add(SyncJournal(structure_id=structure_id, month=row.month, kind="correction", hash=new,
                            outcome="correction", agent_id=actor.agent_id,
                            answer=(text + (f" — {note}" if note else ""))[:500]))
    session.flush()
    return month_state(session, structure_id, month)


def hold_month(session: Session, structure_id: int, month: date, current_hash: str, reason: str) -> None:
    """Keep a month from being sent as it is now (the sync does this under a wrong clock)."""
    row = row_for_update(session, structure_id, month)
    row.held_hash, row.reason, row.updated_at = current_hash, reason[:500], utcnow()
    session.add(row)
    session.add(SyncJournal(structure_id=structure_id, month=row.month, kind="retenue", hash=current_hash,
                            outcome="retenu", answer=reason[:500]))


def release_month(session: Session, actor: Actor, structure_id: int, month: date) -> MonthState:
    """A supervisor checked the dates of a held month: it may be sent as it is.
    Raises PermissionDenied, ValidationError(field="month")."""
    from app.i18n import _

    actor.require("sync_close_month")
    row = get_row(session, structure_id, month)
    if row is None or row.held_hash is None:
        raise ValidationError(_("Ce mois n'est pas retenu."), field="month")
    session.add(SyncJournal(structure_id=structure_id, month=row.month, kind="liberation", hash=row.held_hash,
                            outcome="libere", agent_id=actor.agent_id or None,  # 0: the command line
                            answer=_("Dates vérifiées : le mois sera envoyé tel quel.")))
    row.held_hash, row.reason, row.updated_at = None, "", utcnow()
    session.add(row)
    session.flush()
    return month_state(session, structure_id, month)
