"""Audit journal: who did what to which record, and when (CNIL délibération 2021-122).

Design
- Append-only: SQLite triggers (app/models/security.py:journal_guard_ddl_v2, migration 0012)
  refuse UPDATE and DELETE on `journal`, and accept an INSERT only at the head (id = last + 1)
  with a time not before the last entry's.
- Tamper-evident: each row stores `hash = HMAC-SHA256(key, prev_hash + canonical JSON of the
  row)`, the row's id included. The key is derived from the store key (app/store/crypto.py:
  journal_key) and reaches this module through the connection, never from the file: a copy of
  the file cannot be given a forged row that verifies. (A plain demo store has a public key.)
- Time only moves forward: `record()` stamps an entry no earlier than the previous one (a PC
  clock set back, even once, cannot produce a row "from 2000"), and `verify_chain()` rejects
  a row older than its predecessor.
- Head pinned outside the file: after each commit that journaled something, the head (id, hash)
  is written beside the store and in the keyring (app/core/journal_guard.py), and each backup's
  manifest holds the head at that time. At start-up the pinned row must still be there: cutting
  the tail off, or swapping in an older file, shows.
- Minimal: entries hold the agent id, a UTC timestamp, an action code and an object reference
  such as "usager:<uuid>". Never names, phones or notes: after erasure of a usager the uuid no
  longer leads anywhere, so the journal needs no rewriting to stay pseudonymous.
- Purge (entries older than 12 months, CNIL: 6–12 months) removes a *prefix*: the rows from the
  anchor up to the first one that is not old enough. `purge_older_than()` moves the one-row
  `journal_anchor` onto the last purged row in the same transaction as the DELETE; the DELETE
  trigger only lets through rows at or below `anchor.cutoff_id`, and the anchor trigger only
  accepts a cutoff at or below which every row is older than 365 days, copying that row's hash
  as `anchor_hash`, from which the first remaining row must chain. The purge is recorded with
  object_ref "journal:<cutoff>", and `verify_chain()` requires the newest such record to name the
  current anchor: a beginning cut off without a purge shows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, bindparam, text
from sqlmodel import Session, select

from app.core.cells import cell_text
from app.core.context import Actor
from app.models.month import add_months
from app.models.security import GENESIS_HASH, JournalAnchor, JournalEntry  # noqa: F401 (re-export)
from app.models.tables import utcnow
from app.store import dialects

RETENTION_DAYS = 365  # 12 months; the anchor trigger checks the same bound with SQLite's clock
PIN_INFO = "guichet_journal_head"  # Session.info key: head to pin once the transaction commits


def _canonical(entry_id: int, at: datetime, agent_id: int | None, action: str, object_ref: str,
               detail: str) -> bytes:
    body = {"id": entry_id, "at": at.isoformat(timespec="microseconds"), "agent_id": agent_id,
            "action": action, "object_ref": object_ref, "detail": detail}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_hash(key: bytes, prev_hash: str, entry_id: int, at: datetime, agent_id: int | None,
                 action: str, object_ref: str, detail: str) -> str:
    message = prev_hash.encode("ascii") + _canonical(entry_id, at, agent_id, action, object_ref, detail)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def chain_key(session: Session) -> bytes:
    """The HMAC key of this store's chain, as the engine attached it to the connection."""
    from app.store import crypto
    from app.store.engine import JOURNAL_KEY_INFO

    return session.connection().info.get(JOURNAL_KEY_INFO) or crypto.PLAIN_JOURNAL_KEY


def store_file(session: Session) -> str:
    """Path of the store file the session writes to (a session may be bound to an engine or a connection)."""
    anchor = session.connection().info.get("guichet_anchor_path")  # a site store (app/store/site_store.py)
    if anchor:
        return anchor
    bind = session.get_bind()
    return (getattr(bind, "url", None) or bind.engine.url).database


