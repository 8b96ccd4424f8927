"""tsvector prefix search vs pg_trgm for the site store's search (a short benchmark, not a test).

    .venv/bin/python -m bench.bench_site_search [rows]

Starts a throwaway cluster (tests/pgcluster.py), fills two tables with the same normalised bodies
(as app/store/search_pg.py stores them), one indexed with GIN on a tsvector, one with GIN
gin_trgm_ops, and times the same prefix queries on both: `tsv @@ to_tsquery('simple', 'w:*')` vs
a word-start regex `body ~ '(^| )w'` (the only pg_trgm form with prefix-of-a-word meaning).
"""

from __future__ import annotations

import random
import statistics
import sys
import time

import psycopg

from app.store import search_pg
from tests.pgcluster import Cluster, find_bin_dir

WORDS = ("carte grise changement titulaire logement aides apl caf cpam vitale impots prelevement source "
         "retraite carsat simulation ants passeport identite france travail inscription rsa prime activite "
         "dupont martin bernard thomas petit robert richard durand leroy moreau simon laurent lefebvre "
         "helene jean pierre marie zoe anais francois noel eve dossier relance rendez vous mail").split()
QUERIES = ["c", "ca", "car", "cart", "carte", "carte gr", "du", "dupo", "helene lef", "pre", "a", "zo", "rsa pr"]


def main(rows: int = 20000) -> None:
    rng = random.Random(7)
    cluster = Cluster(find_bin_dir())
    cluster.init()
    cluster.start()
    try:
        with psycopg.connect(cluster.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_trgm")
            conn.execute("CREATE TABLE t_tsv (id bigint PRIMARY KEY, body text, tsv tsvector GENERATED ALWAYS AS "
                         "(to_tsvector('simple'::regconfig, body)) STORED)")
            conn.execute("CREATE TABLE t_trgm (id bigint PRIMARY KEY, body text)")
            bodies = [(i, search_pg.body_text(" ".join(rng.choices(WORDS, k=12)))) for i in range(1, rows + 1)]
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO t_tsv (id, body) VALUES (%s, %s)", bodies)
                cur.executemany("INSERT INTO t_trgm (id, body) VALUES (%s, %s)", bodies)
            t0 = time.perf_counter()
            conn.execute("CREATE INDEX ON t_tsv USING gin (tsv)")
            t_tsv_idx = time.perf_counter() - t0
            t0 = time.perf_counter()
            conn.execute("CREATE INDEX ON t_trgm USING gin (body gin_trgm_ops)")
            t_trgm_idx = time.perf_counter() - t0
            conn.execute("ANALYZE")
            sizes = conn.execute("SELECT pg_relation_size('t_tsv_tsv_idx'), pg_relation_size('t_trgm_body_idx')").fetchone()
            timings = {"tsvector": [], "pg_trgm": []}
            for _ in range(5):
                for q in QUERIES:
                    t0 = time.perf_counter()
                    conn.execute("SELECT id FROM t_tsv WHERE tsv @@ to_tsquery('simple', %s) ORDER BY id DESC LIMIT 200",
                                 (search_pg.tsquery(q),)).fetchall()
                    timings["tsvector"].append(time.perf_counter() - t0)
                    where = " AND ".join("body ~ %s" for _ in search_pg.words(q))
                    t0 = time.perf_counter()
                    conn.execute(f"SELECT id FROM t_trgm WHERE {where} ORDER BY id DESC LIMIT 200",
                                 [f"(^| ){w}" for w in search_pg.words(q)]).fetchall()
                    timings["pg_trgm"].append(time.perf_counter() - t0)
        print(f"{rows} rows; index build tsvector {t_tsv_idx:.2f} s, pg_trgm {t_trgm_idx:.2f} s; "
              f"index size tsvector {sizes[0] // 1024} KiB, pg_trgm {sizes[1] // 1024} KiB")
        for name, values in timings.items():
            values.sort()
            print(f"{name:9s} p50 {statistics.median(values) * 1000:6.1f} ms   "
                  f"p95 {values[int(len(values) * 0.95) - 1] * 1000:6.1f} ms   max {values[-1] * 1000:6.1f} ms")
    finally:
        cluster.stop("immediate")
        cluster.remove()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
