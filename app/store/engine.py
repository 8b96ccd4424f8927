"""Opening the store: engine with the durability pragmas, encryption, migrations, integrity check.

SQLite settings and why:
- journal_mode=WAL: readers never block the writer (search-as-you-type while saving);
- synchronous=FULL: an acknowledged save survives a power cut (WAL+NORMAL may lose the last ones);
- foreign_keys=ON: SQLite leaves them off by default;
- secure_delete=ON: deleted personal data is overwritten, not left in free pages (right to erasure);
- temp_store=MEMORY: sorts and temporary tables never reach a temp file on disk;
- wal_autocheckpoint=0: checkpoints run on a background thread, not inside a save
  (app/store/checkpoint.py; the thread caps the log's size);
- explicit BEGIN (IMMEDIATE for writes): pysqlite otherwise opens transactions lazily, which
  breaks read-then-write atomicity and raises SQLITE_BUSY mid-transaction.

Encryption (app/store/crypto.py): an encrypted store is opened through SQLCipher (`sqlcipher3`,
same DB-API as sqlite3) with a raw 256-bit key applied in the connection factory, before SQLAlchemy
or the pragmas touch the file. A plain store (demo, tests, benchmarks: fake data only) keeps the
standard library's sqlite3. One file is never opened by both libraries in one process.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session

from app import config
from app.models import load_all
from app.models.errors import StoreError
from app.store import checkpoint, crypto
from app.store.crypto import dbapi_connect

log = logging.getLogger(__name__)
load_all()  # an open store has every table on SQLModel.metadata (erasure, rights, migrations walk it)
JOURNAL_KEY_INFO = "guichet_journal_key"


def make_engine(path: Path, read_only: bool = False, key: bytes | None = None) -> Engine:
    if key is not None:
        engine = create_engine(f"sqlite:///{path}", module=crypto.sqlcipher(),
                               creator=lambda: dbapi_connect(path, key, read_only))
    elif read_only:
        engine = create_engine(f"sqlite:///{path}", creator=lambda: dbapi_connect(path, None, True))
    else:
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 10})

    chain_key = crypto.journal_key(key)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see module docstring)
        record.info[JOURNAL_KEY_INFO] = chain_key  # journal HMAC key for core code holding a session
        cur = dbapi_conn.cursor()
        if not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.execute(f"PRAGMA journal_size_limit={checkpoint.JOURNAL_SIZE_LIMIT}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        write = conn.get_execution_options().get("guichet_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Store:
    """One open store file. Services receive sessions from `read()` / `write()`."""

    def __init__(self, path: Path, engine: Engine, read_only: bool = False, key: bytes | None = None):
        self.path = path
        self.engine = engine
        self.read_only = read_only
        self._key = key  # kept for backups (same key) and never logged
        self._write_engine = engine.execution_options(guichet_write=True)
        # Called with each new write session before the caller uses it: the core registers its
        # change tracking and derived data here (app/core/changes.py), the store knows nothing of it.
        self.write_hooks: list = []
        self.checkpointer = None if read_only else checkpoint.Checkpointer(engine, path)

    @property
    def location(self) -> str:
        """Where the data is, for people: the file's path (a site store shows its server's address)."""
        return str(self.path)

    @property
    def encrypted(self) -> bool:
        return self._key is not None

    @property
    def cipher_key(self) -> bytes | None:
        """The raw SQLCipher key (None for a plain store): for backups and restore only, never logged."""
        return self._key

    def __repr__(self) -> str:
        return f"Store({self.path!s}, encrypted={self.encrypted}, read_only={self.read_only})"

    @contextmanager
    def read(self) -> Iterator[Session]:
        # Closing (not rolling back) ends the read transaction without expiring loaded
        # objects, so callers can use what they read after the block.
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction: everything inside is committed together, or nothing is."""
        if self.read_only:
            raise StoreError("Le fichier de données est ouvert en lecture seule : aucune modification possible.")
        with Session(self._write_engine, expire_on_commit=False) as session:
            for hook in self.write_hooks:
                hook(session)
            try:
                yield session
                session.commit()
            except (OperationalError, DatabaseError) as exc:
                session.rollback()
                if type(exc) not in (OperationalError, DatabaseError):
                    raise  # IntegrityError & co: a programming or validation problem, not the disk
                raise _store_error(exc) from exc
            except BaseException:
                session.rollback()
                raise
        if self.checkpointer is not None:
            self.checkpointer.after_commit()

    @contextmanager
    def connection(self) -> Iterator[object]:
        """The raw DB-API connection (sqlite3 or sqlcipher3) of a pooled connection, for backups."""
        raw = self.engine.raw_connection()
        try:
            yield raw.driver_connection
        finally:
            raw.close()

    def open_copy(self, path: Path, read_only: bool = False):
        """A DB-API connection to another file with this store's key (backups stay encrypted)."""
        return dbapi_connect(path, self._key, read_only=read_only)

    def quick_check(self) -> str:
        """'ok' or SQLite's first complaint."""
        with self.engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA quick_check(1)").scalar() or "ok"

    def close(self) -> None:
        # Planner statistics: without them SQLite walks the status index for every monthly count.
        # `optimize` analyses what this session's queries showed was missing; `analysis_limit`
        # samples instead of reading whole indexes (a close of the 1M store took 0.7 s of CPU); and
        # the result must be COMMITTED — the pooled connection opens a transaction, whose rollback
        # used to throw sqlite_stat1 away.
        if self.checkpointer is not None:
            self.checkpointer.stop()  # before the engine goes: the last close checkpoints the rest
        if not self.read_only:
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA analysis_limit=400")
                    conn.exec_driver_sql("PRAGMA optimize")
                    conn.commit()
            except Exception:  # closing must never fail over a statistics refresh
                pass
        self.engine.dispose()