def _when(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _head_row(session: Session) -> tuple[int, str, datetime | None]:
    """(last id, last hash, last time) of the chain, falling back to the purge anchor."""
    last = session.execute(text("SELECT id, hash, at FROM journal ORDER BY id DESC LIMIT 1")).first()
    if last is not None:
        return last[0], last[1], _when(last[2])
    anchor = session.execute(text("SELECT cutoff_id, anchor_hash FROM journal_anchor WHERE id = 1")).first()
    return (anchor[0], anchor[1], None) if anchor else (0, GENESIS_HASH, None)


def head(session: Session) -> tuple[int, str]:
    """(id, hash) of the newest entry (or of the purge anchor when the journal is empty)."""
    last_id, last_hash, _at = _head_row(session)
    return last_id, last_hash


def record(session: Session, actor: Actor | int | None, action: str, object_ref: str = "",
           detail: str = "", now: datetime | None = None) -> JournalEntry:
    """Append one entry in the caller's transaction (so it commits or rolls back with the change)."""
    agent_id = actor.agent_id if isinstance(actor, Actor) else actor
    at = (now or utcnow()).replace(tzinfo=None)
    dialects.lock_journal_head(session)  # a site store has several writers at once
    last_id, last_hash, last_at = _head_row(session)
    if last_at is not None and at < last_at:
        at = last_at  # the clock went back: the journal's time does not (see module docstring)
    entry_id = last_id + 1
    object_ref, detail, action = object_ref[:80], detail[:400], action[:40]
    key = chain_key(session)
    digest = compute_hash(key, last_hash, entry_id, at, agent_id, action, object_ref, detail)
    entry = JournalEntry(id=entry_id, at=at, agent_id=agent_id, action=action, object_ref=object_ref,
                         detail=detail, prev_hash=last_hash, hash=digest)
    # Plain INSERT rather than session.add(): no unit-of-work flush for every entry.
    session.execute(_INSERT, entry.model_dump())
    session.info[PIN_INFO] = (store_file(session), key, entry_id, digest)
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
    """Recompute every HMAC from the anchor; report the first row that does not fit."""
    key = chain_key(session)
    cutoff, expected_prev = head_of_anchor(session)
    expected_id, previous_at = cutoff + 1, None
    checked = 0
    # Raw rows: an ORM identity map could hide what is really on disk.
    rows = session.execute(text("SELECT id, at, agent_id, action, object_ref, detail, prev_hash, hash "
                                "FROM journal ORDER BY id"))
    for entry_id, at, agent_id, action, object_ref, detail, prev_hash, digest in rows:
        at = _when(at)
        if entry_id != expected_id:
            return ChainReport(False, checked, entry_id, "entrée manquante avant celle-ci")
        if prev_hash != expected_prev:
            return ChainReport(False, checked, entry_id, "chaînage rompu (entrée précédente modifiée ou supprimée)")
        if not hmac.compare_digest(compute_hash(key, prev_hash, entry_id, at, agent_id, action, object_ref,
                                                detail), digest):
            return ChainReport(False, checked, entry_id, "contenu modifié ou entrée forgée")
        if previous_at is not None and at < previous_at:
            return ChainReport(False, checked, entry_id, "date antérieure à celle de l'entrée précédente")
        expected_prev, expected_id, previous_at = digest, entry_id + 1, at
        checked += 1
    if cutoff and last_purge_mark(session) != cutoff:
        return ChainReport(False, checked, cutoff + 1, "début du journal supprimé sans purge enregistrée")
    return ChainReport(True, checked)


def head_of_anchor(session: Session) -> tuple[int, str]:
    anchor = session.execute(text("SELECT cutoff_id, anchor_hash FROM journal_anchor WHERE id = 1")).first()
    return (anchor[0], anchor[1]) if anchor else (0, GENESIS_HASH)


def last_purge_mark(session: Session) -> int | None:
    """The cutoff named by the newest purge (or re-keying) record, None if there is none."""
    ref = session.execute(text("SELECT object_ref FROM journal WHERE action IN ('journal_purged', "
                               "'journal_rekeyed') AND object_ref LIKE 'journal:%' ORDER BY id DESC LIMIT 1")
                          ).scalar()
    try:
        return int(ref.split(":", 1)[1]) if ref else None
    except ValueError:
        return None


def purge_limit(now: datetime, days: int = RETENTION_DAYS) -> datetime:
    """Entries before this may go. The anchor trigger counts « 12 months » in calendar months
    (SQLite's '-12 months'), which is 366 days when a 29 February falls in the year: take the earlier
    of the two bounds, so a purge never asks for a row the trigger would refuse."""
    by_days = now - timedelta(days=days)
    if days != RETENTION_DAYS:
        return by_days
    return min(by_days, datetime.combine(add_months(now.date(), -12), now.time()))


def purge_older_than(session: Session, actor: Actor | None, now: datetime | None = None,
                     days: int = RETENTION_DAYS) -> int:
    """Delete the oldest entries, up to the first one younger than `days` (see module docstring);
    returns the count."""
    if actor is not None:
        actor.require("purge")
    now = (now or utcnow()).replace(tzinfo=None)
    limit = purge_limit(now, days)
    first_recent = session.execute(text("SELECT min(id) FROM journal WHERE at >= :l"), _at_param(limit)).scalar()
    below = "" if first_recent is None else "WHERE id < :r"
    cutoff = session.execute(text(f"SELECT id, hash FROM journal {below} ORDER BY id DESC LIMIT 1"),
                             {"r": first_recent}).first()
    if cutoff is None:
        return 0
    cutoff_id, cutoff_hash = cutoff
    count = session.execute(text("SELECT count(*) FROM journal WHERE id <= :c"), {"c": cutoff_id}).scalar()
    session.execute(text("UPDATE journal_anchor SET cutoff_id = :c, anchor_hash = :h, purged_at = :t WHERE id = 1"),
                    {"c": cutoff_id, "h": cutoff_hash, "t": now})
    dialects.purge_journal_to_anchor(session, cutoff_id)
    session.expire_all()  # the ORM copy of the anchor is stale after the raw UPDATE
    record(session, actor, "journal_purged", f"journal:{cutoff_id}",
           f"{count} entrées antérieures au {limit:%Y-%m-%d}", now=now)
    return count


def _at_param(value: datetime) -> dict:
    # Same text form as stored values ("YYYY-MM-DD HH:MM:SS.ffffff"), so SQLite compares like with like.
    return {"l": value.strftime("%Y-%m-%d %H:%M:%S.%f")}


# ----------------------------------------------------------------------------- reading, export

ACTION_LABELS = {
    "login": "Connexion", "login_failed": "Échec de connexion", "logout": "Changement d'agent",
    "lock": "Verrouillage", "unlock": "Déverrouillage", "password_set": "Mot de passe défini",
    "agent_created": "Agent créé", "agent_updated": "Agent modifié",
    "usager_created": "Usager créé", "usager_updated": "Usager modifié", "usager_viewed": "Fiche usager consultée",
    "usager_exported": "Données d'un usager exportées", "usager_erased": "Usager effacé",
    "retention_run": "Anonymisation (durée de conservation)", "journal_exported": "Journal exporté",
    "journal_purged": "Journal purgé", "settings_changed": "Réglage modifié",
    "journal_rekeyed": "Journal signé avec la clé du fichier", "journal_pinned": "Repère du journal créé",
    "journal_alert": "Alerte d'intégrité du journal", "backup_restored": "Sauvegarde restaurée",
    "referent_created": "Référent ajouté", "referent_updated": "Référent modifié",
    "referent_verified": "Référent vérifié", "referent_erased": "Référent supprimé",
    "referent_exported": "Données d'un référent exportées", "referents_imported": "Annuaire importé",
    "escalation_sent": "Transmis au partenaire", "escalation_answered": "Réponse du partenaire enregistrée",
    "call_logged": "Appel de relance noté",
    "site_imported": "Base d'un poste importée",
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


# OWASP ASVS 1.2.10: the journal export's cells follow the one spreadsheet rule (app/core/cells.py).
csv_safe = cell_text
