"""The sync run: enrol, line up with the service and the clock, send every pending month's absolute
totals, record each attempt, reconcile.

Crash safety comes from three facts, not from luck:
1. the hash and sequence of what goes on the wire are committed *before* the request leaves, and
   `accepted_hash` only after a definitive answer echoing that hash — a kill anywhere leaves the
   month "envoyé" or pending, never "accepté" without the server's word;
2. snapshots are absolute totals: re-sending after a kill is harmless (the server sees the same
   hash and changes nothing), so "send again" is always the right recovery;
3. the server keeps the highest sequence, so a stale request delivered late cannot win.
Restores and copies cannot count twice (app/sync/device.py, app/sync/align.py): the device id
survives a restore, the enrolment answer re-aligns the store, and a copy on another computer is
refused before anything is sent. Only the service's JSON verdict refuses a month (transport.py).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable

from sqlmodel import select

from app.core.structures import get_structure
from app.models.sync import SyncJournal
from app.models.tables import utcnow
from app.store.engine import Store
from app.sync import align, clock as clock_mod, device, pending, settings
from app.sync.snapshot import build_snapshot, counts_payload, month_key
from app.sync.state import month_states, row_for_update
from app.sync.status import (A_JOUR, COPIE, EN_ATTENTE, ERREUR, HORLOGE, HORS_LIGNE, JETON,  # noqa: F401
                             summarize)
from app.sync.transport import (ACCEPTED, AUTH, CLAIMED, CLOCK, EXPORTED, NOT_ENROLLED, OFFLINE, REJECTED, STALE,
                                Transport)

EXPORT_NAME = "fichier"  # FileExportTransport.name (app/sync/export.py)


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

    def give_up(self, answer, attempt: int) -> str | None:
        """After a non-definitive answer: the run's final status, or None to wait and try again."""
        limit = self.offline_attempts if answer.kind == OFFLINE else self.max_attempts
        if attempt >= limit:
            return HORS_LIGNE if answer.kind == OFFLINE else ERREUR
        if answer.retry_after and answer.retry_after > self.max_retry_after:
            return ERREUR
        return None


@dataclass
class SyncResult:
    status: str
    message: str = ""
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    exported: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    realigned: list[str] = field(default_factory=list)   # re-sent after comparing with the service
    held: list[str] = field(default_factory=list)        # kept back: changed under a wrong clock
    future: list[str] = field(default_factory=list)      # after the service's month: not sent
    pending: int = 0
    requests: int = 0                                     # snapshot PUTs


FAULT_POINTS = ("before_send", "after_send", "after_record")


def fault_point(name: str) -> None:
    """Does nothing. Marks the moments of the send loop where invariant 1 above must survive a
    power cut (one of FAULT_POINTS); the crash test replaces this function in its child process to
    SIGKILL it there (tests/plugins/sync_crash.py). Looked up at each call so it can be replaced."""


def _interrupted_attempts(store: Store, structure_id: int) -> None:
    """Attempts left "en cours" by a killed run are closed as "interrompu" in the journal."""
    with store.write() as session:
        for row in session.exec(select(SyncJournal).where(SyncJournal.structure_id == structure_id,
                                                          SyncJournal.outcome == "en_cours")):
            row.outcome = "interrompu"
            session.add(row)


def _prepare(store: Store, structure_id: int, month, attempt: int, transport: Transport, agent_id,
             identity: device.DeviceIdentity):
    """Commit what goes on the wire (hash, sequence) and an "en cours" journal line; return the envelope."""
    exporting = transport.name == EXPORT_NAME
    with store.write() as session:
        snapshot = build_snapshot(session, structure_id, month)
        sequence = device.next_sequence(session)
        if not exporting:  # a file confirms nothing: the month stays as it was (pending), not « envoyé »
            row = row_for_update(session, structure_id, month)
            row.sent_hash, row.sent_sequence, row.sent_at, row.updated_at = snapshot.hash, sequence, utcnow(), utcnow()
            session.add(row)
        entry = SyncJournal(structure_id=structure_id, month=snapshot.month, kind="export" if exporting else "envoi",
                            hash=snapshot.hash,
                            transport=transport.name, attempt=attempt, outcome="en_cours", agent_id=agent_id)
        session.add(entry)
        session.flush()
        return {"hash": snapshot.hash, "sequence": sequence, "device": identity.device, "machine": identity.machine,
                "snapshot": snapshot.payload}, entry.id