def _store_error(exc: Exception) -> StoreError:
    message = str(getattr(exc, "orig", exc)).lower()
    if "disk is full" in message or "database or disk is full" in message:
        return StoreError("Le disque est plein : l'enregistrement n'a pas été fait. Libérez de la place puis réessayez.")
    if "readonly" in message or "read-only" in message:
        return StoreError("Le fichier de données est en lecture seule : l'enregistrement n'a pas été fait. "
                          "Vérifiez les droits sur le dossier de données.")
    if "locked" in message or "busy" in message:
        return StoreError("Le fichier de données est occupé par une autre fenêtre de Guichet. Réessayez dans un instant.")
    if "disk i/o error" in message:
        return StoreError("Erreur du disque : l'enregistrement n'a pas été fait. Vérifiez le disque puis réessayez.")
    if "malformed" in message or "not a database" in message:
        return StoreError("Le fichier de données est endommagé : l'enregistrement n'a pas été fait. "
                          "Redémarrez Guichet pour restaurer une sauvegarde.")
    return StoreError("Erreur d'écriture dans le fichier de données : {error}", error=exc)


def open_store(path: Path, *, migrate: bool = True, read_only: bool = False,
               encrypted: bool | None = None, key: bytes | None = None, check: bool = False) -> Store:
    """Open (creating if needed) and migrate the store at `path`. Raises StoreError.

    `encrypted`: None (default) detects an existing file and creates a *plain* one (demo, tests,
    benchmarks); True requires/creates an encrypted store whose key was provisioned with
    crypto.provision_store_key (or is passed as `key`); False refuses an encrypted file.
    The key of an existing encrypted file comes from the OS keyring unless `key` is given.
    A plain file with a key file (beside it or in the backups) took an encrypted store's place:
    refused. `check`: quick_check an existing file before anything, migration included, writes.
    """
    path = Path(path)
    check_location(path)
    kind = crypto.file_kind(path)
    if kind == "missing" and read_only:
        raise StoreError("Fichier de données introuvable : {path}", path=path)
    if kind == "plain" and encrypted is not False and crypto.find_keyfile(path) is not None:
        raise StoreError(
            "Le fichier de données {path} n'est pas chiffré, alors que sa clé de chiffrement (« {name} ») "
            "existe : ce fichier a pris la place des données chiffrées. Guichet refuse de l'ouvrir. "
            "Restaurez une sauvegarde, ou remettez en place le fichier d'origine.",
            path=path, name=crypto.keyfile_path(path).name)
    if kind == "plain" and encrypted:
        raise StoreError("Le fichier de données {path} n'est pas chiffré : il ne peut pas servir de base chiffrée. "
                         "Choisissez un autre emplacement.", path=path)
    if kind == "encrypted" and encrypted is False:
        raise StoreError("Le fichier de données {path} est chiffré : il ne peut pas être ouvert sans sa clé.",
                         path=path)
    use_key = kind == "encrypted" or (kind == "missing" and bool(encrypted or key))
    if use_key and key is None:
        if kind == "missing" and crypto.find_keyfile(path) is None:
            raise crypto.StoreKeyError("Aucune clé n'a été préparée pour {path} : créez le fichier de données avec l'assistant de "
                                       "configuration.", "no_keyfile", path=path)
        key = crypto.load_store_key(path)
    if not use_key:
        key = None
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(path, read_only=read_only, key=key)
    try:
        with engine.connect() as conn:  # opens the file (and checks the key) now, not at the first query
            if check and kind != "missing" and not read_only:
                verdict = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar() or "ok"
                if verdict != "ok":  # a damaged file goes to recovery untouched
                    raise StoreError("Le fichier de données {path} est endommagé ({verdict}) : rien n'y a été écrit.",
                                     path=path, verdict=verdict)
        if migrate and not read_only:
            from app.store.migrate import upgrade

            upgrade(engine)
    except StoreError:
        engine.dispose()
        raise
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        detail = str(exc.orig)
        if key is not None and "not a database" in detail:
            raise crypto.wrong_key(path) from None
        if "not a database" in detail or "malformed" in detail:
            raise StoreError("{path} n'est pas un fichier de données Guichet (ou il est endommagé). Restaurez la dernière "
                             "sauvegarde.", path=path) from None
        if not read_only and not _writable(path):
            raise StoreError("Le fichier de données {path} est en lecture seule (disque ou dossier protégé en écriture) : "
                             "Guichet ne peut pas y enregistrer. Vérifiez les droits du dossier, ou ouvrez-le en "
                             "consultation seule.", path=path) from None
        if "full" in detail:
            raise _store_error(exc) from None
        raise StoreError("Impossible d'ouvrir le fichier de données {path} : {detail}",
                         path=path, detail=detail) from exc
    return Store(path, engine, read_only=read_only, key=key)


