"""Store benchmark: Guichet's services beside the same work done "the raw way" (plain sqlite3).

    .venv/bin/python bench/bench_store.py --size 100000 --usagers 20000 --out /tmp/bench.db [--reuse]

Builds (or reuses) a large store, then times each operation through the Desk (what the UI calls)
and through hand-written SQL on one DB-API connection with the same pragmas, every pair of samples
interleaved (app, raw, app, raw…), on the plain store and on an encrypted (SQLCipher) copy of it;
prints p50/p95/p99/max, the ratio and the load average beside each table. Saves are also timed
while an automatic backup runs on another thread, and the close (statistics kept) is timed.
Not a test: numbers depend on the machine; goals are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.build_large import build, store_size  # noqa: E402
from bench.stats import load_line, summary  # noqa: E402

# What agents type, keystroke by keystroke (the UI searches after each pause in typing).
TYPED = ["martin", "dupont j", "lefèvre", "carte gr", "prime act", "declaration rev", "ameli", "caf",
         "passeport", "retraite", "c2s", "impots", "france trav", "mohamed", "pole emp", "réversion"]
_ROW_SQL = """
SELECT a.id, a.occurred_at, u.first_name, u.last_name,
  (SELECT group_concat(p.short_label, ', ') FROM accompaniment_procedure ap JOIN partner p ON p.code = ap.partner_code
    WHERE ap.accompaniment_id = a.id),
  (SELECT group_concat(coalesce(pr.label, ap.precision), ' ; ') FROM accompaniment_procedure ap
    LEFT JOIN procedure pr ON pr.code = ap.procedure_code WHERE ap.accompaniment_id = a.id),
  a.response_type, a.status, a.follow_up_on, g.display_name
"""
RAW_SEARCH = _ROW_SQL + """FROM accompaniment_fts f CROSS JOIN accompaniment a ON a.id = f.rowid
LEFT JOIN usager u ON u.id = a.usager_id JOIN agent g ON g.id = a.agent_id
WHERE accompaniment_fts MATCH ? AND a.structure_id = ? ORDER BY f.rowid DESC LIMIT 100"""
RAW_PAGE = _ROW_SQL + """FROM accompaniment a LEFT JOIN usager u ON u.id = a.usager_id JOIN agent g ON g.id = a.agent_id
WHERE a.structure_id = ? ORDER BY a.occurred_at DESC, a.id DESC LIMIT 100"""
RAW_FOLLOW = _ROW_SQL + """FROM accompaniment a LEFT JOIN usager u ON u.id = a.usager_id JOIN agent g ON g.id = a.agent_id
WHERE a.structure_id = ? AND a.follow_up_on <= ? AND a.status IN ('ouvert', 'en_attente_partenaire')
ORDER BY a.follow_up_on, a.id LIMIT 100"""
RAW_USAGERS = """SELECT u.* FROM usager_fts f JOIN usager u ON u.id = f.rowid
WHERE usager_fts MATCH ? AND u.structure_id = ? ORDER BY f.rank LIMIT 20"""


def typed_prefixes() -> list[str]:
    out = []
    for words in TYPED:
        out += [words[:n] for n in range(2, len(words) + 1) if not words[:n].endswith(" ")]
    return out


def once(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - t) * 1000


def raw_match(query: str) -> str:
    from app.store.search_index import normalise  # the raw way must fold accents too

    return " AND ".join(f'"{w}"*' for w in re.findall(r"\w+", normalise(query)))


def raw_connection(path: Path, key: bytes | None):
    """The raw way: one DB-API connection (sqlite3, or SQLCipher with the same key) and the app's pragmas."""
    from app.store.crypto import dbapi_connect

    raw = dbapi_connect(path, key)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "secure_delete=ON", "temp_store=MEMORY"):
        raw.execute(f"PRAGMA {pragma}")  # the app's pragmas (app/store/engine.py)
    return raw


