"""Backups and recovery as use cases: automatic backups, backup now, restore, restore drill,
and the start-up diagnosis that drives read-only recovery mode (app/ui/recovery.py).

A restore is shown before it is confirmed (`preview_restore`: the backup's date and, per table,
how many rows of the current file it lacks), and journaled in the restored file
(`backup_restored`: backup date, rows lost per table, the journal head it replaced). Then the
journal's pin is moved to the restored head and the erasure ledger is re-applied, so a person
erased since the backup stays erased (app/core/erasure_ledger.py)."""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from app.core.context import Actor
from app.models.errors import PermissionDenied, StoreError
from app.store import backups, crypto
from app.store.backups import BackupInfo
from app.store.engine import Store, open_store

BUSINESS_TABLES = ("structure", "agent", "usager", "accompaniment", "accompaniment_procedure")


def auto_backup(store: Store, now: datetime | None = None) -> BackupInfo | None:
    """At start-up and at close: a verified backup if the newest is older than the minimum
    interval (4 h). No actor: this is the app protecting its own data. Raises StoreError."""
    now = now or datetime.now()
    if getattr(store, "kind", "file") == "site":
        return None  # a site store is backed up on its server (pg_dump, docs/site-store.md), not by each desk
    if store.read_only or not backups.needs_backup(store.path, now):
        return None
    return backups.create_backup(store, now=now)


def backup_now(store: Store, actor: Actor, now: datetime | None = None) -> BackupInfo:
    actor.require("backup_now")
    return backups.create_backup(store, now=now)


def list_backups(store: Store, actor: Actor) -> list[BackupInfo]:
    actor.require("list_backups")
    return backups.list_backups(store.path)


@dataclass
class RestorePreview:
    backup: BackupInfo
    lost: dict[str, int]  # table -> rows of the current file that the backup does not have

    @property
    def total_lost(self) -> int:
        return sum(self.lost.values())


def _backup_info(store_path: Path, backup_path: Path) -> BackupInfo:
    for info in backups.list_backups(store_path):
        if info.path == Path(backup_path):
            return info
    stat = Path(backup_path).stat()
    return BackupInfo(Path(backup_path), datetime.fromtimestamp(stat.st_mtime), stat.st_size)


def _user_tables(conn, schema: str) -> list[str]:
    rows = conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                        "AND name NOT LIKE '%_fts%' AND name != 'alembic_version' AND sql NOT LIKE 'CREATE VIRTUAL%'"
                        ).fetchall()
    return sorted(r[0] for r in rows)


def rows_lost(store: Store, backup_path: Path) -> dict[str, int]:
    """Per table, the rows of the live store that restoring `backup_path` would drop (by id where
    the table has one, by whole row otherwise). Tables with none lost are left out."""
    from app.store.engine import dbapi_connect

    conn = dbapi_connect(store.path, store.cipher_key, read_only=True)
    try:
        key = store.cipher_key
        # The key is hex digits only: nothing to escape. The path is bound.
        conn.execute("ATTACH DATABASE ? AS b" + (f" KEY \"x'{key.hex()}'\"" if key else ""),
                     (str(backup_path),))
        theirs = set(_user_tables(conn, "b"))
        lost = {}
        for table in _user_tables(conn, "main"):
            columns = [r[1] for r in conn.execute(f'PRAGMA main.table_info("{table}")')]
            if table not in theirs:
                query = f'SELECT count(*) FROM main."{table}"'
            elif "id" in columns:
                query = f'SELECT count(*) FROM main."{table}" WHERE id NOT IN (SELECT id FROM b."{table}")'
            else:
                query = f'SELECT count(*) FROM (SELECT * FROM main."{table}" EXCEPT SELECT * FROM b."{table}")'
            try:
                count = conn.execute(query).fetchone()[0]
            except Exception:  # noqa: BLE001 - columns differ (older schema): compare counts
                count = max(0, conn.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0]
                            - conn.execute(f'SELECT count(*) FROM b."{table}"').fetchone()[0])
            if count:
                lost[table] = count
        return lost
    finally:
        conn.close()


