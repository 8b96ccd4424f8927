"""Before sending: line the store up with what the service holds, and with the clock.

`realign` reads the enrolment answer — the hash the service holds for each month of this device —
and corrects the store's own markers, which a restore takes back in time:
- a month the store believes accepted, but the service holds something else (or nothing): it is
  sent again (absolute totals: the service ends up with exactly the store's figures);
- a month the service holds and the store no longer has any activity in (entered after the backup):
  its zeros are sent, so no count survives nationally that the store does not have;
- a month the service already holds exactly as the store has it: marked accepted, nothing sent.
The device id is the same before and after a restore (app/sync/device.py), so nothing is counted
twice: the store simply replaces its own history.

`clock_guard` applies app/sync/clock.py's verdict: while the clock is wrong, a change to an
accepted month is held (state « retenu ») and a month after the service's current month is not
sent (it would be refused, and its visits are probably misdated).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from app.models.sync import SyncJournal
from app.models.tables import utcnow
from app.models.errors import ValidationError
from app.models.month import Month
from app.sync.snapshot import month_key
from app.sync.state import get_row, hold_month, month_states, row_for_update


def realign(session: Session, structure_id: int, held: dict[str, str], transport_name: str = "http") -> list[str]:
    """Correct the store's markers against the service's {month: hash} for this device; returns
    the months that will be sent again or for the first time from this store."""
    from app.i18n import _

    server: dict[date, str] = {}
    for key, digest in held.items():
        try:
            server[Month.parse(key).first_day] = digest
        except ValidationError:
            continue  # a month this version cannot read: nothing to align
    local = {state.month: state for state, _snap in month_states(session, structure_id)}
    resend: list[str] = []
    for month in sorted(set(server) - set(local)):
        row_for_update(session, structure_id, month)  # now a known month: its zeros will be sent
        resend.append(month_key(month))
    for month, state in local.items():
        digest, row = server.get(month), get_row(session, structure_id, month)
        if digest is not None and digest == state.hash:
            if row is None or row.accepted_hash != digest:
                row = row or row_for_update(session, structure_id, month)
                row.accepted_hash, row.accepted_at, row.updated_at = digest, row.accepted_at or utcnow(), utcnow()
                session.add(row)
            continue
        if row is not None and row.accepted_hash and row.accepted_hash != digest:
            row.accepted_hash, row.updated_at = None, utcnow()  # the service does not hold it: send again
            session.add(row)
            resend.append(month_key(month))
        elif digest is not None:
            resend.append(month_key(month))  # pending anyway; the service holds other figures
    if resend:
        session.add(SyncJournal(structure_id=structure_id, kind="realignement", outcome="ecart",
                                transport=transport_name,
                                answer=(_("Le service ne détient pas les totaux actuels de cette base (base restaurée ?) : "
                                          "renvoi de %s.") % ", ".join(sorted(resend)))[:500]))
    session.flush()
    return sorted(resend)


def clock_guard(session: Session, structure_id: int, server_now: datetime | None) -> tuple[list[str], list[str]]:
    """Under a wrong clock: hold changed accepted months; list months after the service's month.
    Returns (held, future) month keys; the caller sends neither."""
    from app.i18n import _

    current = server_now.date().replace(day=1) if server_now else None
    held, future = [], []
    for state, _snap in month_states(session, structure_id):
        if not state.pending:
            continue
        if current is not None and state.month > current:
            future.append(month_key(state.month))
        elif state.accepted_hash is not None:
            hold_month(session, structure_id, state.month, state.hash,
                       _("Modifié alors que l'horloge de l'ordinateur était fausse : vérifiez les dates des "
                         "accompagnements de ce mois, puis libérez-le (Outils › Envoi national : aperçu › « Libérer le "
                         "mois retenu… », ou guichet sync --liberer %s).")
                       % month_key(state.month))
            held.append(month_key(state.month))
    session.flush()
    return held, future
