"""The sync run: send every pending month's absolute totals, record each attempt, reconcile.

Crash safety comes from three facts, not from luck:
1. the hash and sequence of what goes on the wire are committed *before* the request leaves, and
   `accepted_hash` only after a definitive answer echoing that hash — a kill anywhere leaves the
   month "envoyé" or pending, never "accepté" without the server's word;
2. snapshots are absolute totals: re-sending after a kill is harmless (the server sees the same
   hash and changes nothing), so "send again" is always the right recovery;
3. the server keeps the highest sequence, so a stale request delivered late cannot win.
"""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass, field
from typing import Callable

from sqlmodel import select

from app.models.sync import SyncJournal
from app.models.tables import utcnow
from app.store.engine import Store
from app.sync import settings
from app.sync.snapshot import build_snapshot, counts_payload, device_id, ensure_device_id, month_key
from app.sync.state import month_states, row_for_update
from app.sync.status import A_JOUR, EN_ATTENTE, ERREUR, HORS_LIGNE, JETON, summarize  # noqa: F401 (re-exported)
from app.sync.transport import ACCEPTED, AUTH, EXPORTED, OFFLINE, REJECTED, STALE, Transport
CRASH_ENV = "GUICHET_SYNC_CRASH_TEST_ONLY"  # "point:n": SIGKILL self at the n-th hit (crash tests)


@dataclass
class RetryPolicy:
    max_attempts: int = 5        # per month and run
    offline_attempts: int = 2    # unreachable service: give up sooner, the watcher will call back
    base: float = 1.0            # first backoff (s), doubled each retry
    cap: float = 60.0            # longest single wait
    max_retry_after: float = 300.0  # a longer Retry-After ends the run instead of blocking it
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = min(self.cap, self.base * 2 ** (attempt - 1))
        backoff *= 0.5 + self.rng.random() / 2  # jitter: devices coming back together spread out
        return max(backoff, retry_after or 0.0)


@dataclass
class SyncResult:
    status: str
    message: str = ""
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    exported: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    pending: int = 0
    requests: int = 0


_crash_hits: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Test-only: die like a power cut at a named point (see CRASH_ENV)."""
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _crash_hits[name] = _crash_hits.get(name, 0) + 1
    if _crash_hits[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def _interrupted_attempts(store: Store, structure_id: int) -> None:
    """Attempts left "en cours" by a killed run are closed as "interrompu" in the journal."""
    with store.write() as session:
        for row in session.exec(select(SyncJournal).where(SyncJournal.structure_id == structure_id,
                                                          SyncJournal.outcome == "en_cours")):
            row.outcome = "interrompu"
            session.add(row)


def _prepare(store: Store, structure_id: int, month, attempt: int, transport: Transport, agent_id):
    """Commit what goes on the wire (hash, sequence) and an "en cours" journal line; return the envelope."""
    with store.write() as session:
        snapshot = build_snapshot(session, structure_id, month)
        device = ensure_device_id(session)
        sequence = settings.next_sequence(session)
        row = row_for_update(session, structure_id, month)
        row.sent_hash, row.sent_sequence, row.sent_at, row.updated_at = snapshot.hash, sequence, utcnow(), utcnow()
        session.add(row)
        entry = SyncJournal(structure_id=structure_id, month=snapshot.month, kind="envoi", hash=snapshot.hash,
                            transport=transport.name, attempt=attempt, outcome="en_cours", agent_id=agent_id)
        session.add(entry)
        session.flush()
        return {"hash": snapshot.hash, "sequence": sequence, "device": device, "snapshot": snapshot.payload}, entry.id


def _record(store: Store, structure_id: int, month, envelope: dict, journal_id: int, answer) -> None:
    outcome = {ACCEPTED: "accepte", REJECTED: "rejete", AUTH: "jeton", EXPORTED: "exporte",
               OFFLINE: "hors_ligne", STALE: "reessai"}.get(answer.kind, "reessai")
    with store.write() as session:
        entry = session.get(SyncJournal, journal_id)
        entry.outcome, entry.http_status, entry.answer = outcome, answer.http_status, (answer.message or "")[:500]
        session.add(entry)
        row = row_for_update(session, structure_id, month)
        if answer.kind == ACCEPTED:
            row.accepted_hash, row.accepted_at, row.rejected_hash, row.reason = envelope["hash"], utcnow(), None, ""
            settings.set_needs_token(session, False)
        elif answer.kind == REJECTED:
            row.rejected_hash, row.reason = envelope["hash"], (answer.message or "")[:500]
        elif answer.kind == AUTH:
            settings.set_needs_token(session, True)
        elif answer.kind == STALE:
            settings.bump_sequence(session, (answer.current_sequence or 0) + 1)
        row.updated_at = utcnow()
        session.add(row)


def _send_month(store, structure_id, month, transport, policy, agent_id, result) -> str | None:
    """Send one month until a definitive answer; returns None to go on, or the run's final status."""
    attempt = 0
    while True:
        attempt += 1
        envelope, journal_id = _prepare(store, structure_id, month, attempt, transport, agent_id)
        crash_point("before_send")
        answer = transport.send(envelope)
        result.requests += 1
        crash_point("after_send")
        _record(store, structure_id, month, envelope, journal_id, answer)
        crash_point("after_record")
        key = month_key(month)
        if answer.kind == ACCEPTED:
            result.accepted.append(key)
            return None
        if answer.kind == EXPORTED:
            result.exported.append(answer.message)
            return None
        if answer.kind == REJECTED:
            result.rejected.append(key)
            return None
        if answer.kind == AUTH:
            result.message = answer.message
            return JETON
        limit = policy.offline_attempts if answer.kind == OFFLINE else policy.max_attempts
        if attempt >= limit:
            result.message = answer.message
            return HORS_LIGNE if answer.kind == OFFLINE else ERREUR
        if answer.retry_after and answer.retry_after > policy.max_retry_after:
            result.message = answer.message
            return ERREUR
        if answer.kind != STALE:
            policy.sleep(policy.delay(attempt, answer.retry_after))


