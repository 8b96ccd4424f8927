"""Opening the store: engine with the durability pragmas, migrations, integrity check.

SQLite settings and why:
- journal_mode=WAL: readers never block the writer (search-as-you-type while saving);
- synchronous=FULL: an acknowledged save survives a power cut (WAL+NORMAL may lose the last ones);
- foreign_keys=ON: SQLite leaves them off by default;
- explicit BEGIN (IMMEDIATE for writes): pysqlite otherwise opens transactions lazily, which
  breaks read-then-write atomicity and raises SQLITE_BUSY mid-transaction.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, DatabaseError
from sqlmodel import Session

from app.models.errors import StoreError

log = logging.getLogger(__name__)

_NETWORK_PREFIXES = ("//", "\\\\", "/mnt/smb", "/media/smb")
_SYNCED_MARKERS = ("dropbox", "onedrive", "google drive", "googledrive", "nextcloud", "icloud")


def check_location(path: Path) -> None:
    """Refuse network shares and synced folders: WAL needs a local disk and one writer."""
    as_text = str(path).lower()
    if as_text.startswith(_NETWORK_PREFIXES):
        raise StoreError(f"Le fichier de données ne peut pas être placé sur un partage réseau ({path}).")
    if any(marker in as_text for marker in _SYNCED_MARKERS):
        raise StoreError(
            f"Le fichier de données ne peut pas être placé dans un dossier synchronisé ({path}) : "
            "la synchronisation peut le corrompre. Choisissez un dossier local."
        )


def make_engine(path: Path, read_only: bool = False) -> Engine:
    if read_only:
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        url = f"sqlite:///{path}"
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see module docstring)
        cur = dbapi_conn.cursor()
        if not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        write = conn.get_execution_options().get("guichet_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Store:
    """One open store file. Services receive sessions from `read()` / `write()`."""

    def __init__(self, path: Path, engine: Engine, read_only: bool = False):
        self.path = path
        self.engine = engine
        self.read_only = read_only
        self._write_engine = engine.execution_options(guichet_write=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session
            session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction: everything inside is committed together, or nothing is."""
        if self.read_only:
            raise StoreError("Le fichier de données est ouvert en lecture seule : aucune modification possible.")
        with Session(self._write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise _store_error(exc) from exc
            except BaseException:
                session.rollback()
                raise

    def quick_check(self) -> str:
        """'ok' or SQLite's first complaint."""
        with self.engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA quick_check(1)").scalar() or "ok"

    def close(self) -> None:
        self.engine.dispose()


def _store_error(exc: Exception) -> StoreError:
    message = str(getattr(exc, "orig", exc)).lower()
    if "disk is full" in message or "database or disk is full" in message:
        return StoreError("Le disque est plein : l'enregistrement n'a pas été fait. Libérez de la place puis réessayez.")
    if "readonly" in message or "read-only" in message:
        return StoreError("Le fichier de données est en lecture seule : l'enregistrement n'a pas été fait.")
    if "locked" in message or "busy" in message:
        return StoreError("Le fichier de données est occupé par une autre fenêtre de Guichet. Réessayez dans un instant.")
    return StoreError(f"Erreur d'écriture dans le fichier de données : {exc}")


def open_store(path: Path, *, migrate: bool = True, read_only: bool = False) -> Store:
    """Open (creating if needed) and migrate the store at `path`. Raises StoreError."""
    path = Path(path)
    check_location(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise StoreError(f"Fichier de données introuvable : {path}")
    if path.exists():
        _check_is_sqlite(path)
    engine = make_engine(path, read_only=read_only)
    try:
        if migrate and not read_only:
            from app.store.migrate import upgrade

            upgrade(engine)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise StoreError(f"Impossible d'ouvrir le fichier de données {path} : {exc.orig}") from exc
    return Store(path, engine, read_only=read_only)


def _check_is_sqlite(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise StoreError(f"Fichier de données illisible ({exc.strerror}) : {path}") from None
    if header and header != b"SQLite format 3\x00":
        raise StoreError(
            f"{path} n'est pas un fichier de données Guichet (ou il est endommagé). "
            "Restaurez la dernière sauvegarde."
        )


def raw_connect(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the same pragmas (backups, benchmarks)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=FULL")
    return conn
