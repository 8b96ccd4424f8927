"""Moving a single-desk store into a site store (`guichet site import --from guichet.db`).

- Every row of every table is copied with its id and uuid (the national server, backups' ledgers
  and the usagers' files all name records by them), then each id sequence is moved past the
  largest imported id.
- The desk's journal is copied verbatim into `journal_import` (ids, times, hashes): its chain still
  verifies with that store's key. The site's own journal continues with one `site_imported` entry
  naming the imported head, whether that chain verified, and the row counts.
- One transaction: interrupted, nothing is written and the command can simply be run again
  (resumable); run again after success, it finds its `site_imported` entry and does nothing
  (idempotent). A site that already holds other cases is refused: ids would collide.
- Reference tables (partners, démarches), which `site init` already loaded, keep the site's rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import SQLModel

from app.core import journal
from app.models.errors import StoreError

SKIP = {"journal", "journal_anchor", "journal_import", "alembic_version"}
REFERENCE = {"partner", "procedure"}  # already in the site (catalogue): the site's rows are kept
CHUNK = 1000
ACTION = "site_imported"


@dataclass
class ImportReport:
    source_id: str
    already_done: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    journal_rows: int = 0
    journal_ok: bool = True


def source_id(path: Path) -> str:
    """The imported store's id: its key file's store id if encrypted, else a hash of its first journal
    hash and file name (stable for one file, different for two)."""
    from app.store import crypto

    found = crypto.find_keyfile(path)
    if found is not None:
        try:
            return crypto.KeyFile.load(found).store_id[:40]
        except (OSError, crypto.StoreKeyError):
            pass
    return "fichier-" + hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:24]


def counts(session, tables=None) -> dict[str, int]:
    """Rows per table (the check before and after an import)."""
    names = tables or [t.name for t in SQLModel.metadata.sorted_tables if t.name not in SKIP]
    return {name: session.execute(select(func.count()).select_from(SQLModel.metadata.tables[name])).scalar()
            for name in names}


def import_store(site, source_path: Path) -> ImportReport:
    """Copy the store at `source_path` (opened and migrated as the app opens it) into `site`."""
    from app.store.engine import open_store

    source_path = Path(source_path)
    if not source_path.exists():
        raise StoreError("Fichier de données introuvable : {path}", path=source_path)
    report = ImportReport(source_id(source_path))
    ref = f"import:{report.source_id}"
    with site.read() as s:
        if s.execute(text("SELECT 1 FROM journal WHERE action = :a AND object_ref = :r"),
                     {"a": ACTION, "r": ref}).first():
            report.already_done = True
            return report
        if s.execute(text("SELECT count(*) FROM structure")).scalar():
            raise StoreError("La base du site contient déjà des structures : l'import se fait dans une base neuve "
                             "(« guichet site init --depuis FICHIER », ou sans premier administrateur).")
    source = open_store(source_path)
    try:
        with source.read() as src, site.write() as dst:
            _copy_tables(src, dst, report)
            _copy_search_index(src, dst)
            _move_sequences(dst)
            _copy_journal(src, dst, report)
            head_id, head_hash = journal.head(src)
            detail = (f"{report.journal_rows} entrées du journal de {source_path.name[:60]} (tête n° {head_id}, "
                      f"empreinte {head_hash[:16]}…, chaîne {'vérifiée' if report.journal_ok else 'ROMPUE'}) ; "
                      f"{report.counts.get('accompaniment', 0)} accompagnements, {report.counts.get('usager', 0)} usagers")
            journal.record(dst, None, ACTION, ref, detail)
    finally:
        source.close()
    return report


def _copy_tables(src, dst, report: ImportReport) -> None:
    for table in SQLModel.metadata.sorted_tables:  # parents before children (foreign keys)
        if table.name in SKIP:
            continue
        statement = pg_insert(table)
        if table.name in REFERENCE:
            statement = statement.on_conflict_do_nothing()
        elif table.name == "setting":  # the desk's settings become the site's
            statement = statement.on_conflict_do_update(index_elements=["key"],
                                                        set_={"value": statement.excluded.value})
        rows = src.execute(table.select()).mappings()
        copied = 0
        while chunk := rows.fetchmany(CHUNK):
            dst.execute(statement, [dict(r) for r in chunk])
            copied += len(chunk)
        report.counts[table.name] = copied


def _copy_search_index(src, dst) -> None:
    from app.store import search_index, search_pg

    for table, bulk in ((search_index.ACCOMPANIMENT_FTS, search_pg.bulk_index_accompaniments),
                        (search_index.USAGER_FTS, search_pg.bulk_index_usagers)):
        rows = src.execute(text(f"SELECT rowid, body FROM {table}"))
        while chunk := rows.fetchmany(CHUNK):
            bulk(dst, [(r[0], r[1]) for r in chunk])


def _move_sequences(dst) -> None:
    """Next ids start after the imported ones (the desks keep creating rows)."""
    for table in SQLModel.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if table.name in SKIP or len(pk) != 1 or pk[0].name != "id":
            continue
        sequence = dst.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if sequence:
            dst.execute(text(f"SELECT setval(:s, GREATEST((SELECT max(id) FROM \"{table.name}\"), 1))"),
                        {"s": sequence})


def _copy_journal(src, dst, report: ImportReport) -> None:
    report.journal_ok = journal.verify_chain(src).ok
    rows = src.execute(text("SELECT id, at, agent_id, action, object_ref, detail, prev_hash, hash "
                            "FROM journal ORDER BY id")).mappings()
    insert = text("INSERT INTO journal_import (source, id, at, agent_id, action, object_ref, detail, prev_hash, hash) "
                  "VALUES (:source, :id, CAST(:at AS timestamp), :agent_id, :action, :object_ref, :detail, "
                  ":prev_hash, :hash)")
    while chunk := rows.fetchmany(CHUNK):
        dst.execute(insert, [{**r, "at": str(r["at"]), "source": report.source_id} for r in chunk])
        report.journal_rows += len(chunk)