def preview_restore(store: Store, actor: Actor, backup_path: Path) -> RestorePreview:
    """What restoring `backup_path` would lose, for the confirmation. Raises PermissionDenied,
    StoreError (backup damaged or edited since it was made)."""
    actor.require("restore_backup")
    backups.verify_copy(backup_path, store.cipher_key)
    backups.check_manifest(backup_path, store.cipher_key)
    return RestorePreview(_backup_info(store.path, backup_path), rows_lost(store, backup_path))


def _lost_text(lost: dict[str, int] | None) -> str:
    if lost is None:
        return "lignes perdues : inconnu (fichier endommagé)"
    if not lost:
        return "aucune ligne perdue"
    return "lignes perdues : " + ", ".join(f"{table} {n}" for table, n in sorted(lost.items()))


def _after_restore(path: Path, key: bytes | None, actor: Actor | None, info: BackupInfo,
                   lost: dict[str, int] | None, replaced_head: tuple[int, str] | None) -> None:
    """Journal the restore in the restored file, move the journal pin there, re-apply erasures."""
    from app.core import erasure_replay, journal, journal_guard

    restored = open_store(path, key=key)  # migrates a backup made by an older version
    try:
        detail = f"sauvegarde du {info.created:%Y-%m-%d %H:%M} ; {_lost_text(lost)}"
        if replaced_head is not None:
            detail += f" ; journal remplacé : jusqu'à l'entrée n° {replaced_head[0]}"
        with restored.write() as session:
            journal.record(session, actor, "backup_restored", f"sauvegarde:{info.created:%Y%m%d-%H%M%S}", detail)
        journal_guard.repin(restored)
        erasure_replay.reapply(restored)
    finally:
        restored.close()


def restore(store: Store, actor: Actor, backup_path: Path, now: datetime | None = None) -> Path | None:
    """Supervisor: verify the backup, close `store`, swap the backup in, journal the restore and
    re-apply erasures. The caller reopens the store. Returns where the replaced file was kept."""
    from app.core import journal

    preview = preview_restore(store, actor, backup_path)
    with store.read() as session:
        replaced_head = journal.head(session)
    path, key = store.path, store.cipher_key
    store.close()
    aside = backups.restore(path, backup_path, key, now=now)
    _after_restore(path, key, actor, preview.backup, preview.lost, replaced_head)
    return aside


def erasure_horizon(store_path: Path, limits: backups.Limits = backups.DEFAULT_LIMITS) -> tuple[datetime | None, int]:
    """(date of the oldest backup or pre-restore copy, months a desk used daily keeps a backup):
    how long data erased now may still sit in copies."""
    from app.core.erasure_ledger import oldest_copy

    days = limits.daily + 7 * limits.weekly + 31 * limits.monthly
    return oldest_copy(store_path), max(1, math.ceil(days / 30.4))


@dataclass
class DrillReport:
    backup: BackupInfo
    restored_counts: dict[str, int]
    live_counts: dict[str, int]

    @property
    def matches(self) -> bool:
        return self.restored_counts == self.live_counts


def _business_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar()
                for t in BUSINESS_TABLES if t in names}


def restore_drill(store: Store, actor: Actor) -> DrillReport:
    """Restore the newest backup into a scratch folder beside the store, open it as the app does
    (key from the keyring through a copy of the key file) and compare business counts with the
    live store. The scratch folder is removed afterwards. Raises StoreError."""
    actor.require("restore_backup")
    found = backups.list_backups(store.path)
    if not found:
        raise StoreError("Aucune sauvegarde à tester : faites d'abord une sauvegarde.")
    newest = found[0]
    scratch = Path(tempfile.mkdtemp(prefix="exercice-", dir=backups.backup_dir(store.path)))
    try:
        target = scratch / store.path.name
        backups.restore(target, newest.path, store.cipher_key)
        if store.encrypted:
            shutil.copy2(crypto.keyfile_path(store.path), crypto.keyfile_path(target))
        copy = open_store(target, read_only=True)
        try:
            restored = _business_counts(copy)
        finally:
            copy.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return DrillReport(newest, restored, _business_counts(store))


