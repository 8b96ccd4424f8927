"""RGPD rights of one usager: access (everything held on them) and real erasure.

Access: the export walks the schema instead of a hand-kept list: every table with a foreign
key to `usager`, then every table hanging off those rows (an accompaniment's démarches and
history), plus the journal entries about the usager. A table added later is exported without
touching this module; tests/security/test_rights.py fails if it has no erasure policy.

Erasure: the usager row is deleted and the rows that point at it are handled by `ERASURE`
(accompaniments are kept for the counts, detached and stripped of free text, every one of them
re-indexed). It runs in one transaction with `PRAGMA secure_delete=ON` (deleted bytes are zeroed,
not just unlinked), the full-text indexes are merged (FTS5 keeps deleted terms in old segments
until a merge), and a `wal_checkpoint(TRUNCATE)` afterwards empties the -wal file. A reader
holding an old snapshot blocks that checkpoint: it is retried, then `WalBusy` says so (the
erasure itself is saved, and the next start-up retries the truncation).
The erasure is also noted in the erasure ledger beside the store (app/core/erasure_ledger.py), so
that restoring an older backup cannot bring the person back. Backups made before the erasure
still hold the person until they are thinned out (`backup_service.erasure_horizon`).
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterator

from sqlalchemy import Table, select as sa_select, text, update
from sqlmodel import Session, SQLModel, select

from app.core import journal
from app.core.context import Actor
from app.models import load_all
from app.models.errors import NotFound, StoreError
from app.models.referents import Escalation
from app.models.followups import CallAttempt
from app.models.security import JournalEntry
from app.models.tables import Accompaniment, AccompanimentEvent, AccompanimentProcedure, Usager
from app.store import dialects, search_index

log = logging.getLogger(__name__)
load_all()  # erasure and access requests walk every table on the metadata


def usager_fk_columns() -> list[tuple[str, str]]:
    """(table, column) of every foreign key to usager.id known to the metadata."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "usager" and table.name != "usager":
                found.append((table.name, fk.parent.name))
    return sorted(found)