def _writable(path: Path) -> bool:
    # os.access reports EROFS even for root, which chmod-based checks would miss.
    folder_ok = os.access(path.parent, os.W_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def raw_connect(path: Path, key: bytes | None = None):
    """A DB-API connection with the same pragmas (backups, benchmarks). Plain sqlite3 unless `key`."""
    conn = dbapi_connect(path, key)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


# --- where the store may live ------------------------------------------------------------------
# WAL needs a local disk with working locks and one host (sqlite.org/wal.html, useovernet.html);
# sync clients copy the file and its -wal separately, which corrupts it (howtocorrupt.html §1.4).

NETWORK_FS_TYPES = frozenset({
    "cifs", "smb", "smb2", "smb3", "smbfs", "nfs", "nfs4", "afs", "ncpfs", "coda", "9p", "davfs",
    "glusterfs", "ceph", "lustre", "gfs2", "ocfs2", "beegfs", "gpfs", "fuse.sshfs", "sshfs",
    "fuse.davfs2", "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse", "fuse.glusterfs", "fuse.cephfs",
    "fuse.gvfsd-fuse", "fuse.onedriver", "fuse.google-drive-ocamlfuse", "fuse.dropbox",
})
_SYNCED_EXACT = frozenset({"google drive", "googledrive", "my drive", "mon drive", "nextcloud", "owncloud",
                           "icloud drive", "iclouddrive", "mobile documents", "seafile", "pcloud drive",
                           "box", "box sync", "sync", "megasync", "mega", "tresorit", "synology drive"})
_SYNCED_PREFIXES = ("onedrive", "dropbox", "nextcloud", "icloud", "google drive", "sharepoint")
_WIN_DRIVE_REMOTE, _WIN_DRIVE_REMOVABLE = 4, 2


def _refuse_network(path) -> StoreError:
    return StoreError("Le fichier de données ne peut pas être placé sur un partage réseau ({path}) : SQLite exige un "
                      "disque local. Choisissez un dossier de cet ordinateur.", path=path)


def _mount_fs_type(path: PurePath, mounts_text: str) -> str | None:
    """File-system type of the longest mount point containing `path` (Linux /proc/mounts format)."""
    best, best_type = "", None
    target = str(path)
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fields[2].lower()
    return best_type


def _windows_drive_type(path: PureWindowsPath) -> int | None:
    try:
        import ctypes

        return int(ctypes.windll.kernel32.GetDriveTypeW(path.anchor))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return None


def check_location(path, *, platform: str | None = None, mounts_text: str | None = None,
                   env: dict | None = None, drive_type=None) -> None:
    """Refuse network shares, synced folders, roaming profiles and removable drives (StoreError).
    Keyword arguments exist for tests: they stand for sys.platform, /proc/mounts, the Windows
    folder variables (app.config.windows_folders) and GetDriveTypeW."""
    platform = platform or sys.platform
    env = config.windows_folders() if env is None else env
    windows = platform.startswith("win")
    raw = str(path)
    low = raw.lower().replace("/", "\\") if windows else raw.lower()
    if low.startswith(("\\\\?\\unc\\", "\\\\.\\unc\\")):
        raise _refuse_network(path)
    if not low.startswith(("\\\\?\\", "\\\\.\\")) and (low.startswith("\\\\") or raw.startswith("//")):
        raise _refuse_network(path)
    pure = PureWindowsPath(raw) if windows else PurePosixPath(os.path.abspath(raw))
    parts = [part.lower().strip() for part in pure.parts]
    if any(part in _SYNCED_EXACT or part.startswith(_SYNCED_PREFIXES) for part in parts[1:]):
        raise StoreError("Le fichier de données ne peut pas être placé dans un dossier synchronisé ({path}) : la "
                         "synchronisation peut le corrompre. Choisissez un dossier local.", path=path)
    if windows:
        roaming, local = env.get("APPDATA"), env.get("LOCALAPPDATA")
        for name in ("OneDrive", "OneDriveCommercial", "OneDriveConsumer"):
            root = env.get(name)
            if root and _is_under(pure, PureWindowsPath(root)):
                raise StoreError("Le fichier de données ne peut pas être placé dans OneDrive ({path}).", path=path)
        if roaming and _is_under(pure, PureWindowsPath(roaming)) and not (
                local and _is_under(pure, PureWindowsPath(local))):
            raise StoreError("Le fichier de données ne peut pas être placé dans le profil itinérant ({path}) : utilisez le "
                             "dossier local (%LOCALAPPDATA%).", path=path)
        kind = drive_type(pure) if drive_type else _windows_drive_type(pure)
        if kind == _WIN_DRIVE_REMOTE:
            raise _refuse_network(path)
        if kind == _WIN_DRIVE_REMOVABLE:
            raise StoreError("Le fichier de données ne peut pas être placé sur un support amovible ({path}) : une clé USB "
                             "retirée en cours d'écriture corrompt les données.", path=path)
        return
    if mounts_text is None and platform.startswith("linux"):
        try:
            mounts_text = Path("/proc/mounts").read_text("utf-8", errors="replace")
        except OSError:
            mounts_text = None
    if mounts_text:
        fs_type = _mount_fs_type(PurePosixPath(os.path.realpath(raw)), mounts_text)
        if fs_type in NETWORK_FS_TYPES or (fs_type or "").startswith(("nfs", "cifs", "smb")):
            raise _refuse_network(path)


def _is_under(path: PurePath, root: PurePath) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return str(path).lower().startswith(str(root).lower().rstrip("\\") + "\\")