def run(path: Path, runs: int, today: date, key: bytes | None = None) -> list[dict]:
    from sqlmodel import select

    from app.core import auth
    from app.core.accompaniments import AccompanimentInput, ProcedureLine
    from app.core.bootstrap import open_app_store
    from app.core.cases import CaseFilter
    from app.core.desk import Desk
    from app.models.tables import Agent
    from app.store import backups

    store = open_app_store(path)
    raw = raw_connection(path, key)
    with store.read() as s:
        agent = s.exec(select(Agent).where(Agent.login == "agent1")).one()
    desk = Desk(store, auth.choose_agent(store, agent.id))  # what the UI holds after the login
    sid = agent.structure_id
    base = raw.execute("SELECT max(id) FROM accompaniment").fetchone()[0]
    results = []

    def add(name, app_fn, raw_fn, n, goal=None, inputs=(None,)):
        """Every sample pair interleaved (app, raw, app, raw…) so load and cache state hit both."""
        app_s, raw_s = [], []
        for _ in range(n):
            for value in inputs:
                args = () if value is None else (value,)
                app_s.append(once(app_fn, *args))
                raw_s.append(once(raw_fn, *args))
        results.append(dict(operation=name, app=summary(app_s), raw=summary(raw_s), goal=goal))

    prefixes = typed_prefixes()
    for q in prefixes[:10]:  # warm the caches like an agent's first searches of the day
        desk.list_cases(CaseFilter(text=q, structure_id=sid)), raw.execute(RAW_SEARCH, (raw_match(q), sid)).fetchall()
    add("search-as-you-type (Desk.list_cases text)", lambda q: desk.list_cases(CaseFilter(text=q, structure_id=sid)),
        lambda q: raw.execute(RAW_SEARCH, (raw_match(q), sid)).fetchall(), 2, "p50 ≤ 2× raw", inputs=prefixes)
    add("usager typeahead (Desk.search_usagers)", lambda q: desk.search_usagers(q),
        lambda q: raw.execute(RAW_USAGERS, (raw_match(q), sid)).fetchall(), 2, "p50 ≤ 2× raw", inputs=prefixes)
    add("first page of the case list", lambda: desk.list_cases(CaseFilter(structure_id=sid)),
        lambda: raw.execute(RAW_PAGE, (sid,)).fetchall(), runs)

    start = datetime.combine(today, datetime.min.time()).strftime("%Y-%m-%d %H:%M:%S.000000")
    end = datetime.combine(today, datetime.max.time()).strftime("%Y-%m-%d %H:%M:%S.999999")

    def raw_today():
        window = ("FROM accompaniment a WHERE a.structure_id = ? AND a.occurred_at >= ? AND a.occurred_at <= ? "
                  "AND a.status IN ('ouvert', 'en_attente_partenaire', 'clos')")
        raw.execute(f"SELECT count(*), count(DISTINCT usager_id) + sum(usager_id IS NULL) {window}", (sid, start, end)).fetchall()
        raw.execute(f"SELECT p.short_label, count(DISTINCT ap.accompaniment_id) {window.replace('FROM accompaniment a', 'FROM accompaniment_procedure ap JOIN accompaniment a ON a.id = ap.accompaniment_id JOIN partner p ON p.code = ap.partner_code')} GROUP BY 1 ORDER BY 2 DESC", (sid, start, end)).fetchall()
        raw.execute("SELECT count(*) FROM accompaniment WHERE structure_id = ? AND follow_up_on <= ? "
                    "AND status IN ('ouvert', 'en_attente_partenaire')", (sid, today.isoformat())).fetchall()
    add("today's activity", lambda: desk.today(today), raw_today, runs)
    add("follow-ups due (« à relancer »)", lambda: desk.list_cases(CaseFilter(follow_up_due_by=today, structure_id=sid)),
        lambda: raw.execute(RAW_FOLLOW, (sid, today.isoformat())).fetchall(), runs)

    def app_save():
        desk.open_accompaniment(AccompanimentInput(procedures=[ProcedureLine("CAF", "CAF-PRIME-ACTIVITE")], note="bench"))

    def raw_save():
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S.000000")
        raw.execute("BEGIN IMMEDIATE")
        cur = raw.execute("INSERT INTO accompaniment (uuid, structure_id, agent_id, occurred_at, duration_min, canal, "
                          "thematique, response_type, mandate, status, note, created_at, updated_at) "
                          "VALUES (lower(hex(randomblob(16))), ?, ?, ?, 15, 'guichet', 'social_sante', "
                          "'information_orientation', 'aucun', 'clos', 'bench', ?, ?)", (sid, agent.id, now, now, now))
        acc = cur.lastrowid
        raw.execute("INSERT INTO accompaniment_procedure (accompaniment_id, partner_code, procedure_code, precision, position) "
                    "VALUES (?, 'CAF', 'CAF-PRIME-ACTIVITE', '', 0)", (acc,))
        raw.execute("INSERT INTO accompaniment_event (accompaniment_id, agent_id, at, kind, detail) "
                    "VALUES (?, ?, ?, 'created', '{\"status\": \"clos\"}')", (acc, agent.id, now))
        raw.execute("INSERT INTO accompaniment_fts (rowid, body) VALUES (?, 'bench caf prime d''activite – demande')", (acc,))
        raw.execute("COMMIT")

    cp = getattr(store, "checkpointer", None)  # None before the background checkpoints (to compare)
    wal = []
    try:
        add("save one accompaniment (Desk, synchronous=FULL)", app_save, raw_save, runs * 10, "p99 ≤ 20 ms")
        wal.append(Path(f"{path}-wal").stat().st_size)
        # The automatic backup (start-up, close) runs on a worker thread: saves go on meanwhile.
        backup_times, stop = [], threading.Event()

        def backing_up():
            while not stop.is_set():
                backup_times.append(once(backups.create_backup, store))
        worker = threading.Thread(target=backing_up)
        worker.start()
        try:
            add("save while an automatic backup runs", app_save, raw_save, runs * 3, "p99 ≤ 20 ms")
        finally:
            stop.set()
            worker.join()
        results[-1]["backups"] = summary(backup_times) if backup_times else None
    finally:  # leave the store the size it was, so --reuse finds it again
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("DELETE FROM accompaniment_fts WHERE rowid > ?", (base,))
        raw.execute("DELETE FROM accompaniment_event WHERE accompaniment_id > ?", (base,))
        raw.execute("DELETE FROM accompaniment_procedure WHERE accompaniment_id > ?", (base,))
        raw.execute("DELETE FROM accompaniment WHERE id > ?", (base,))
        raw.execute("COMMIT")
        for old in backups.list_backups(path):  # the benchmark's backups only
            old.path.unlink(missing_ok=True)
    raw.close()
    close_ms = once(store.close)
    stats = sqlite3.connect(path) if key is None else raw_connection(path, key)
    has_stats = stats.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0] == 1
    stats.close()
    results.append(dict(operation="close (PRAGMA optimize, statistics kept)", close_ms=close_ms, stat1=has_stats,
                        checkpoints=cp.runs if cp else "n/a", inline_checkpoints=cp.inline_runs if cp else "n/a",
                        wal_bytes_after_saves=wal[0] if wal else None))
    return results


