"""Keyed journal chain: HMAC with the store's chain key, inserts only at the head in time order,
purge of a prefix of old rows only.

Revision ID: 0012_journal_keyed
Revises: 0010_sync_month_status
Create Date: 2026-12-01

The chain key comes from the connection (app/store/engine.py puts it in Connection.info), so
this migration only runs keyed from the app (app/store/migrate.py); from the `alembic` command
line a plain store gets the public plain-store key, as the app would give it.

Existing rows are checked against their old SHA-256 chain, then re-signed in place. A row whose
time is before its predecessor's (a PC clock set back) gets its predecessor's time, so the new
rule « time never goes back » holds from the first row. The anchor hash is kept: the first
remaining row chains from it as before. If there were rows, a `journal_rekeyed` entry says what
was found (old chain intact or broken at which row, how many times were corrected) and names the
anchor ("journal:<cutoff>") as a purge would, for app/core/journal.py:verify_chain.
The hashing rules are copied here, frozen, rather than imported from app code that may evolve.
"""
import hashlib
import hmac
import json
from datetime import datetime, timezone

from alembic import op
from sqlalchemy import text

from app.store import dialects

revision = "0012_journal_keyed"
down_revision = "0010_sync_month_status"
branch_labels = None
depends_on = None

_PLAIN_KEY = hashlib.sha256(b"guichet: plain store, public journal chain key").digest()
_KEY_INFO = "guichet_journal_key"


def _canonical(entry_id, at, agent_id, action, object_ref, detail) -> bytes:
    body = {"id": entry_id, "at": at.isoformat(timespec="microseconds"), "agent_id": agent_id,
            "action": action, "object_ref": object_ref, "detail": detail}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _sha(prev, *row) -> str:
    return hashlib.sha256(prev.encode("ascii") + _canonical(*row)).hexdigest()


def _hmac(key):
    return lambda prev, *row: hmac.new(key, prev.encode("ascii") + _canonical(*row), hashlib.sha256).hexdigest()


def _when(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's DateTime text form


def _rechain(conn, new_hash, old_hash=None, clamp=False) -> tuple[int | None, int, int, str, datetime | None]:
    """Re-sign every row with `new_hash`; returns (first row not fitting the old chain, times
    corrected, last id, last hash, last time)."""
    cutoff, prev = conn.execute(text("SELECT cutoff_id, anchor_hash FROM journal_anchor WHERE id = 1")).one()
    rows = conn.execute(text("SELECT id, at, agent_id, action, object_ref, detail, prev_hash, hash "
                             "FROM journal ORDER BY id")).all()
    old_prev, expected, broken, corrected, last_at, updates = prev, cutoff + 1, None, 0, None, []
    for entry_id, at, agent_id, action, object_ref, detail, stored_prev, stored_hash in rows:
        at = _when(at)
        if old_hash and broken is None and (entry_id != expected or stored_prev != old_prev or old_hash(
                stored_prev, entry_id, at, agent_id, action, object_ref, detail) != stored_hash):
            broken = entry_id
        if clamp and last_at is not None and at < last_at:
            at, corrected = last_at, corrected + 1
        digest = new_hash(prev, entry_id, at, agent_id, action, object_ref, detail)
        updates.append({"i": entry_id, "a": _stamp(at), "p": prev, "h": digest})
        old_prev, expected, prev, last_at = stored_hash, entry_id + 1, digest, at
    if updates:
        conn.execute(text("UPDATE journal SET at = :a, prev_hash = :p, hash = :h WHERE id = :i"), updates)
    last_id = rows[-1][0] if rows else cutoff
    return broken, corrected, last_id, prev, last_at


def upgrade() -> None:
    conn = op.get_bind()
    key = conn.info.get(_KEY_INFO) or _PLAIN_KEY
    _create, drop = dialects.journal_guard(conn, 1)
    for ddl in drop:
        op.execute(ddl)
    sign = _hmac(key)
    broken, corrected, last_id, last_hash, last_at = _rechain(conn, sign, old_hash=_sha, clamp=True)
    if last_at is not None:
        cutoff = conn.execute(text("SELECT cutoff_id FROM journal_anchor WHERE id = 1")).scalar()
        at = max(datetime.now(timezone.utc).replace(tzinfo=None), last_at)
        detail = ("chaîne du journal désormais signée avec la clé du fichier ; ancienne chaîne "
                  + (f"rompue à l'entrée n° {broken}" if broken else "intacte")
                  + (f" ; {corrected} date(s) ramenée(s) à l'ordre chronologique" if corrected else ""))
        row = (last_id + 1, at, None, "journal_rekeyed", f"journal:{cutoff}", detail)
        conn.execute(text("INSERT INTO journal (id, at, agent_id, action, object_ref, detail, prev_hash, hash) "
                          "VALUES (:i, :a, NULL, :ac, :o, :d, :p, :h)"),
                     {"i": row[0], "a": _stamp(at), "ac": row[3], "o": row[4], "d": detail, "p": last_hash,
                      "h": sign(last_hash, *row)})
    create, _drop = dialects.journal_guard(conn, 2)
    for ddl in create:
        op.execute(ddl)


def downgrade() -> None:
    conn = op.get_bind()
    _create, drop = dialects.journal_guard(conn, 2)
    for ddl in drop:
        op.execute(ddl)
    _rechain(conn, _sha)
    create, _drop = dialects.journal_guard(conn, 1)
    for ddl in create:
        op.execute(ddl)
