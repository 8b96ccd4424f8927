"""Store benchmark: Guichet's services beside the same work done "the raw way" (plain sqlite3).

    .venv/bin/python bench/bench_store.py --size 1000000 --usagers 200000 --out /tmp/bench.db [--reuse]

Builds (or reuses) a large store, then times each operation through app.core (what the UI calls)
and through hand-written SQL on one plain sqlite3 connection with the same pragmas, and prints
p50/p95 and the ratio. Not a test: numbers depend on the machine; goals are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.build_large import build, store_size  # noqa: E402

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


def typed_prefixes() -> list[str]:
    out = []
    for words in TYPED:
        out += [words[:n] for n in range(2, len(words) + 1) if not words[:n].endswith(" ")]
    return out


def timed(fn, runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def raw_match(query: str) -> str:
    from app.store.search_index import normalise  # the raw way must fold accents too

    return " AND ".join(f'"{w}"*' for w in re.findall(r"\w+", normalise(query)))


def run(path: Path, runs: int, today: date) -> list[dict]:
    from sqlmodel import select

    from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
    from app.core.bootstrap import open_app_store
    from app.core.cases import CaseFilter, list_cases, today_activity
    from app.core.context import Actor
    from app.models.enums import Role
    from app.models.tables import Agent

    store = open_app_store(path)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute("PRAGMA secure_delete=ON")  # the app's other pragmas too (app/store/engine.py)
    raw.execute("PRAGMA temp_store=MEMORY")
    with store.read() as s:
        agent = s.exec(select(Agent).where(Agent.login == "agent1")).one()
    actor = Actor(agent.id, agent.structure_id, Role.AGENT, agent.display_name)
    sid = actor.structure_id
    base = raw.execute("SELECT max(id) FROM accompaniment").fetchone()[0]
    results = []

    def add(name, app_fn, raw_fn, n, goal=None, inputs=None):
        if inputs is None:
            app_s, raw_s = timed(app_fn, n), timed(raw_fn, n)
        else:  # one sample per input, interleaved so both sides see the same cache state
            app_s, raw_s = [], []
            for _ in range(n):
                for value in inputs:
                    app_s += timed(lambda: app_fn(value), 1, warmup=0)
                    raw_s += timed(lambda: raw_fn(value), 1, warmup=0)
        results.append(dict(operation=name, app_p50=pct(app_s, .5), app_p95=pct(app_s, .95),
                            raw_p50=pct(raw_s, .5), raw_p95=pct(raw_s, .95), goal=goal, samples=len(app_s)))

    def app_search(q):
        with store.read() as s:
            return list_cases(s, actor, CaseFilter(text=q, structure_id=sid))

    prefixes = typed_prefixes()
    for q in prefixes[:10]:  # warm the caches like an agent's first searches of the day
        app_search(q), raw.execute(RAW_SEARCH, (raw_match(q), sid)).fetchall()
    add("search-as-you-type (list_cases text)", app_search,
        lambda q: raw.execute(RAW_SEARCH, (raw_match(q), sid)).fetchall(), 3,
        "p95 ≤ 50 ms and ≤ 2.5× raw", inputs=prefixes)

    def app_page():
        with store.read() as s:
            return list_cases(s, actor, CaseFilter(structure_id=sid))
    add("first page of the case list", app_page, lambda: raw.execute(RAW_PAGE, (sid,)).fetchall(), runs)

    def app_today():
        with store.read() as s:
            return today_activity(s, actor, today)

    start = datetime.combine(today, datetime.min.time()).strftime("%Y-%m-%d %H:%M:%S.000000")
    end = datetime.combine(today, datetime.max.time()).strftime("%Y-%m-%d %H:%M:%S.999999")

    def raw_today():
        window = ("FROM accompaniment a WHERE a.structure_id = ? AND a.occurred_at >= ? AND a.occurred_at <= ? "
                  "AND a.status IN ('ouvert', 'en_attente_partenaire', 'clos')")
        raw.execute(f"SELECT count(*), count(DISTINCT usager_id) + sum(usager_id IS NULL) {window}", (sid, start, end)).fetchall()
        raw.execute(f"SELECT p.short_label, count(DISTINCT ap.accompaniment_id) {window.replace('FROM accompaniment a', 'FROM accompaniment_procedure ap JOIN accompaniment a ON a.id = ap.accompaniment_id JOIN partner p ON p.code = ap.partner_code')} GROUP BY 1 ORDER BY 2 DESC", (sid, start, end)).fetchall()
        raw.execute("SELECT count(*) FROM accompaniment WHERE structure_id = ? AND follow_up_on <= ? "
                    "AND status IN ('ouvert', 'en_attente_partenaire')", (sid, today.isoformat())).fetchall()
    add("today's activity", app_today, raw_today, runs)

    def app_follow():
        with store.read() as s:
            return list_cases(s, actor, CaseFilter(follow_up_due_by=today, structure_id=sid))
    add("follow-ups due (« à relancer »)", app_follow,
        lambda: raw.execute(RAW_FOLLOW, (sid, today.isoformat())).fetchall(), runs)

    def app_save():
        with store.write() as s:
            open_accompaniment(s, actor, AccompanimentInput(
                procedures=[ProcedureLine("CAF", "CAF-PRIME-ACTIVITE")], note="bench"))

    def raw_save():
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S.000000")
        raw.execute("BEGIN IMMEDIATE")
        cur = raw.execute("INSERT INTO accompaniment (uuid, structure_id, agent_id, occurred_at, duration_min, canal, "
                          "thematique, response_type, mandate, status, note, created_at, updated_at) "
                          "VALUES (lower(hex(randomblob(16))), ?, ?, ?, 15, 'guichet', 'social_sante', "
                          "'information_orientation', 'aucun', 'clos', 'bench', ?, ?)", (sid, actor.agent_id, now, now, now))
        acc = cur.lastrowid
        raw.execute("INSERT INTO accompaniment_procedure (accompaniment_id, partner_code, procedure_code, precision, position) "
                    "VALUES (?, 'CAF', 'CAF-PRIME-ACTIVITE', '', 0)", (acc,))
        raw.execute("INSERT INTO accompaniment_event (accompaniment_id, agent_id, at, kind, detail) "
                    "VALUES (?, ?, ?, 'created', '{\"status\": \"clos\"}')", (acc, actor.agent_id, now))
        raw.execute("INSERT INTO accompaniment_fts (rowid, body) VALUES (?, 'bench caf prime d''activite – demande')", (acc,))
        raw.execute("COMMIT")
    try:
        add("save one accompaniment (synchronous=FULL)", app_save, raw_save, runs, "≤ 20 ms")
    finally:  # leave the store the size it was, so --reuse finds it again
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("DELETE FROM accompaniment_fts WHERE rowid > ?", (base,))
        raw.execute("DELETE FROM accompaniment_event WHERE accompaniment_id > ?", (base,))
        raw.execute("DELETE FROM accompaniment_procedure WHERE accompaniment_id > ?", (base,))
        raw.execute("DELETE FROM accompaniment WHERE id > ?", (base,))
        raw.execute("COMMIT")
    raw.close()
    store.close()
    return results


def print_table(results: list[dict]) -> None:
    head = f"| {'operation':<42} | Guichet p50 | Guichet p95 | raw p50 | raw p95 | ratio p95 | goal |"
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for r in results:
        ratio = r["app_p95"] / r["raw_p95"] if r["raw_p95"] else float("inf")
        print(f"| {r['operation']:<42} | {r['app_p50']:8.1f} ms | {r['app_p95']:8.1f} ms | {r['raw_p50']:4.1f} ms "
              f"| {r['raw_p95']:4.1f} ms | {ratio:8.1f}× | {r['goal'] or ''} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="accompaniments")
    parser.add_argument("--usagers", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench.db"))
    parser.add_argument("--reuse", action="store_true", help="keep --out if it already has the right size")
    parser.add_argument("--runs", type=int, default=30, help="samples per operation")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    today = date.today()
    if args.reuse and store_size(args.out) == (args.size, args.usagers):
        print(f"Reusing {args.out} ({args.size:,} accompaniments, {args.usagers:,} usagers)")
    else:
        print(f"Building {args.out}: {args.size:,} accompaniments, {args.usagers:,} usagers")
        build(args.out, args.size, args.usagers, today=today)
    results = run(args.out, args.runs, today)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(dict(size=args.size, usagers=args.usagers, results=results), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
