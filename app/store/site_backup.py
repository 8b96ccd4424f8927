"""Backups of a site store with PostgreSQL's own tools, and the restore drill.

- `dump()`: `pg_dump -Fc` (compressed custom format) of the site database, made from an exported
  snapshot while the same snapshot's row counts are written to a manifest beside it
  (`<dump>.json`): the counts describe exactly what the dump holds, even with desks saving
  meanwhile. The app role may dump (it reads every table); the file holds personal data in clear:
  it goes to an encrypted disk or is encrypted before it leaves the server (docs/site-store.md).
- `restore_drill()`: `pg_restore` into a scratch database (from an administrator connection), then
  the restored counts must equal the manifest's and the journal chain must verify there; the
  scratch database is dropped afterwards. Proves the backup can be restored, without touching the site.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.models.errors import StoreError
from app.store.site_store import keyring_password, normalise_url, redact

SCRATCH_SUFFIX = "_essai_restauration"


def tool(name: str) -> str:
    """pg_dump / pg_restore: PATH first, then Debian's versioned folders (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise StoreError("{name} est introuvable : installez le paquet postgresql-client.", name=name)


@contextmanager
def _libpq(url: str, database: str | None = None) -> Iterator[str]:
    """A libpq connection string for pg_dump/pg_restore. The password never goes on their command
    line (where `ps` shows it): it is put in a private passfile named by the `passfile` parameter,
    removed afterwards."""
    u = make_url(normalise_url(url))
    if database:
        u = u.set(database=database)
    password = u.password or keyring_password(url)
    u = u.set(drivername="postgresql", password=None)
    if not password:
        yield u.render_as_string(hide_password=False)
        return
    escaped = str(password).replace("\\", "\\\\").replace(":", "\\:")
    fd, name = tempfile.mkstemp(prefix="guichet-pgpass-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:  # mkstemp: mode 0600, as libpq requires
            handle.write(f"*:*:*:*:{escaped}\n")
        yield u.update_query_dict({"passfile": name}).render_as_string(hide_password=False)
    finally:
        os.unlink(name)


def _counts(conn) -> dict[str, int]:
    tables = [r[0] for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                              "ORDER BY tablename"))]
    return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}


@dataclass
class DumpInfo:
    path: Path
    counts: dict[str, int]


def dump(url: str, folder: Path, now: datetime | None = None) -> DumpInfo:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    database = make_url(normalise_url(url)).database
    target = folder / f"guichet-site-{database}-{(now or datetime.now()):%Y%m%d-%H%M%S}.dump"
    password = keyring_password(url)
    engine = create_engine(normalise_url(url), isolation_level="REPEATABLE READ",
                           connect_args={"password": password} if password else {})
    try:
        with engine.connect() as conn:  # the snapshot stays open while pg_dump reads it
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            counts = _counts(conn)
            # the site's data lives in schema public (anything else on the server is not Guichet's)
            with _libpq(url) as dsn:
                done = subprocess.run([tool("pg_dump"), "-Fc", "--schema=public", f"--snapshot={snapshot}",
                                       "-f", str(target), dsn], capture_output=True, text=True)
            conn.rollback()
    finally:
        engine.dispose()
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise StoreError("La sauvegarde de la base du site a échoué ({url}) : {detail}", url=redact(url),
                         detail=done.stderr.strip()[:300])
    manifest = {"format": "guichet-sauvegarde-site-1", "database": database, "created": datetime.now().isoformat(),
                "counts": counts}
    Path(f"{target}.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    return DumpInfo(target, counts)


@dataclass
class DrillReport:
    ok: bool
    counts: dict[str, int]
    problems: list[str]


def restore_drill(admin_url: str, dump_path: Path, verify_journal=None) -> DrillReport:
    """Restore `dump_path` into a scratch database, compare with its manifest, and run
    `verify_journal(session)` there (the core's chain check, app/core/journal.py:verify_chain)."""
    from sqlmodel import Session

    dump_path = Path(dump_path)
    manifest = json.loads(Path(f"{dump_path}.json").read_text("utf-8"))
    scratch = manifest["database"] + SCRATCH_SUFFIX
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{scratch}" TEMPLATE template0')
        empty = create_engine(make_url(normalise_url(admin_url)).set(database=scratch), isolation_level="AUTOCOMMIT")
        try:
            with empty.connect() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")  # the dump creates it, with its owner's rights
        finally:
            empty.dispose()
        with _libpq(admin_url, scratch) as dsn:
            done = subprocess.run([tool("pg_restore"), "--no-owner", "--no-privileges", "-d", dsn, str(dump_path)],
                                  capture_output=True, text=True)
        problems = [f"pg_restore : {done.stderr.strip()[:300]}"] if done.returncode != 0 else []
        restored = create_engine(make_url(normalise_url(admin_url)).set(database=scratch))
        try:
            with restored.connect() as conn:
                counts = _counts(conn)
            with Session(restored) as session:
                chain = verify_journal(session) if verify_journal else None
        finally:
            restored.dispose()
        problems += [f"{t} : {counts.get(t)} lignes restaurées au lieu de {n}"
                     for t, n in manifest["counts"].items() if counts.get(t) != n]
        if chain is not None and not chain.ok:
            problems.append(f"journal : entrée n° {chain.first_broken_id} : {chain.reason}")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}"')
    finally:
        admin.dispose()
    return DrillReport(not problems, counts, problems)
