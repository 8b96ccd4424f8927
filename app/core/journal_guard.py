"""The journal's head pinned outside the store file, and the integrity checks around it.

Why: the HMAC chain (app/core/journal.py) proves that the rows present were not changed, not
that none were cut off the end, nor that the file is not an older copy. So the head (id, hash)
is also kept where a copy of the store file does not carry it:

1. a file beside the store, `<store>.repere-journal`, rewritten after each commit that journaled;
2. the OS keyring, for an encrypted store on a machine with a secure keyring
   (entry "journal-head:<store id>"): out of reach of whoever holds only the files; in
   no-keyring mode the same entry, sealed in the passphrase vault (app/store/vault.py);
3. each backup's manifest (app/store/backups.py): the head when the backup was made.

Each pin carries a MAC with the chain key, so it cannot be written without opening the store.
A pin only moves forward (a lagging writer never pulls it back); a restore and an alert move it
explicitly (`force`).

Checks:
- `check_at_open` (app/core/bootstrap.py, before anything is written, so that the next login
  does not move the pin over a truncated journal): the most advanced pin of 1–2, or if neither
  exists the newest manifest made since the last restore, must name a row still in the journal
  with the same hash. A problem is recorded as a `journal_alert` entry (chained like the others),
  then the pin moves to the new head: each problem is raised once and stays in the journal.
- `background_check` (after login, in a worker) and `check` (before each export, and the
  « Vérifier l'intégrité » button) recompute the whole chain as well.
- Supervisors see alerts they have not seen yet at login (`unseen_alerts`).
"""

from __future__ import annotations

import hmac
import csv
import io
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import event, text
from sqlmodel import Session, select

from app.core import journal
from app.core.context import Actor
from app.models.security import JournalEntry
from app.store import crypto

log = logging.getLogger(__name__)

PIN_SUFFIX = ".repere-journal"
PIN_FORMAT = "guichet-repere-journal-1"
_KEYRING_PREFIX = "journal-head:"
SEEN_KEY = "journal_alerts_seen"


def _secrets():
    """The keyring adapter, imported late: keyring is a heavy import kept off the start-up path."""
    from app.store import secrets

    return secrets


def pin_path(store_path) -> Path:
    store_path = Path(store_path)
    return store_path.with_name(store_path.name + PIN_SUFFIX)


@dataclass(frozen=True)
class Pin:
    id: int
    hash: str
    source: str  # fichier | trousseau | sauvegarde <name>


def encode_pin(key: bytes, entry_id: int, digest: str) -> str:
    return json.dumps({"format": PIN_FORMAT, "id": entry_id, "hash": digest,
                       "mac": crypto.journal_pin_mac(key, entry_id, digest)})


def decode_pin(key: bytes, raw: str | dict | None, source: str) -> Pin | None:
    """The pin in `raw` if its MAC is right, else None (unreadable, forged, other store)."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
        entry_id, digest = int(data["id"]), str(data["hash"])
        good = hmac.compare_digest(crypto.journal_pin_mac(key, entry_id, digest), str(data["mac"]))
    except (TypeError, ValueError, KeyError):
        return None
    return Pin(entry_id, digest, source) if good else None


def _keyring_entry(store_path: Path, key: bytes) -> str | None:
    """Secret entry name for an encrypted store whose key file names it; None for a plain store
    or where no secret backend exists (the file pin and the manifests remain). The entry is in
    the OS keyring, or in no-keyring mode sealed in the store's passphrase vault (the secrets
    adapter decides), where it is out of reach of whoever holds the files without the passphrase."""
    if key == crypto.PLAIN_JOURNAL_KEY:
        return None
    found = crypto.find_keyfile(store_path)
    if found is None or not _secrets().available():
        return None
    try:
        store_id = crypto.KeyFile.load(found).store_id
    except (OSError, crypto.StoreKeyError):
        return None
    unlocked = _secrets().active_vault()
    if unlocked is not None and unlocked.store_id != store_id:
        return None  # another store's vault is open: never mix their pins
    return _KEYRING_PREFIX + store_id


def _secret_source() -> str:
    return "coffre de la phrase de passe" if _secrets().mode() == "passphrase" else "trousseau"


def read_pins(store_path, key: bytes) -> list[Pin]:
    store_path = Path(store_path)
    pins = []
    try:
        pins.append(decode_pin(key, pin_path(store_path).read_text("utf-8"), "fichier"))
    except OSError:
        pass
    entry = _keyring_entry(store_path, key)
    if entry:
        try:
            pins.append(decode_pin(key, _secrets().get_secret(entry), _secret_source()))
        except Exception as exc:  # noqa: BLE001 - a locked keyring must not stop the check
            log.warning("journal pin: keyring unreadable: %s", exc)
    return [p for p in pins if p is not None]


def write_pin(store_path, key: bytes, entry_id: int, digest: str, force: bool = False) -> None:
    """Pin (entry_id, digest) in the file and the keyring; without `force`, a pin never moves back."""
    store_path = Path(store_path)
    current = {p.source: p for p in read_pins(store_path, key)}
    value = encode_pin(key, entry_id, digest)
    if force or "fichier" not in current or current["fichier"].id < entry_id:
        target = pin_path(store_path)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")  # one per process: no clobbering
        tmp.write_text(value, "utf-8")
        os.replace(tmp, target)
    entry = _keyring_entry(store_path, key)
    secret = current.get(_secret_source()) if entry else None
    if entry and (force or secret is None or secret.id < entry_id):
        _secrets().set_secret(entry, value)


def pin_after_commit(store_path: str, key: bytes, entry_id: int, digest: str) -> None:
    """Called by journal.record's after-commit hook. Never raises: the action is already saved."""
    try:
        write_pin(store_path, key, entry_id, digest)
    except Exception as exc:  # noqa: BLE001 - disk full, keyring locked…: the next commit retries
        log.warning("journal pin not written: %s", exc)


