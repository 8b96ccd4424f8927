"""Benchmark of the « Fiches » base at full size: ≈ 4,800 particuliers publications synthesised
from the 45 test fiches (tests/fixtures/fiches/vosdroits-fixture.zip). Prints a table; not a test.

    .venv/bin/python bench/bench_fiches.py [--count 4800] [--queries 600]

Each synthetic publication is a fixture fiche with a new ID and a title and description varied
with words of the real base's vocabulary, so the index holds ≈ 4,800 distinct documents of the
real sizes (the full body text of each source fiche). It times:
- the import: zip → checks → parse (defusedxml) → new SQLite file + FTS5 → atomic swap;
- search-as-you-type: every prefix of realistic counter queries (« c », « ca », « car »… up to
  « carte grise vehicule occasion »), through the Desk (`desk.query(search_fiches, …)`: a read
  transaction on the store, the agent re-read, then the fiches base) and, as a floor, the bare
  FTS5 query on the fiches file.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core import fiches  # noqa: E402
from app.store import fiches_base  # noqa: E402

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "fiches" / "vosdroits-fixture.zip"
WORDS = ("demande", "renouvellement", "perte", "vol", "mineur", "majeur", "étranger", "salarié", "retraité",
         "indépendant", "conjoint", "enfant", "handicap", "logement", "véhicule", "occasion", "succession",
         "déménagement", "chômage", "formation", "pension", "réversion", "allocation", "aide", "impôt",
         "déclaration", "naissance", "mariage", "divorce", "décès", "justificatif", "recours", "délai")
QUERIES = ("carte grise vehicule occasion", "apl logement etudiant", "rsa conjoint", "retraite progressive",
           "impot revenu declaration", "passeport mineur", "allocations familiales", "chomage inscription",
           "carte vitale perte", "prime activite", "acte de naissance copie", "cheque energie",
           "aide juridictionnelle", "surendettement", "casier judiciaire bulletin", "pension reversion")


def synthesise(count: int, out: Path, seed: int = 19) -> Path:
    rng = random.Random(seed)
    with zipfile.ZipFile(FIXTURE) as src:
        sources = [src.read(n).decode("utf-8") for n in src.namelist() if n.endswith(".xml")]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i in range(count):
            xml, new_id = sources[i % len(sources)], f"F{900000 + i}"
            old_id = re.search(r'<Publication[^>]* ID="([^"]+)"', xml).group(1)
            extra = " ".join(rng.sample(WORDS, 2))
            xml = xml.replace(f'ID="{old_id}"', f'ID="{new_id}"', 1)
            xml = re.sub(r"<dc:title>(.*?)</dc:title>", lambda m: f"<dc:title>{m.group(1)} : {extra}</dc:title>", xml, 1)
            xml = re.sub(r"<dc:description>", f"<dc:description>{' '.join(rng.sample(WORDS, 3))}. ", xml, 1)
            zf.writestr(f"{new_id}.xml", xml)
    return out


def _prefixes(queries, limit):
    typed = [q[:n] for q in queries for n in range(1, len(q) + 1) if q[:n].strip()]
    return (typed * (limit // len(typed) + 1))[:limit]


def _pct(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=4800)
    parser.add_argument("--queries", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        archive = synthesise(args.count, tmp / "vosdroits-synth.zip")
        from tests.desks import desk_for
        from app.core.bootstrap import open_app_store
        from app.core import structures
        from app.core.context import Actor
        from app.models.enums import Role

        store = open_app_store(tmp / "guichet.db")
        with store.write() as session:
            site = structures.create_structure(session, "100001", "France services du banc d'essai")
            agent = structures.create_agent(session, site.id, "marie", "Marie Banc")
        desk = desk_for(store, Actor(agent.id, site.id, Role.AGENT, agent.display_name))
        base = fiches.base_path(store.path)
        start = time.perf_counter()
        report = fiches.import_zip(archive, base)
        import_s = time.perf_counter() - start
        typed = _prefixes(QUERIES, args.queries)
        for text in typed[:20]:  # warm the page cache as an agent's first searches would
            desk.query(fiches.search_fiches, text)
        via_desk, bare = [], []
        for text in typed:
            t0 = time.perf_counter()
            desk.query(fiches.search_fiches, text)
            t1 = time.perf_counter()
            fiches_base.search(base, text)
            t2 = time.perf_counter()
            via_desk.append((t1 - t0) * 1000)
            bare.append((t2 - t1) * 1000)
        store.close()
        d50, d95 = _pct(via_desk)
        b50, b95 = _pct(bare)
        print(f"publications: {report.count:,} (zip {archive.stat().st_size / 1e6:.1f} MB, "
              f"base {base.stat().st_size / 1e6:.1f} MB)")
        print(f"import (checks, parse, index, swap): {import_s:.1f} s")
        print(f"search-as-you-type, {len(typed)} keystrokes: Desk p50 {d50:.1f} ms / p95 {d95:.1f} ms;"
              f" bare FTS5 p50 {b50:.1f} ms / p95 {b95:.1f} ms (goal p95 ≤ 30 ms)")


if __name__ == "__main__":
    main()