def _record(store: Store, structure_id: int, month, envelope: dict, journal_id: int, answer) -> None:
    outcome = {ACCEPTED: "accepte", REJECTED: "rejete", AUTH: "jeton", EXPORTED: "exporte", OFFLINE: "hors_ligne",
               STALE: "reessai", CLAIMED: "copie", CLOCK: "horloge"}.get(answer.kind, "reessai")
    with store.write() as session:
        entry = session.get(SyncJournal, journal_id)
        entry.outcome, entry.http_status, entry.answer = outcome, answer.http_status, (answer.message or "")[:500]
        session.add(entry)
        if answer.kind == EXPORTED:
            return  # a file written: the month itself is unchanged (still pending)
        row = row_for_update(session, structure_id, month)
        if answer.kind == ACCEPTED:
            row.accepted_hash, row.accepted_at, row.rejected_hash, row.reason = envelope["hash"], utcnow(), None, ""
            settings.set_needs_token(session, False)
        elif answer.kind == REJECTED:
            row.rejected_hash, row.reason = envelope["hash"], (answer.message or "")[:500]
        elif answer.kind == AUTH:
            settings.set_needs_token(session, True)
        elif answer.kind == STALE:
            device.raise_sequence(session, (answer.current_sequence or 0) + 1)
        elif answer.kind == CLAIMED:
            device.set_blocked(session, device.copy_message())
        row.updated_at = utcnow()
        session.add(row)


def _send_month(store, structure_id, month, transport, policy, agent_id, result, identity) -> str | None:
    """Send one month until a definitive answer; returns None to go on, or the run's final status."""
    attempt = 0
    while True:
        attempt += 1
        envelope, journal_id = _prepare(store, structure_id, month, attempt, transport, agent_id, identity)
        fault_point("before_send")
        answer = transport.send(envelope)
        result.requests += 1
        fault_point("after_send")
        _record(store, structure_id, month, envelope, journal_id, answer)
        fault_point("after_record")
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
        final = {AUTH: JETON, CLAIMED: COPIE, CLOCK: HORLOGE}.get(answer.kind)
        if final:
            result.message = answer.message
            return final
        if answer.kind == NOT_ENROLLED:  # the service forgot this device: enrol again, then resend
            final, _months = _enrol(store, structure_id, transport, policy, identity, False, result)
            if final:
                return final
            continue
        final = policy.give_up(answer, attempt)
        if final:
            result.message = answer.message
            return final
        if answer.kind != STALE:
            policy.sleep(policy.delay(attempt, answer.retry_after))


def _enrol(store, structure_id, transport, policy, identity, takeover, result) -> tuple[str | None, dict | None]:
    """Ask the service to recognise this device (bound to this machine); returns (final status or
    None, the service's {month: hash} for it, or None when it has nothing to say, as for an export)."""
    with store.read() as session:
        matricule = get_structure(session, structure_id).matricule
    attempt = 0
    while True:
        attempt += 1
        answer = transport.enrol(matricule, identity.device, identity.machine, takeover)
        if answer.kind == ACCEPTED:
            with store.write() as session:
                device.set_blocked(session, "")
                settings.set_needs_token(session, False)
                device.raise_sequence(session, answer.current_sequence or 0)
                if (answer.data or {}).get("status") == "taken_over":
                    session.add(SyncJournal(structure_id=structure_id, kind="reprise", outcome="reprise",
                                            transport=transport.name, answer=device.takeover_message()))
            return None, (answer.data or {}).get("months") if answer.data else None
        if answer.kind == CLAIMED:
            with store.write() as session:
                device.set_blocked(session, device.copy_message())
                session.add(SyncJournal(structure_id=structure_id, kind="identite", outcome="copie",
                                        transport=transport.name, http_status=answer.http_status,
                                        answer=answer.message[:500]))
            result.message = device.copy_message()
            return COPIE, None
        if answer.kind == AUTH:
            with store.write() as session:
                settings.set_needs_token(session, True)
        final = {AUTH: JETON, CLOCK: HORLOGE, REJECTED: ERREUR}.get(answer.kind) or policy.give_up(answer, attempt)
        if final:
            result.message = answer.message
            return final, None
        policy.sleep(policy.delay(attempt, answer.retry_after))