def _manifest_pin(store_path: Path, key: bytes, since: datetime | None) -> Pin | None:
    from app.store import backups

    for info in backups.list_backups(store_path):  # newest first
        if since is not None and info.created < since:
            return None  # made before the last restore: another timeline
        manifest = backups.read_manifest(info.path)
        pin = decode_pin(key, (manifest or {}).get("journal_head"), f"sauvegarde {info.path.name}")
        if pin is not None:
            return pin
    return None


def _last_restore(session: Session) -> datetime | None:
    value = session.execute(text("SELECT max(at) FROM journal WHERE action = 'backup_restored'")).scalar()
    if value is None:
        return None
    # Journal times are UTC; backup names are local time.
    return journal._when(value).replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)


def _store_path(session: Session) -> Path:
    return Path(journal.store_file(session))


def check_pin(session: Session, store_path=None) -> str | None:
    """None if the pinned head is in the journal, else the problem in French."""
    store_path = Path(store_path) if store_path else _store_path(session)
    key = journal.chain_key(session)
    pins = read_pins(store_path, key)
    best = max(pins, key=lambda p: p.id) if pins else _manifest_pin(store_path, key, _last_restore(session))
    head_id, _head_hash = journal.head(session)
    last = session.execute(text("SELECT action FROM journal ORDER BY id DESC LIMIT 1")).scalar()
    if best is None:
        if last is None or last == "journal_rekeyed":
            return None  # nothing journaled yet, or just upgraded: nothing could be pinned before
        return ("le repère externe du journal est absent (supprimé, ou fichier de données déplacé sans "
                f"son fichier « {pin_path(store_path).name} ») : une coupure de la fin du journal ne "
                "pourrait pas être constatée")
    cutoff, anchor_hash = journal.head_of_anchor(session)
    if best.id <= cutoff:  # pinned before a purge (or on the empty journal's anchor)
        if (best.id, best.hash) == (cutoff, anchor_hash) or journal.last_purge_mark(session) == cutoff:
            return None
        return f"le début du journal (jusqu'à l'entrée n° {cutoff}) a été supprimé sans purge enregistrée"
    row = session.execute(text("SELECT hash FROM journal WHERE id = :i"), {"i": best.id}).scalar()
    if row is None and best.id > head_id:
        return (f"les entrées n° {head_id + 1} à {best.id} ont disparu (repère : {best.source}) : fin du "
                "journal coupée, ou fichier de données remplacé par une copie plus ancienne")
    if row is None:
        return f"l'entrée n° {best.id} (repère : {best.source}) a disparu du journal"
    if not hmac.compare_digest(row, best.hash):
        return (f"l'entrée n° {best.id} ne correspond plus au repère ({best.source}) : journal réécrit, "
                "ou fichier de données remplacé")
    return None


@dataclass
class IntegrityReport:
    ok: bool
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    first_broken_id: int | None = None

    @property
    def summary(self) -> str:
        if self.ok:
            return f"chaîne intacte ({self.checked} entrées), repère externe conforme"
        return "ALTÉRÉ : " + " ; ".join(self.problems)


def check(session: Session) -> IntegrityReport:
    """Whole chain plus pinned head, without writing anything."""
    chain = journal.verify_chain(session)
    report = IntegrityReport(chain.ok, chain.checked, first_broken_id=chain.first_broken_id)
    if not chain.ok:
        report.problems.append(f"entrée n° {chain.first_broken_id} : {chain.reason}")
    problem = check_pin(session)
    if problem:
        report.ok = False
        report.problems.append(problem)
    return report


