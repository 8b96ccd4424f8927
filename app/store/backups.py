"""Verified backups, Anki-style thinning, and restore by atomic swap.

- A backup is made with SQLite's online backup API from a pooled connection of the live store into
  a file keyed with the same SQLCipher key (a plain destination is refused by SQLCipher, so a
  backup can never be written in clear). The copy is then reopened and must pass
  `PRAGMA integrity_check` and have the same row count in every table as the source snapshot;
  only then is it renamed into place. A failed or interrupted backup leaves only a `.partiel` file,
  removed at the next run.
- Backups live in `sauvegardes/` beside the store (platformdirs user-data folder), named
  `<stem>-YYYYMMDD-HHMMSS.db` in local time, so thinning needs nothing but file names.
- Thinning (`thin`) is a pure function: every backup of today, then the newest backup of each of
  the last `daily` days that have one, then of `weekly` ISO weeks older than the last kept one,
  then of `monthly` months likewise (Anki's rslib/src/collection/backup.rs, defaults 12/10/9).
- Restore: verify the chosen backup, copy it beside the store, verify the copy, move the current
  store *and its -wal/-shm* aside (never separated), then rename the copy into place.
- Each backup has a manifest `<backup>.manifeste.json`: its row counts and the journal's head
  (id, hash, MAC with the chain key) at backup time. The head is one of the pins of
  app/core/journal_guard.py, and a restore refuses a backup whose journal no longer holds it.
- Pre-restore copies (`<store>.avant-restauration-<stamp>`) are thinned by the same rule as
  backups, each time backups are.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from app.models.errors import StoreError
from app.store.crypto import dbapi_connect, keyfile_path
from app.store.paths import backup_dir

PARTIAL_SUFFIX = ".partiel"
ASIDE_MARK = ".avant-restauration-"
MANIFEST_SUFFIX = ".manifeste.json"
MANIFEST_FORMAT = "guichet-sauvegarde-1"
_STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class Limits:
    daily: int = 12
    weekly: int = 10
    monthly: int = 9


DEFAULT_LIMITS = Limits()
MIN_INTERVAL = timedelta(hours=4)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: datetime
    size: int


def backup_name(stem: str, when: datetime) -> str:
    return f"{stem}-{when.strftime(_STAMP)}.db"


def _pattern(stem: str) -> re.Pattern:
    return re.compile(re.escape(stem) + r"-(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)\.db$")


def list_backups(store_path: Path) -> list[BackupInfo]:
    """Backups of this store, newest first. Other files in the folder are ignored."""
    folder, pattern = backup_dir(store_path), _pattern(Path(store_path).stem)
    found = []
    if folder.is_dir():
        for entry in folder.iterdir():
            match = pattern.match(entry.name)
            if not match:
                continue
            try:
                created = datetime(*map(int, match.groups()))  # strptime is 20x slower
                size = entry.stat().st_size
            except (ValueError, OSError):
                continue
            found.append(BackupInfo(entry, created, size))
    return sorted(found, key=lambda b: b.created, reverse=True)


def list_asides(store_path: Path) -> list[BackupInfo]:
    """Copies set aside by restores (`<store>.avant-restauration-<stamp>`), newest first."""
    store_path = Path(store_path)
    pattern = re.compile(re.escape(store_path.name + ASIDE_MARK) + r"(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)$")
    found = []
    if store_path.parent.is_dir():
        for entry in store_path.parent.iterdir():
            match = pattern.match(entry.name)
            if match:
                try:
                    found.append(BackupInfo(entry, datetime(*map(int, match.groups())), entry.stat().st_size))
                except (ValueError, OSError):
                    continue
    return sorted(found, key=lambda b: b.created, reverse=True)


def manifest_path(backup_path: Path) -> Path:
    backup_path = Path(backup_path)
    return backup_path.with_name(backup_path.name + MANIFEST_SUFFIX)


def read_manifest(backup_path: Path) -> dict | None:
    try:
        data = json.loads(manifest_path(backup_path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None


# --- thinning (pure) ---------------------------------------------------------------------------

def _week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso[0], iso[1]


def thin(stamps: list[datetime], now: datetime, limits: Limits = DEFAULT_LIMITS) -> set[datetime]:
    """The backup times to keep (see module docstring). Backups dated after `now` are kept."""
    keep: set[datetime] = set()
    left = {"daily": limits.daily, "weekly": limits.weekly, "monthly": limits.monthly}
    last: dict[str, object] = {}  # per level, the oldest period already holding a kept backup
    for stamp in sorted(stamps, reverse=True):
        day = stamp.date()
        periods = {"daily": day, "weekly": _week(day), "monthly": (day.year, day.month)}
        if day >= now.date():
            level = None  # today's backups are all kept
        else:
            # The level is the first one with slots left; a backup in a period already covered is
            # dropped rather than passed down (Anki's BackupFilter::mark_fresh_or_obsolete).
            level = next((name for name in ("daily", "weekly", "monthly") if left[name]), "")
            if not level or (level in last and not periods[level] < last[level]):
                continue
            left[level] -= 1
        keep.add(stamp)
        last.update(periods)
    return keep


def rotate(store_path: Path, now: datetime, limits: Limits = DEFAULT_LIMITS, backups: bool = True) -> list[Path]:
    """Delete the backups (unless `backups` is False) and pre-restore copies that `thin` does not
    keep; returns the removed paths."""
    removed = []
    kinds = [(list_asides(store_path), ("-wal", "-shm"))]
    if backups:
        kinds.append((list_backups(store_path), (MANIFEST_SUFFIX,)))
    for found, companions in kinds:
        keep = thin([b.created for b in found], now, limits)
        for backup in found:
            if backup.created not in keep:
                backup.path.unlink(missing_ok=True)
                for suffix in companions:
                    Path(f"{backup.path}{suffix}").unlink(missing_ok=True)
                removed.append(backup.path)
    return removed


def needs_backup(store_path: Path, now: datetime, min_interval: timedelta = MIN_INTERVAL) -> bool:
    newest = list_backups(store_path)
    return not newest or now - newest[0].created >= min_interval


# --- making and checking a backup --------------------------------------------------------------

def _tables(conn) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                        "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").fetchall()
    return [r[0] for r in rows]


def _counts(conn) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _tables(conn)}


def _journal_head(conn) -> tuple[int, str] | None:
    try:
        row = conn.execute("SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1").fetchone()
        return row or conn.execute("SELECT cutoff_id, anchor_hash FROM journal_anchor WHERE id = 1").fetchone()
    except Exception:  # noqa: BLE001 - a store from before the journal (migration 0002) has none
        return None


def _write_manifest(store, backup_path: Path, created: datetime, counts: dict, head) -> None:
    from app.store import crypto

    data = {"format": MANIFEST_FORMAT, "created": created.isoformat(timespec="seconds"), "counts": counts}
    if head is not None:
        key = crypto.journal_key(store.cipher_key)
        data["journal_head"] = {"id": head[0], "hash": head[1], "mac": crypto.journal_pin_mac(key, *head)}
    manifest_path(backup_path).write_text(json.dumps(data, indent=1), "utf-8")


def check_manifest(backup_path: Path, key: bytes | None) -> None:
    """Raise StoreError if the backup's journal no longer holds the head its manifest pinned
    (the backup was edited after it was made). No manifest (older backups): nothing to check."""
    from app.store import crypto
    from app.store.engine import dbapi_connect

    head = (read_manifest(backup_path) or {}).get("journal_head")
    if not isinstance(head, dict):
        return
    chain_key = crypto.journal_key(key)
    try:
        entry_id, digest = int(head["id"]), str(head["hash"])
        genuine = hmac.compare_digest(crypto.journal_pin_mac(chain_key, entry_id, digest), str(head["mac"]))
    except (KeyError, TypeError, ValueError):
        genuine = False
    if not genuine:
        raise StoreError("Le manifeste de la sauvegarde {name} a été modifié : cette sauvegarde est écartée.",
                         name=Path(backup_path).name)
    conn = dbapi_connect(backup_path, key, read_only=True)
    try:
        row = conn.execute("SELECT hash FROM journal WHERE id = ?", (entry_id,)).fetchone()
        anchor = conn.execute("SELECT cutoff_id, anchor_hash FROM journal_anchor WHERE id = 1").fetchone()
    finally:
        conn.close()
    if (row is None or row[0] != digest) and tuple(anchor or ()) != (entry_id, digest):
        raise StoreError("La sauvegarde {name} a été modifiée depuis sa création (journal coupé ou réécrit) : elle est "
                         "écartée.", name=Path(backup_path).name)


def _integrity(conn) -> str:
    rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
    return "; ".join(str(r[0]) for r in rows) or "ok"


def verify_copy(path: Path, key: bytes | None) -> dict[str, int]:
    """Open `path` read-only with `key`; integrity_check must say ok. Returns row counts."""
    try:
        conn = dbapi_connect(path, key, read_only=True)
    except Exception as exc:
        raise StoreError("La sauvegarde {name} est illisible ({error}).", name=Path(path).name, error=exc) from None
    try:
        verdict = _integrity(conn)
        if verdict != "ok":
            raise StoreError("La sauvegarde {name} est endommagée : {verdict}", name=Path(path).name, verdict=verdict)
        return _counts(conn)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError("La sauvegarde {name} est illisible ({error}).", name=Path(path).name, error=exc) from None
    finally:
        conn.close()


def _fsync_dir(folder: Path) -> None:
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create_backup(store, now: datetime | None = None, limits: Limits | None = DEFAULT_LIMITS) -> BackupInfo:
    """Back up, verify, keep, then thin (unless limits is None). Raises StoreError."""
    now = now or datetime.now()
    folder = backup_dir(store.path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"*{PARTIAL_SUFFIX}*"):
            stale.unlink(missing_ok=True)
    except OSError as exc:
        raise StoreError("Dossier de sauvegarde inutilisable ({strerror}) : {folder}",
                         strerror=exc.strerror, folder=folder) from None
    final = folder / backup_name(store.path.stem, now)
    partial = final.with_name(final.name + PARTIAL_SUFFIX)
    try:
        with store.connection() as source:
            # One read snapshot for the counts and the copy: the backup step reuses the open read
            # transaction, so concurrent writers cannot make the two disagree.
            source.execute("BEGIN")
            try:
                expected = _counts(source)
                head = _journal_head(source)
                target = store.open_copy(partial)
                try:
                    source.backup(target)
                    # A backup is one self-contained file: no -wal to lose when it is copied.
                    target.execute("PRAGMA journal_mode=DELETE")
                finally:
                    target.close()
            finally:
                source.execute("COMMIT")
        got = verify_copy(partial, store.cipher_key)
        if got != expected:
            raise StoreError("La sauvegarde ne contient pas les mêmes données que l'original : elle a été écartée.")
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        _write_manifest(store, final, now, expected, head)  # before the backup appears, never after
        os.replace(partial, final)
        _fsync_dir(folder)
    except OSError as exc:
        raise StoreError("Sauvegarde impossible ({error}) : {folder}",
                         error=exc.strerror or exc, folder=folder) from None
    except StoreError:
        raise
    except Exception as exc:  # DB-API errors of either driver (disk full while copying…)
        raise StoreError("Sauvegarde impossible : {error}", error=exc) from None
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        if not final.exists():
            manifest_path(final).unlink(missing_ok=True)
    if store.encrypted:
        _copy_keyfile(store.path, folder)
    if limits is not None:
        rotate(store.path, now, limits)
    return BackupInfo(final, now, final.stat().st_size)


def _copy_keyfile(store_path: Path, folder: Path) -> None:
    # The key file holds only the *wrapped* key: with the recovery code it lets a supervisor
    # reopen these backups on another PC. No secret is readable from it alone.
    source = keyfile_path(store_path)
    if source.exists():
        shutil.copy2(source, folder / source.name)


# --- restore -----------------------------------------------------------------------------------

def restore(store_path: Path, backup_path: Path, key: bytes | None, now: datetime | None = None) -> Path | None:
    """Replace the store file by `backup_path` (the store must be closed; `key` is its key, None
    if plain). Returns where the previous file was moved (None if there was none)."""
    now = now or datetime.now()
    target = Path(store_path)
    verify_copy(backup_path, key)
    check_manifest(backup_path, key)
    staging = target.with_name(target.name + ".restauration" + PARTIAL_SUFFIX)
    aside = target.with_name(f"{target.name}{ASIDE_MARK}{now.strftime(_STAMP)}")
    try:
        shutil.copyfile(backup_path, staging)
        with staging.open("rb+") as handle:
            os.fsync(handle.fileno())
        verify_copy(staging, key)
        moved = None
        if target.exists():
            os.replace(target, aside)
            moved = aside
        for suffix in ("-wal", "-shm"):  # a store and its WAL travel together, always
            companion = Path(f"{target}{suffix}")
            if companion.exists():
                os.replace(companion, Path(f"{aside}{suffix}"))
        os.replace(staging, target)
        _fsync_dir(target.parent)
        rotate(target, now, backups=False)  # pre-restore copies are thinned like backups
        return moved
    except OSError as exc:
        raise StoreError("Restauration impossible ({error}).", error=exc.strerror or exc) from None
    finally:
        for leftover in (staging, Path(f"{staging}-wal"), Path(f"{staging}-shm")):
            leftover.unlink(missing_ok=True)