def print_table(results: list[dict], title: str, load_before: str, load_after: str) -> None:
    print(f"\n### {title}\nload average before: {load_before}   after: {load_after}\n")
    print("| operation | Guichet p50 / p95 / p99 / max | raw p50 / p95 / p99 / max | p50 ratio | goal |")
    print("|---|---|---|---|---|")
    for r in results:
        if "app" not in r:
            continue
        a, w = r["app"], r["raw"]
        cells = [" / ".join(f"{x[k]:.1f}" for k in ("p50", "p95", "p99", "max")) + " ms" for x in (a, w)]
        print(f"| {r['operation']} ({a['n']} samples) | {cells[0]} | {cells[1]} | {a['p50'] / w['p50']:.1f}× | {r['goal'] or ''} |")
        if r.get("backups"):
            b = r["backups"]
            print(f"| (the backups themselves, back to back: {b['n']}) | {b['p50']:.0f} / {b['max']:.0f} ms (p50 / max) | | | |")
    close = results[-1]
    print(f"| {close['operation']} | {close['close_ms']:.0f} ms, sqlite_stat1 present: {close['stat1']} | | | |")
    print(f"| WAL checkpoints during the run | background: {close['checkpoints']}, in a save (cap): "
          f"{close['inline_checkpoints']}; -wal after the saves: {(close['wal_bytes_after_saves'] or 0) / 1e6:.1f} MB | | | |")


def encrypted_copy(plain: Path, tmp: Path) -> tuple[Path, bytes]:
    """`plain` exported into a new encrypted store (SQLCipher, key provisioned as at set-up; kept by
    a test keyring file, tests/store/file_keyring.py)."""
    import keyring

    from app.store import crypto
    from tests.store.file_keyring import FileKeyring

    keyring.set_keyring(FileKeyring(tmp / "keyring.json"))
    target = tmp / "chiffre" / "guichet.db"
    crypto.provision_store_key(target)
    key = crypto.load_store_key(target)
    src = crypto.sqlcipher().connect(str(plain), isolation_level=None)
    src.execute(f"ATTACH DATABASE '{target}' AS enc KEY \"x'{key.hex()}'\"")
    src.execute("SELECT sqlcipher_export('enc')")
    src.execute("DETACH DATABASE enc")
    src.close()
    return target, key


def main(argv=None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000, help="accompaniments")
    parser.add_argument("--usagers", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench.db"))
    parser.add_argument("--reuse", action="store_true", help="keep --out if it already has the right size")
    parser.add_argument("--runs", type=int, default=30, help="samples per operation (saves: 10×)")
    parser.add_argument("--stores", default="plain,encrypted", help="plain, encrypted or both")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    today = date.today()
    if args.reuse and store_size(args.out) == (args.size, args.usagers):
        print(f"Reusing {args.out} ({args.size:,} accompaniments, {args.usagers:,} usagers)")
    else:
        print(f"Building {args.out}: {args.size:,} accompaniments, {args.usagers:,} usagers")
        build(args.out, args.size, args.usagers, today=today)
    out = {}
    with tempfile.TemporaryDirectory(prefix="guichet-bench-store-") as folder:
        for kind in args.stores.split(","):
            path, key = (args.out, None) if kind == "plain" else encrypted_copy(args.out, Path(folder))
            before = load_line()
            results = run(path, args.runs, today, key)
            after = load_line()
            print_table(results, f"{kind} store, {args.size:,} accompaniments / {args.usagers:,} usagers", before, after)
            out[kind] = dict(results=results, load=[before, after])
    if args.json:
        args.json.write_text(json.dumps(dict(size=args.size, usagers=args.usagers, stores=out), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