def _alert(session: Session, problem: str) -> None:
    journal.record(session, None, "journal_alert", "journal", problem)


def repin(store) -> None:
    """Pin the current head, even if it is behind the old pin (after a restore or an alert)."""
    with store.read() as session:
        key = journal.chain_key(session)
        entry_id, digest = journal.head(session)
    try:
        write_pin(store.path, key, entry_id, digest, force=True)
    except Exception as exc:  # noqa: BLE001 - a full disk or locked keyring must not stop start-up
        log.warning("journal pin not written: %s", exc)


def check_at_open(store) -> str | None:
    """Start-up, before any other write: compare the journal with its pinned head; record and
    return the problem (None if all is well). Pins the head where nothing was pinned yet."""
    if store.read_only:
        return None
    with store.read() as session:
        problem = check_pin(session, store.path)
        unpinned = not read_pins(store.path, journal.chain_key(session))
    if problem:
        with store.write() as session:
            _alert(session, problem)
    if problem or unpinned:
        repin(store)
    return problem


def background_check(store) -> IntegrityReport:
    """After login: recompute the whole chain (about 0.1 ms per entry); a break is recorded as an
    alert once (not again at every start while it is the same break)."""
    with store.read() as session:
        report = check(session)
        last_alert = session.execute(text("SELECT detail FROM journal WHERE action = 'journal_alert' "
                                          "ORDER BY id DESC LIMIT 1")).scalar()
    broken = [p for p in report.problems if p.startswith("entrée n°")]
    if broken and not store.read_only and last_alert != broken[0][:400]:
        with store.write() as session:
            _alert(session, broken[0])
    return report


def unseen_alerts(session: Session, actor: Actor) -> list[JournalEntry]:
    """Integrity alerts a supervisor has not been shown yet (none for agents)."""
    if not actor.can("read_journal"):
        return []
    from app.core.structures import get_setting

    seen = int(get_setting(session, SEEN_KEY, "0") or 0)
    return list(session.exec(select(JournalEntry).where(JournalEntry.action == "journal_alert",
                                                        JournalEntry.id > seen).order_by(JournalEntry.id)))


def mark_alerts_seen(session: Session, actor: Actor, upto_id: int) -> None:
    actor.require("read_journal")
    from app.core.structures import set_setting

    set_setting(session, SEEN_KEY, str(int(upto_id)))


# Pins follow commits of any session that journaled (journal.record leaves the pending pin in
# session.info). Registered here, with the pin code, so that journal.py needs nothing from this module.
@event.listens_for(Session, "after_commit")
def _pin_after_commit(session: Session) -> None:
    # After, not before, the commit: a pin must never name a row that was rolled back.
    pending = session.info.pop(journal.PIN_INFO, None)
    if pending is not None:
        pin_after_commit(*pending)


@event.listens_for(Session, "after_rollback")
def _forget_pin(session: Session) -> None:
    session.info.pop(journal.PIN_INFO, None)


# --------------------------------------------------------------------------- export

@dataclass
class JournalExport:
    text: str
    integrity: object  # journal_guard.IntegrityReport, checked just before the export


def export_journal(session: Session, actor: Actor, f: journal.JournalFilter | None = None) -> JournalExport:
    """CSV text (';' separated, for French spreadsheets) of the filtered journal, after checking the
    chain and its pinned head: the verdict is written into the file and into the export's own
    journal entry. Raises PermissionDenied."""
    actor.require("export_journal")
    from app.models.tables import Agent

    integrity = check(session)
    rows = journal.entries(session, actor, f)
    names = {a.id: a.login for a in session.exec(select(Agent))}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["n°", "date (UTC)", "agent", "action", "objet", "détail", "empreinte"])
    for e in reversed(rows):
        writer.writerow([journal.csv_safe(v) for v in (e.id, e.at.isoformat(sep=" ", timespec="seconds"),
                                               names.get(e.agent_id, e.agent_id or ""),
                                               journal.ACTION_LABELS.get(e.action, e.action), e.object_ref,
                                               e.detail, e.hash)])
    last_id, last_hash = journal.head(session)
    writer.writerow([journal.csv_safe(f"dernière empreinte de la chaîne (n° {last_id})"), last_hash])
    writer.writerow([journal.csv_safe("intégrité vérifiée avant l'export"), journal.csv_safe(integrity.summary)])
    journal.record(session, actor, "journal_exported", "",
           f"{len(rows)} entrées ; intégrité : {'vérifiée' if integrity.ok else 'ALTÉRÉE'}")
    return JournalExport(out.getvalue(), integrity)


def export_csv(session: Session, actor: Actor, f: journal.JournalFilter | None = None) -> str:
    """export_journal() as text only."""
    return export_journal(session, actor, f).text