# --- start-up diagnosis ------------------------------------------------------------------------

@dataclass
class Diagnosis:
    """Why the store cannot be used normally, and what can be offered."""
    kind: str  # ok | key_missing | no_keyring | wrong_key | corrupt
    message: str
    key: bytes | None = None
    latest_good: BackupInfo | None = None
    rejected: list[tuple[BackupInfo, str]] = field(default_factory=list)
    can_read_only: bool = False


def latest_good_backup(store_path: Path, key: bytes | None) -> tuple[BackupInfo | None, list]:
    """Newest backup that passes the integrity check, plus the ones rejected on the way."""
    rejected = []
    for info in backups.list_backups(store_path):
        try:
            backups.verify_copy(info.path, key)
            return info, rejected
        except StoreError as exc:
            rejected.append((info, exc.message))
    return None, rejected


def diagnose(store_path: Path) -> Diagnosis:
    """Open the store the way start-up does and classify what goes wrong. Never raises StoreError."""
    store_path = Path(store_path)
    key = None
    kind = crypto.file_kind(store_path)
    # A plain file beside a key file took an encrypted store's place: the key still opens the backups.
    if kind == "encrypted" or (kind == "plain" and crypto.find_keyfile(store_path) is not None):
        try:
            key = crypto.load_store_key(store_path)
        except crypto.StoreKeyError as exc:
            kind = {"missing_entry": "key_missing", "no_keyfile": "corrupt"}.get(exc.reason, exc.reason)
            return Diagnosis(kind, exc.message)
    if crypto.file_kind(store_path) == "missing":
        return Diagnosis("ok", "")  # first run: nothing to check yet
    message = None
    try:
        store = open_store(store_path, key=key, read_only=True)  # a damaged file is never written into
    except StoreError as exc:
        problem = message = exc.message  # already says what is wrong, in French
    else:
        try:
            problem = store.quick_check()
        except Exception as exc:  # noqa: BLE001 - any failure here means "damaged"
            problem = str(getattr(exc, "orig", exc))
        finally:
            store.close()
        if problem == "ok":
            return Diagnosis("ok", "", key=key)
    good, rejected = latest_good_backup(store_path, key)
    readable = _opens_read_only(store_path, key)
    message = message or f"Le fichier de données est endommagé. Détail technique : {problem}"
    return Diagnosis("corrupt", message, key=key,
                     latest_good=good, rejected=rejected, can_read_only=readable)


def _opens_read_only(store_path: Path, key: bytes | None) -> bool:
    try:
        store = open_store(store_path, key=key, read_only=True)
    except StoreError:
        return False
    try:
        with store.read() as session:
            session.connection().exec_driver_sql("SELECT count(*) FROM usager").scalar()
        return True
    except Exception:  # noqa: BLE001
        return False
    finally:
        store.close()


def restore_at_startup(store_path: Path, backup_path: Path, now: datetime | None = None) -> Path | None:
    """Recovery mode: nobody can log in to a damaged store, so no actor is asked for; instead
    this refuses unless the store really is unusable. Returns where the damaged file was kept."""
    diagnosis = diagnose(store_path)
    if diagnosis.kind == "ok":
        raise PermissionDenied("Le fichier de données est sain : la restauration se fait depuis le menu, "
                               "par un superviseur.")
    if diagnosis.kind != "corrupt":
        raise StoreError(diagnosis.message)
    aside = backups.restore(store_path, backup_path, diagnosis.key, now=now)
    _after_restore(Path(store_path), diagnosis.key, None, _backup_info(store_path, backup_path), None, None)
    return aside
