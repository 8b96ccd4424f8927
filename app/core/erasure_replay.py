"""Re-applying erasures after the file was replaced (restore, hand copy): the ledger
(app/core/erasure_ledger.py) says who was erased; the erasure itself is app/core/rights.py.
Kept apart from both so that neither imports the other (no import cycle)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select

from app.core import erasure_ledger, rights
from app.core.erasure_ledger import load
from app.models.errors import StoreError
from app.models.tables import Usager

log = logging.getLogger(__name__)


@dataclass
class ReapplyReport:
    usagers: int = 0
    retention_repeated: bool = False


def reapply(store, now: datetime | None = None) -> ReapplyReport:
    """Erase again whoever the ledger says was erased, repeat the last retention run if the file
    predates it, retry a pending WAL truncation. No actor: the app keeps its own promise."""
    report = ReapplyReport()
    state = load(store.path)
    if state["wal_pending"]:
        try:
            rights.truncate_wal(store, attempts=1)
        except rights.WalBusy as exc:
            log.warning("WAL still busy at start-up: %s", exc)
    try:
        erasure_ledger.complete_from_journal(store, state)
    except StoreError as exc:  # a full disk must not stop the desk from opening
        log.error("erasure ledger not completed: %s", exc)
    uuids = [e["uuid"] for e in state["erased"] if isinstance(e, dict) and e.get("uuid")]
    found: list[int] = []
    with store.read() as session:
        for i in range(0, len(uuids), 500):
            found += session.exec(select(Usager.id).where(Usager.uuid.in_(uuids[i:i + 500]))).all()
    # A reader in another window may block the WAL truncation: the erasure is saved all the same,
    # the truncation is noted as pending, and start-up must go on.
    for usager_id in found:
        try:
            rights.erase_usager(store, None, usager_id, detail="réappliqué : le fichier avait été remplacé")
        except rights.WalBusy:
            log.warning("erasure re-applied; WAL truncation pending")
        report.usagers += 1
    last = state["retention"]
    if last and not erasure_ledger.journal_has(store, last.get("journal_id"), last.get("journal_hash")):
        from app.core import retention

        try:
            retention.repeat_run(store, date.fromisoformat(last["cutoff"]))
        except rights.WalBusy:
            log.warning("retention re-applied; WAL truncation pending")
        report.retention_repeated = True
    try:
        erasure_ledger.prune(store.path, now)
    except StoreError as exc:
        log.error("erasure ledger not pruned: %s", exc)
    return report