def _children(parent: str) -> list[tuple[Table, str]]:
    """Tables with a foreign key to `parent`.id."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == parent and fk.column.name == "id" and table.name != parent:
                out.append((table, fk.parent.name))
    return out


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _rows(session: Session, table: Table, column: str, values: list) -> list[dict]:
    if not values:
        return []
    result = session.execute(sa_select(table).where(table.c[column].in_(values)).order_by(*table.primary_key.columns))
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in result]


def _descend(session: Session, out: dict, parent: str, ids: list, seen: set) -> None:
    """Rows hanging off `parent` rows (démarches, history, checklists…), at any depth."""
    for child, column in _children(parent):
        if child.name in seen:
            continue
        rows = _rows(session, child, column, ids)
        out.setdefault(child.name, []).extend(rows)
        _descend(session, out, child.name, [r["id"] for r in rows if "id" in r], seen | {child.name})


def collect(session: Session, usager_id: int) -> dict:
    """Everything held on one usager, as plain JSON-ready data (no permission check)."""
    usager = session.get(Usager, usager_id)
    if usager is None:
        raise NotFound("Usager introuvable.")
    tables = SQLModel.metadata.tables
    data: dict = {"usager": {k: _plain(v) for k, v in usager.model_dump().items()}, "tables": {}}
    for table_name, column in usager_fk_columns():
        rows = _rows(session, tables[table_name], column, [usager_id])
        data["tables"].setdefault(table_name, []).extend(rows)
        _descend(session, data["tables"], table_name, [r["id"] for r in rows if "id" in r], {"usager", table_name})
    ref = journal.usager_ref(usager)
    data["journal"] = [{"at": _plain(e.at), "agent_id": e.agent_id, "action": e.action}
                       for e in session.exec(select(JournalEntry).where(JournalEntry.object_ref == ref)
                                             .order_by(JournalEntry.id))]
    return data


def export_usager(session: Session, actor: Actor, usager_id: int) -> dict:
    """Right of access: collect() and journal the export. Raises PermissionDenied, NotFound."""
    actor.require("export_usager_data")
    actor.require_scope(getattr(session.get(Usager, usager_id), "structure_id", None), "Usager")
    data = collect(session, usager_id)
    journal.record(session, actor, "usager_exported", f"usager:{data['usager']['uuid']}")
    data["exported_at"] = _plain(datetime.now().replace(microsecond=0))
    return data


def export_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def export_text(data: dict) -> str:
    """A readable French rendering of export_usager() for the person concerned."""
    lines = ["Données détenues sur vous par la France services", "=" * 48, ""]
    lines.append(f"Export du {data.get('exported_at', '')}")
    lines.append("")
    lines.append("Votre fiche")
    for key, value in data["usager"].items():
        lines.append(f"  {key} : {'' if value is None else value}")
    for table, rows in sorted(data["tables"].items()):
        lines += ["", f"{table} ({len(rows)} ligne(s))"]
        for row in rows:
            lines.append("  - " + ", ".join(f"{k}={'' if v is None else v}" for k, v in row.items()))
    lines += ["", f"Accès à votre dossier ({len(data['journal'])})"]
    for entry in data["journal"]:
        lines.append(f"  {entry['at']} agent n° {entry['agent_id']} : "
                     f"{journal.ACTION_LABELS.get(entry['action'], entry['action'])}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- erasure

_KEEP = object()


def strip_accompaniments(session: Session, accompaniment_ids: list[int], usager_id=_KEEP) -> None:
    """Keep accompaniments for the counts but drop what could identify someone: the free-text
    note and précisions, the notes of call attempts, the change-history details (and the usager link if `usager_id` is
    given); then reindex their search text."""
    for start in range(0, len(accompaniment_ids), 500):  # stay far below SQLite's bound-parameter limit
        _strip(session, accompaniment_ids[start:start + 500], usager_id)


def _strip(session: Session, accompaniment_ids: list[int], usager_id) -> None:
    from app.core.accompaniments import search_body  # the one definition of what is indexed

    values = {"note": ""} if usager_id is _KEEP else {"note": "", "usager_id": usager_id}
    session.execute(update(Accompaniment).where(Accompaniment.id.in_(accompaniment_ids)).values(**values))
    session.execute(update(AccompanimentProcedure).where(AccompanimentProcedure.accompaniment_id.in_(accompaniment_ids))
                    .values(precision=""))
    session.execute(update(AccompanimentEvent).where(AccompanimentEvent.accompaniment_id.in_(accompaniment_ids))
                    .values(detail=""))
    # escalations (« Transmettre au partenaire ») keep partner, dates and outcome for the delays
    session.execute(update(Escalation).where(Escalation.accompaniment_id.in_(accompaniment_ids)).values(note=""))
    session.execute(update(CallAttempt).where(CallAttempt.accompaniment_id.in_(accompaniment_ids)).values(note=""))
    session.expire_all()
    for acc in session.exec(select(Accompaniment).where(Accompaniment.id.in_(accompaniment_ids))):
        lines = list(session.exec(select(AccompanimentProcedure)
                                  .where(AccompanimentProcedure.accompaniment_id == acc.id)))
        search_index.index_accompaniment(session, acc.id, search_body(session, acc, lines))


def _erase_accompaniments(session: Session, usager_id: int) -> int:
    """Accompaniments move to a fresh anonymous stand-in (new uuid, no identity, no profile), so
    past counts of distinct usagers do not change while nothing links back to the person. Age
    band, sex and residence go too: with the dates and the structure they could single the person
    out again, so past monthly profiles count them « non renseigné » from then on (never sent
    nationally)."""
    ids = list(session.exec(select(Accompaniment.id).where(Accompaniment.usager_id == usager_id)))
    if not ids:
        return 0
    old = session.get(Usager, usager_id)
    stand_in = Usager(structure_id=old.structure_id, anonymous=True, last_contact_on=old.last_contact_on)
    session.add(stand_in)
    session.flush()
    strip_accompaniments(session, ids, usager_id=stand_in.id)
    return len(ids)


# Table with a usager FK -> what erasure does to its rows. A new table needs a line here
# (the introspection test says so); until then `_generic` detaches or deletes.
ERASURE: dict[str, Callable[[Session, int], int]] = {
    "accompaniment": _erase_accompaniments,
}


def _generic(session: Session, table_name: str, column: str, usager_id: int) -> int:
    table = SQLModel.metadata.tables[table_name]
    if table.c[column].nullable:
        result = session.execute(table.update().where(table.c[column] == usager_id).values({column: None}))
    else:
        result = session.execute(table.delete().where(table.c[column] == usager_id))
    return result.rowcount or 0


def optimise_search_index(session: Session) -> None:
    """Merge FTS5 segments so terms of deleted rows are really gone (SQLite-specific, like search_index)."""
    if dialects.is_postgresql(session):
        return  # a site store: no segments to merge (dead rows go with VACUUM, docs/site-store.md)
    for fts in (search_index.USAGER_FTS, search_index.ACCOMPANIMENT_FTS):
        session.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('optimize')"))


@contextmanager
def secure_write(store) -> Iterator[Session]:
    """A write transaction whose deletions are zeroed on disk. Callers then call truncate_wal()."""
    with store.write() as session:
        if dialects.is_postgresql(session):  # a site store: no page zeroing to ask for
            yield session
            return
        conn = session.connection()
        previous = int(conn.exec_driver_sql("PRAGMA secure_delete").scalar() or 0)
        conn.exec_driver_sql("PRAGMA secure_delete=ON")
        yield session
        session.flush()  # zeroing happens as pages change, so the pragma can be put back before commit
        conn.exec_driver_sql(f"PRAGMA secure_delete={previous}")


class WalBusy(StoreError):
    """The change is saved, but old page images stay in the -wal file: a reader prevented the truncation."""


WAL_BUSY_MESSAGE = (
    "L'opération est enregistrée, mais une autre fenêtre de Guichet (ou un autre programme) lit le "
    "fichier de données : les anciennes données restent dans son fichier temporaire « -wal » tant "
    "qu'elle est ouverte. Fermez les autres fenêtres de Guichet ; le nettoyage sera refait au "
    "prochain démarrage.")


def checkpoint(store, busy_ms: int = 1000) -> bool:
    """Copy the WAL into the database and truncate it to zero bytes; False if a reader prevented it."""
    if dialects.is_postgresql(store.engine):
        return True  # a site store has no -wal file of its own
    raw = store.engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")  # wait for readers this long, not 10 s
        try:
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.execute("PRAGMA busy_timeout=10000")
        return busy == 0
    finally:
        raw.close()


def truncate_wal(store, attempts: int = 3, pause: float = 0.5, busy_ms: int = 1000) -> None:
    """Checkpoint(TRUNCATE), retried; raises WalBusy (and notes it for the next start-up) if a
    reader keeps the WAL alive. Deleted data must not outlive an erasure in the -wal file."""
    from app.core import erasure_ledger

    for attempt in range(attempts):
        if checkpoint(store, busy_ms):
            erasure_ledger.set_wal_pending(store.path, False)
            return
        if attempt + 1 < attempts:
            time.sleep(pause)
    log.warning("WAL truncation refused %d times: a reader holds the store", attempts)
    erasure_ledger.set_wal_pending(store.path, True)
    raise WalBusy(WAL_BUSY_MESSAGE)


@dataclass
class ErasureReport:
    usager_uuid: str
    rows: dict[str, int]


def erase_usager(store, actor: Actor | None, usager_id: int, detail: str = "") -> ErasureReport:
    """Right to erasure (actor None: re-applied by the app from the erasure ledger). Raises
    PermissionDenied, NotFound (nothing changed); WalBusy (erased, but the -wal still holds old pages)."""
    if actor is not None:
        actor.require("erase_usager")
    from app.core import erasure_ledger

    rows: dict[str, int] = {}
    with secure_write(store) as session:
        usager = session.get(Usager, usager_id)
        if usager is None or (actor is not None and not actor.sees(usager.structure_id)):
            raise NotFound("Usager introuvable.")
        ref = journal.usager_ref(usager)
        for table_name, column in usager_fk_columns():
            handler = ERASURE.get(table_name)
            rows[table_name] = (handler(session, usager_id) if handler
                                else _generic(session, table_name, column, usager_id))
        search_index.remove_usager(session, usager_id)
        session.delete(usager)
        session.flush()
        optimise_search_index(session)
        counts = ", ".join(f"{t}: {n}" for t, n in sorted(rows.items()))
        journal.record(session, actor, "usager_erased", ref, f"{detail} ; {counts}" if detail else counts)
    uuid = ref.split(":", 1)[1]
    erasure_ledger.note_erasure(store.path, uuid)
    truncate_wal(store)
    return ErasureReport(uuid, rows)