def reconcile(store: Store, structure_id: int, months: list, transport: Transport, device_id: str) -> list[str]:
    """Read back what the server holds for this device and compare with the local counts; a
    difference is journaled and the month is made pending again (its totals will be re-sent)."""
    differences = []
    for month in months:
        with store.read() as session:
            snapshot = build_snapshot(session, structure_id, month)
            local = counts_payload(session, structure_id, month)
        snap = snapshot.payload
        remote = transport.fetch(snap["structure"], device_id, snap["month"])
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
                   reconcile_after: bool = True, reconcile_all: bool = False,
                   clock: clock_mod.Clock | None = None, registry: device.Registry | None = None,
                   takeover: bool = False) -> SyncResult:
    """Send every pending month of `structure_id`, oldest first, then read back what was sent
    (every accepted month with `reconcile_all`). `takeover`: this computer replaces the one the
    service knows for this store (`guichet sync --reprendre`). Raises NotFound, StoreError."""
    policy = policy or RetryPolicy()
    progress = progress or (lambda done, total, text: None)
    registry = registry or device.Registry()
    with store.write() as session:
        identity = device.claim(session, registry)
        pending.settle(session, structure_id)  # keep the counts of months written since the last run
        if identity.restored:
            session.add(SyncJournal(structure_id=structure_id, kind="identite", outcome="restauration",
                                    answer=device.restored_message()))
    _interrupted_attempts(store, structure_id)
    result = SyncResult(A_JOUR)
    final, service_months = _enrol(store, structure_id, transport, policy, identity, takeover, result)
    now = (clock or clock_mod.system_clock)()
    with store.write() as session:
        if final is None and service_months is not None:
            result.realigned = align.realign(session, structure_id, service_months, transport.name)
        # Checked even offline: the store's own timestamps show a clock that went back.
        wrong = clock_mod.record(session, structure_id, clock_mod.measure(session, now, transport.server_date), now)
        if final is None and wrong:
            result.held, result.future = align.clock_guard(session, structure_id, transport.server_date)
    if final is None:
        final = _send_all(store, structure_id, transport, policy, agent_id, progress, reconcile_after,
                          reconcile_all, identity, result)
    result.status = final or A_JOUR
    with store.read() as session:
        device.remember(session, registry)
    # The run's word is not the last one: a month refused last week, or waiting for a correction
    # reason, keeps the structure from being « à jour » even when this run sent nothing.
    with store.read() as session:
        summary = summarize(session, structure_id, run_status=None if result.status == A_JOUR else result.status,
                            run_message=result.message)
    result.status, result.message, result.pending = summary.status, summary.message, summary.pending
    return result


def _send_all(store, structure_id, transport, policy, agent_id, progress, reconcile_after, reconcile_all,
              identity, result) -> str | None:
    """The months' loop (then reconciliation); returns a final status when the run must stop."""
    skip = set(result.future)
    for rounds in range(2):  # a second round re-sends months whose reconciliation showed a difference
        with store.read() as session:
            states = [state for state, _snap in month_states(session, structure_id)]
        targets = [s.month for s in states if s.pending and month_key(s.month) not in skip]
        sent_now = [s.month for s in states if reconcile_all and rounds == 0 and s.state == "accepte"]
        if not targets and not sent_now:
            break
        for i, month in enumerate(targets):
            progress(i, len(targets), month_key(month))
            final = _send_month(store, structure_id, month, transport, policy, agent_id, result, identity)
            if final is not None:
                progress(len(targets), len(targets), "")
                return final
            if month_key(month) in result.accepted:
                sent_now.append(month)
        progress(len(targets), len(targets), "")
        if not reconcile_after:
            break
        found = reconcile(store, structure_id, sent_now, transport, identity.device)
        result.differences += [m for m in found if m not in result.differences]
        if not found:
            break
    return None


def journal(session, actor, structure_id: int, limit: int = 500) -> list[SyncJournal]:
    """The sync journal, newest first (supervisors). Raises PermissionDenied."""
    actor.require("read_sync_journal")
    return list(session.exec(select(SyncJournal).where(SyncJournal.structure_id == structure_id)
                             .order_by(SyncJournal.id.desc()).limit(limit)))
