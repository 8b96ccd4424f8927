"""Audit journal: who did what to which record, and when (CNIL délibération 2021-122).

Design
- Append-only: SQLite triggers (app/models/security.py, created by migration 0002_security)
  refuse UPDATE and DELETE on `journal`, so even raw SQL cannot rewrite history.
- Tamper-evident: each row stores `hash = sha256(prev_hash + canonical JSON of the row)`, the
  row's id included. Someone who drops the triggers and edits, deletes or reorders rows breaks
  the chain, and `verify_chain()` names the first broken row. (Recomputing every later hash is
  possible for someone with the file; the head hash printed on each CSV export pins it.)
- Minimal: entries hold the agent id, a UTC timestamp, an action code and an object reference
  such as "usager:<uuid>". Never names, phones or notes: after erasure of a usager the uuid no
  longer leads anywhere, so the journal needs no rewriting to stay pseudonymous.
- Purge (entries older than 12 months, CNIL: 6–12 months) coexists with chain and triggers:
  `purge_older_than()` moves the one-row `journal_anchor` forward in the same transaction as
  the DELETE. The DELETE trigger only lets through rows at or below `anchor.cutoff_id`, and the
  anchor trigger only accepts a cutoff on an existing row older than 12 months whose hash is
  copied as `anchor_hash`; the first remaining row's prev_hash must equal it. The purge itself
  is recorded as an entry, so the chain shows when and by whom it was shortened.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, bindparam, text
from sqlmodel import Session, select

from app.core.context import Actor
from app.models.security import GENESIS_HASH, JournalAnchor, JournalEntry
from app.models.tables import utcnow

RETENTION_DAYS = 365  # 12 months; the DELETE trigger checks the same bound with SQLite's clock


def _canonical(entry_id: int, at: datetime, agent_id: int | None, action: str, object_ref: str,
               detail: str) -> bytes:
    body = {"id": entry_id, "at": at.isoformat(timespec="microseconds"), "agent_id": agent_id,
            "action": action, "object_ref": object_ref, "detail": detail}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_hash(prev_hash: str, entry_id: int, at: datetime, agent_id: int | None, action: str,
                 object_ref: str, detail: str) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + _canonical(entry_id, at, agent_id, action,
                                                                 object_ref, detail)).hexdigest()


def _anchor(session: Session) -> JournalAnchor:
    return session.get(JournalAnchor, 1) or JournalAnchor()


def _head(session: Session) -> tuple[int, str]:
    """(last id, last hash) of the chain, falling back to the purge anchor."""
    last = session.execute(text("SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1")).first()
    if last is not None:
        return last[0], last[1]
    anchor = _anchor(session)
    return anchor.cutoff_id, anchor.anchor_hash


def record(session: Session, actor: Actor | int | None, action: str, object_ref: str = "",
           detail: str = "", now: datetime | None = None) -> JournalEntry:
    """Append one entry in the caller's transaction (so it commits or rolls back with the change)."""
    agent_id = actor.agent_id if isinstance(actor, Actor) else actor
    at = (now or utcnow()).replace(tzinfo=None)
    last_id, last_hash = _head(session)
    entry_id = last_id + 1
    digest = compute_hash(last_hash, entry_id, at, agent_id, action, object_ref[:80], detail[:400])
    entry = JournalEntry(id=entry_id, at=at, agent_id=agent_id, action=action[:40],
                         object_ref=object_ref[:80], detail=detail[:400], prev_hash=last_hash, hash=digest)
    # Plain INSERT rather than session.add(): no unit-of-work flush for every entry.
    session.execute(_INSERT, entry.model_dump())
    return entry


_INSERT = text("INSERT INTO journal (id, at, agent_id, action, object_ref, detail, prev_hash, hash) "
               "VALUES (:id, :at, :agent_id, :action, :object_ref, :detail, :prev_hash, :hash)"
               ).bindparams(bindparam("at", type_=DateTime))  # same text format as the ORM writes


def record_now(store, actor: Actor, action: str, object_ref: str = "", detail: str = "") -> None:
    """Journal a read (e.g. a usager's file opened) in its own short write transaction."""
    with store.write() as session:
        record(session, actor, action, object_ref, detail)


def record_usager_view(store, actor: Actor, usager_id: int | None) -> None:
    """For screens that show an identified usager's file: one "usager_viewed" entry."""
    if usager_id is None:
        return
    from app.models.tables import Usager

    with store.write() as session:
        usager = session.get(Usager, usager_id)
        if usager is not None and not usager.anonymous:
            record(session, actor, "usager_viewed", usager_ref(usager))


