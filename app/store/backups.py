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
"""

from __future__ import annotations

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


def rotate(store_path: Path, now: datetime, limits: Limits = DEFAULT_LIMITS) -> list[Path]:
    """Delete the backups `thin` does not keep; returns the removed paths."""
    backups = list_backups(store_path)
    keep = thin([b.created for b in backups], now, limits)
    removed = []
    for backup in backups:
        if backup.created not in keep:
            backup.path.unlink(missing_ok=True)
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


def _integrity(conn) -> str:
    rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
    return "; ".join(str(r[0]) for r in rows) or "ok"


def verify_copy(path: Path, key: bytes | None) -> dict[str, int]:
    """Open `path` read-only with `key`; integrity_check must say ok. Returns row counts."""
    try:
        conn = dbapi_connect(path, key, read_only=True)
    except Exception as exc:
        raise StoreError(f"La sauvegarde {Path(path).name} est illisible ({exc}).") from None
    try:
        verdict = _integrity(conn)
        if verdict != "ok":
            raise StoreError(f"La sauvegarde {Path(path).name} est endommagée : {verdict}")
        return _counts(conn)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"La sauvegarde {Path(path).name} est illisible ({exc}).") from None
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
        raise StoreError(f"Dossier de sauvegarde inutilisable ({exc.strerror}) : {folder}") from None
    final = folder / backup_name(store.path.stem, now)
    partial = final.with_name(final.name + PARTIAL_SUFFIX)
    try:
        with store.connection() as source:
            # One read snapshot for the counts and the copy: the backup step reuses the open read
            # transaction, so concurrent writers cannot make the two disagree.
            source.execute("BEGIN")
            try:
                expected = _counts(source)
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
        os.replace(partial, final)
        _fsync_dir(folder)
    except OSError as exc:
        raise StoreError(f"Sauvegarde impossible ({exc.strerror or exc}) : {folder}") from None
    except StoreError:
        raise
    except Exception as exc:  # DB-API errors of either driver (disk full while copying…)
        raise StoreError(f"Sauvegarde impossible : {exc}") from None
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
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
        return moved
    except OSError as exc:
        raise StoreError(f"Restauration impossible ({exc.strerror or exc}).") from None
    finally:
        for leftover in (staging, Path(f"{staging}-wal"), Path(f"{staging}-shm")):
            leftover.unlink(missing_ok=True)
