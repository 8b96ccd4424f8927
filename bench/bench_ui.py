"""UI benchmark: start-up to the painted main window, and peak memory, beside a bare PySide6 window.

    .venv/bin/python bench/bench_ui.py [--db /tmp/bench.db --agent agent1] [--runs 10]

Each run is a fresh process (offscreen Qt). Time is measured from outside, from spawning the
process to the line it prints after its first paint, so interpreter start and imports count for
both sides. Guichet prints `painted_ms=` once the main window is painted with its data loaded
(GUICHET_EXIT_AFTER_PAINT=1, see app/ui/app.py), i.e. with today's activity and the case list
open; peak RSS comes from os.wait4 on that very child.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BARE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
w = QMainWindow(); w.resize(1280, 800); w.setWindowTitle("bare"); w.show()
def painted():
    app.processEvents(); w.repaint()
    print("first_paint_ms=0", flush=True)
    print("painted_ms=0", flush=True); QTimer.singleShot(0, app.quit)
QTimer.singleShot(0, painted)
sys.exit(app.exec())
"""


def one_run(cmd: list[str], env: dict) -> tuple[float, float, str, float]:
    """(ms from spawn to the painted line, peak RSS in MB, the line, ms to the window's first paint)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    painted_at, line, first_at = None, "", None
    for out in proc.stdout:
        if out.startswith("first_paint_ms=") and first_at is None:
            first_at = time.perf_counter()
        if out.startswith("painted_ms="):
            painted_at, line = time.perf_counter(), out.strip()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read()
    if painted_at is None or proc.returncode != 0:
        raise SystemExit(f"{cmd[-1]!r} did not paint (exit {proc.returncode}):\n{err[-2000:]}")
    return (painted_at - start) * 1000, usage.ru_maxrss / 1024, line, ((first_at or painted_at) - start) * 1000


def measure(cmd: list[str], env: dict, runs: int) -> dict:
    one_run(cmd, env)  # warm the file cache: we compare warm starts, the usual case at a desk
    times, rss, inner, first = [], [], [], []
    for _ in range(runs):
        ms, mb, line, first_ms = one_run(cmd, env)
        times.append(ms)
        first.append(first_ms)
        rss.append(mb)
        inner.append(float(line.split("=", 1)[1]))
    return dict(median_ms=statistics.median(times), min_ms=min(times), max_ms=max(times),
                rss_mb=max(rss), inner_ms=statistics.median(inner), first_ms=statistics.median(first))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="store to open (default: a demo store built once in /tmp)")
    parser.add_argument("--agent", default=None, help="agent login (default: camille for the demo)")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    db = args.db
    if db is None:
        from app.core.demo_cli import ensure_demo_store

        db = ensure_demo_store(Path("/tmp/guichet-bench-demo.db"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GUICHET_EXIT_AFTER_PAINT="1",
               GUICHET_AGENT=args.agent or "camille")
    env.pop("GUICHET_DB", None)
    bare = measure([sys.executable, "-c", BARE], env, args.runs)
    app = measure([sys.executable, "-m", "app", "--db", str(db)], env, args.runs)
    print(f"store: {db}   runs: {args.runs} (median; min–max)")
    print("| measure | Guichet | bare PySide6 window | ratio | goal |")
    print("|---|---|---|---|---|")
    print(f"| start to first paint of the main window (spawn → window shown, store opening) | {app['first_ms']:.0f} ms "
          f"| {bare['first_ms']:.0f} ms | {app['first_ms'] / bare['first_ms']:.1f}× | ≤ 5× |")
    print(f"| start to painted window with today's data (spawn → lists filled) | {app['median_ms']:.0f} ms ({app['min_ms']:.0f}–{app['max_ms']:.0f}) "
          f"| {bare['median_ms']:.0f} ms ({bare['min_ms']:.0f}–{bare['max_ms']:.0f}) "
          f"| {app['median_ms'] / bare['median_ms']:.1f}× | ≤ 5× |")
    print(f"| peak RSS, case list open | {app['rss_mb']:.0f} MB | {bare['rss_mb']:.0f} MB "
          f"| {app['rss_mb'] / bare['rss_mb']:.1f}× | ≤ 250 MB |")
    print(f"(Guichet's own painted_ms, from its first import: {app['inner_ms']:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