def usager_ref(usager) -> str:
    return f"usager:{usager.uuid}"


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash from the anchor; report the first row that does not fit."""
    anchor = _anchor(session)
    expected_prev = anchor.anchor_hash
    expected_id = anchor.cutoff_id + 1
    checked = 0
    # Raw rows: an ORM identity map could hide what is really on disk.
    rows = session.execute(text("SELECT id, at, agent_id, action, object_ref, detail, prev_hash, hash "
                                "FROM journal ORDER BY id"))
    for entry_id, at, agent_id, action, object_ref, detail, prev_hash, digest in rows:
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        if entry_id != expected_id:
            return ChainReport(False, checked, entry_id, "entrée manquante avant celle-ci")
        if prev_hash != expected_prev:
            return ChainReport(False, checked, entry_id, "chaînage rompu (entrée précédente modifiée ou supprimée)")
        if compute_hash(prev_hash, entry_id, at, agent_id, action, object_ref, detail) != digest:
            return ChainReport(False, checked, entry_id, "contenu modifié")
        expected_prev, expected_id = digest, entry_id + 1
        checked += 1
    return ChainReport(True, checked)


def purge_older_than(session: Session, actor: Actor | None, now: datetime | None = None,
                     days: int = RETENTION_DAYS) -> int:
    """Delete entries older than `days` through the anchor (see module docstring); returns the count."""
    if actor is not None:
        actor.require("purge")
    now = (now or utcnow()).replace(tzinfo=None)
    limit = now - timedelta(days=days)
    cutoff = session.exec(select(JournalEntry).where(JournalEntry.at < limit)
                          .order_by(JournalEntry.id.desc()).limit(1)).first()
    if cutoff is None:
        return 0
    count = session.execute(text("SELECT count(*) FROM journal WHERE id <= :c"), {"c": cutoff.id}).scalar()
    session.execute(text("UPDATE journal_anchor SET cutoff_id = :c, anchor_hash = :h, purged_at = :t WHERE id = 1"),
                    {"c": cutoff.id, "h": cutoff.hash, "t": now})
    session.execute(text("DELETE FROM journal WHERE id <= :c"), {"c": cutoff.id})
    session.expire_all()  # the ORM copy of the anchor is stale after the raw UPDATE
    record(session, actor, "journal_purged", "", f"{count} entrées antérieures au {limit:%Y-%m-%d}", now=now)
    return count


# ----------------------------------------------------------------------------- reading, export

ACTION_LABELS = {
    "login": "Connexion", "login_failed": "Échec de connexion", "logout": "Changement d'agent",
    "lock": "Verrouillage", "unlock": "Déverrouillage", "password_set": "Mot de passe défini",
    "agent_created": "Agent créé", "agent_updated": "Agent modifié",
    "usager_created": "Usager créé", "usager_updated": "Usager modifié", "usager_viewed": "Fiche usager consultée",
    "usager_exported": "Données d'un usager exportées", "usager_erased": "Usager effacé",
    "retention_run": "Anonymisation (durée de conservation)", "journal_exported": "Journal exporté",
    "journal_purged": "Journal purgé", "settings_changed": "Réglage modifié",
}


@dataclass
class JournalFilter:
    start: datetime | None = None
    end: datetime | None = None
    agent_id: int | None = None
    action: str | None = None
    object_ref: str = ""
    limit: int = 2000


def entries(session: Session, actor: Actor, f: JournalFilter | None = None) -> list[JournalEntry]:
    """Newest first. Raises PermissionDenied for agents."""
    actor.require("read_journal")
    f = f or JournalFilter()
    query = select(JournalEntry)
    if f.start:
        query = query.where(JournalEntry.at >= f.start)
    if f.end:
        query = query.where(JournalEntry.at < f.end)
    if f.agent_id is not None:
        query = query.where(JournalEntry.agent_id == f.agent_id)
    if f.action:
        query = query.where(JournalEntry.action == f.action)
    if f.object_ref.strip():
        query = query.where(JournalEntry.object_ref.contains(f.object_ref.strip()))
    return list(session.exec(query.order_by(JournalEntry.id.desc()).limit(f.limit)))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def csv_safe(value) -> str:
    """OWASP ASVS 1.2.10: a cell that a spreadsheet would run as a formula gets a leading quote."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_csv(session: Session, actor: Actor, f: JournalFilter | None = None) -> str:
    """CSV text (';' separated, for French spreadsheets) of the filtered journal; the export is journaled."""
    actor.require("export_journal")
    from app.models.tables import Agent

    rows = entries(session, actor, f)
    names = {a.id: a.login for a in session.exec(select(Agent))}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["n°", "date (UTC)", "agent", "action", "objet", "détail", "empreinte"])
    for e in reversed(rows):
        writer.writerow([csv_safe(v) for v in (e.id, e.at.isoformat(sep=" ", timespec="seconds"),
                                               names.get(e.agent_id, e.agent_id or ""),
                                               ACTION_LABELS.get(e.action, e.action), e.object_ref,
                                               e.detail, e.hash)])
    last_id, head = _head(session)
    writer.writerow([csv_safe(f"dernière empreinte de la chaîne (n° {last_id})"), head])
    record(session, actor, "journal_exported", "", f"{len(rows)} entrées")
    return out.getvalue()
