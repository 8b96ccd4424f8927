"""Erasure ledger: erasures and retention runs noted *outside* the store file, re-applied after
any restore.

Why: a backup taken before an erasure still holds the person. Restoring it (from the menu, in
recovery mode, or by hand by copying a file over the store) must not bring them back. So each
erasure (the usager's uuid, never a name) and the last retention run (its cutoff and the (id,
hash) of its journal entry) are written to `<store>.effacements` beside the store — not in the
store, not in the backups folder — and `erasure_replay.reapply()` runs at every start-up (app/core/bootstrap.py)
and after every restore (app/core/backup_service.py):
- a usager whose uuid is in the ledger and who is in the store is erased again (journaled
  « réappliqué »);
- if the store's journal lacks the last retention run's entry, the file predates that run:
  the run is repeated with the same cutoff.
The ledger also remembers a WAL truncation that failed (another reader held the file), so the
next start-up retries it. Entries are dropped once no backup or pre-restore copy can be older
than them, and never before 400 days.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date, datetime, timedelta
from pathlib import Path


log = logging.getLogger(__name__)

LEDGER_SUFFIX = ".effacements"
LEDGER_FORMAT = "guichet-effacements-1"
KEEP_AT_LEAST = timedelta(days=400)


def ledger_path(store_path) -> Path:
    store_path = Path(store_path)
    return store_path.with_name(store_path.name + LEDGER_SUFFIX)


def load(store_path) -> dict:
    """{"erased": [{"uuid", "at"}], "retention": {...} | None, "wal_pending": bool}."""
    empty = {"erased": [], "retention": None, "wal_pending": False}
    try:
        data = json.loads(ledger_path(store_path).read_text("utf-8"))
    except FileNotFoundError:
        return empty
    except (OSError, ValueError) as exc:
        # An unreadable ledger must not stop the desk; it is rebuilt from the next erasure on.
        log.error("erasure ledger unreadable (%s): %s", ledger_path(store_path), exc)
        return empty
    if not isinstance(data, dict) or data.get("format") != LEDGER_FORMAT:
        return empty
    return {"erased": list(data.get("erased") or []), "retention": data.get("retention"),
            "wal_pending": bool(data.get("wal_pending"))}


def _save(store_path, state: dict) -> None:
    """Raises StoreError: the caller's change is saved, but a restore could undo it."""
    from app.models.errors import StoreError

    target = ledger_path(store_path)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump({"format": LEDGER_FORMAT, **state}, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())  # the ledger is what keeps an erased person erased: make it durable
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError("L'opération est enregistrée, mais le registre des effacements ({name}) n'a pas pu être mis à "
                         "jour ({error}). Libérez de la place : il sera complété depuis le journal au prochain démarrage.",
                         name=target.name, error=exc.strerror or exc) from None


def note_erasure(store_path, usager_uuid: str, now: datetime | None = None) -> None:
    state = load(store_path)
    if not any(e.get("uuid") == usager_uuid for e in state["erased"]):
        state["erased"].append({"uuid": usager_uuid, "at": (now or datetime.now()).isoformat(timespec="seconds")})
        _save(store_path, state)


def note_retention(store_path, cutoff: date, journal_id: int, journal_hash: str,
                   now: datetime | None = None) -> None:
    state = load(store_path)
    state["retention"] = {"cutoff": cutoff.isoformat(), "journal_id": journal_id, "journal_hash": journal_hash,
                          "at": (now or datetime.now()).isoformat(timespec="seconds")}
    _save(store_path, state)


def set_wal_pending(store_path, pending: bool) -> None:
    state = load(store_path)
    if state["wal_pending"] != pending:
        state["wal_pending"] = pending
        _save(store_path, state)


def forget_companions(store_path) -> None:
    """A new store at this path: an old store's ledger and journal pin do not apply to it."""
    from app.core.journal_guard import pin_path

    for path in (ledger_path(store_path), pin_path(store_path)):
        path.unlink(missing_ok=True)


def oldest_copy(store_path) -> datetime | None:
    """Date of the oldest file that may still hold erased data: a backup or a pre-restore copy."""
    from app.store import backups

    stamps = [b.created for b in backups.list_backups(store_path)]
    stamps += [a.created for a in backups.list_asides(store_path)]
    return min(stamps) if stamps else None


def prune(store_path, now: datetime | None = None) -> int:
    """Drop erasures older than every copy (and than 400 days); returns how many were dropped."""
    now = now or datetime.now()
    state = load(store_path)
    oldest = oldest_copy(store_path)
    horizon = now - KEEP_AT_LEAST
    if oldest is not None:
        horizon = min(horizon, oldest)

    def keep(entry) -> bool:
        try:
            return datetime.fromisoformat(entry["at"]) >= horizon
        except (KeyError, TypeError, ValueError):
            return True

    kept = [e for e in state["erased"] if keep(e)]
    dropped = len(state["erased"]) - len(kept)
    if dropped:
        state["erased"] = kept
        _save(store_path, state)
    return dropped


def complete_from_journal(store, state: dict) -> None:
    """Erasures the journal records but the ledger lacks (a ledger write that failed, a lost
    ledger file) are added: the journal names each erased usager by uuid."""
    from sqlalchemy import text

    with store.read() as session:
        refs = session.execute(text("SELECT object_ref, at FROM journal WHERE action = 'usager_erased'")).all()
    known = {e.get("uuid") for e in state["erased"] if isinstance(e, dict)}
    missing = [(ref.split(":", 1)[1], str(at)[:19].replace(" ", "T")) for ref, at in refs
               if ref.startswith("usager:") and ref.split(":", 1)[1] not in known]
    if missing:
        state["erased"] += [{"uuid": uuid, "at": at} for uuid, at in dict(missing).items()]
        _save(store.path, state)


def journal_has(store, entry_id, digest) -> bool:
    from sqlalchemy import text

    from app.core import journal

    with store.read() as session:
        found = session.execute(text("SELECT hash FROM journal WHERE id = :i"), {"i": entry_id}).scalar()
        cutoff = journal.head_of_anchor(session)[0]
    if found is not None:
        return found == digest
    # Purged since (older than 12 months): the run it records is older still, and so is the file.
    return entry_id is not None and entry_id <= cutoff