def reconcile(store: Store, structure_id: int, months: list, transport: Transport) -> list[str]:
    """Read back what the server holds for this device and compare with the local counts; a
    difference is journaled and the month is made pending again (its totals will be re-sent)."""
    differences = []
    for month in months:
        with store.read() as session:
            snapshot = build_snapshot(session, structure_id, month)
            local = counts_payload(session, structure_id, month)
            device = device_id(session)
        snap = snapshot.payload
        remote = transport.fetch(snap["structure"], device, snap["month"])
        if remote is None:
            continue  # unreadable now (or a file transport): nothing to conclude
        server = remote["snapshot"]
        same = (server.get("totals") == local["totals"] and server.get("cube") == local["cube"]
                and server.get("satisfaction") == snap.get("satisfaction"))
        if same:
            continue
        differences.append(snap["month"])
        with store.write() as session:
            row = row_for_update(session, structure_id, month)
            row.accepted_hash = None
            row.reason = "Écart avec le serveur : totaux renvoyés."
            session.add(row)
            session.add(SyncJournal(structure_id=structure_id, month=row.month, kind="rapprochement",
                                    hash=snapshot.hash, transport=transport.name, outcome="ecart",
                                    answer=(f"Serveur : {server.get('totals')} ; local : {local['totals']}")[:500]))
    return differences


def sync_structure(store: Store, structure_id: int, transport: Transport, *, policy: RetryPolicy | None = None,
                   agent_id: int | None = None, progress: Callable[[int, int, str], None] | None = None,
                   reconcile_after: bool = True, reconcile_all: bool = False) -> SyncResult:
    """Send every pending month of `structure_id`, oldest first, then read back what was sent
    (every accepted month with `reconcile_all`). Raises NotFound, StoreError."""
    policy = policy or RetryPolicy()
    progress = progress or (lambda done, total, text: None)
    with store.write() as session:
        ensure_device_id(session)
    _interrupted_attempts(store, structure_id)
    result = SyncResult(A_JOUR)
    for rounds in range(2):  # a second round re-sends months whose reconciliation showed a difference
        with store.read() as session:
            states = [state for state, _snap in month_states(session, structure_id)]
        targets = [s.month for s in states if s.pending]
        sent_now = [s.month for s in states if reconcile_all and rounds == 0 and s.state == "accepte"]
        if not targets and not sent_now:
            break
        for i, month in enumerate(targets):
            progress(i, len(targets), month_key(month))
            final = _send_month(store, structure_id, month, transport, policy, agent_id, result)
            if final is not None:
                result.status = final
                break
            if month_key(month) in result.accepted:
                sent_now.append(month)
        progress(len(targets), len(targets), "")
        if result.status != A_JOUR or not reconcile_after:
            break
        found = reconcile(store, structure_id, sent_now, transport)
        result.differences += [m for m in found if m not in result.differences]
        if not found:
            break
    # The run's word is not the last one: a month refused last week, or waiting for a correction
    # reason, keeps the structure from being « à jour » even when this run sent nothing.
    with store.read() as session:
        summary = summarize(session, structure_id, run_status=None if result.status == A_JOUR else result.status,
                            run_message=result.message)
    result.status, result.message, result.pending = summary.status, summary.message, summary.pending
    return result


def journal(session, actor, structure_id: int, limit: int = 500) -> list[SyncJournal]:
    """The sync journal, newest first (supervisors). Raises PermissionDenied."""
    actor.require("read_sync_journal")
    return list(session.exec(select(SyncJournal).where(SyncJournal.structure_id == structure_id)
                             .order_by(SyncJournal.id.desc()).limit(limit)))
