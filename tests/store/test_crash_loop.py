"""Crash consistency (reliability D1): a writer killed with SIGKILL at random points, on an
encrypted store. After each kill: integrity_check ok, every acknowledged transaction present
exactly once, and no transaction half-applied (a usager row always has its index row)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.core.bootstrap import create_app_store
from app.store.engine import open_store
from tests.store.conftest import seed_site
from tests.store.file_keyring import ENV, FileKeyring

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="SIGKILL crash loop needs POSIX fork")


@pytest.fixture
def shared_keyring(tmp_path):
    import keyring

    from app.store import secrets

    previous = keyring.get_keyring()
    backend = FileKeyring(tmp_path / "test-keyring.json")
    secrets.use_backend(backend)
    yield backend
    keyring.set_keyring(previous)


def _check(db: Path, acked: set[int]) -> int:
    store = open_store(db, migrate=False)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            rows = conn.exec_driver_sql("SELECT uuid FROM usager WHERE uuid LIKE 'w%'").fetchall()
            present = [int(r[0][1:]) for r in rows]
            assert len(present) == len(set(present))
            missing = acked - set(present)
            assert not missing, f"acknowledged but lost: {sorted(missing)[:10]}"
            # Atomicity: the uuid update is the transaction's last statement, so a 'w' row proves
            # the whole transaction landed; an orphan row without its index entry would not.
            orphans = conn.exec_driver_sql(
                "SELECT count(*) FROM usager u WHERE u.first_name = 'Ecrivain' AND "
                "(u.uuid NOT LIKE 'w%' OR u.id NOT IN (SELECT rowid FROM usager_fts))").scalar()
            assert orphans == 0
            return len(present)
    finally:
        store.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _read_until(proc, words: set[str], acks: set[int]) -> str:
    """Read the writer's lines, collecting acks, until one of `words`; returns that word."""
    while True:
        line = proc.stdout.readline()
        assert line, "writer died"
        word, _, rest = line.strip().partition(" ")
        if word == "ack":
            acks.add(int(rest))
            if "ack" in words:
                return word
        elif word == "error":
            pytest.fail(f"writer failed: {rest}")
        elif word in words:
            return word


def _crash_loop(tmp_path: Path, iterations: int, seed: int) -> dict:
    db = tmp_path / "data" / "guichet.db"
    store, _code = create_app_store(db, encrypted=True)
    seed_site(store)
    store.close()
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.store.file_keyring.FileKeyring",
               **{ENV: str(tmp_path / "test-keyring.json")})
    proc = subprocess.Popen([sys.executable, "-m", "tests.store.writer", "--db", str(db), "--serve"],
                            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    watchdog = threading.Timer(30 + iterations * 2.0, proc.kill)  # never hang the suite
    watchdog.start()
    rng = random.Random(seed)
    acked: set[int] = set()
    stats = {"kills": 0, "kills_while_writing": 0, "acked": 0, "committed_not_acked": 0,
             "killed_before_first_ack": 0}
    try:
        assert proc.stdout.readline().strip() == "ready"
        for i in range(iterations):
            start = i * 1_000_000
            proc.stdin.write(f"run {start}\n")
            proc.stdin.flush()
            line = proc.stdout.readline().split()
            assert line[0] == "child", line
            mine: set[int] = set()
            if rng.random() < 0.2:  # aim at the opening: key lookup, pragmas, migration check
                time.sleep(rng.uniform(0.0, 0.3))
                _kill(int(line[1]))
            else:  # aim at the writes: let k transactions commit, then a random point after
                assert _read_until(proc, {"opened", "reaped"}, mine) == "opened"
                for _ in range(rng.randint(0, 4)):
                    assert _read_until(proc, {"ack", "reaped"}, mine) == "ack"
                time.sleep(rng.uniform(0.0, 0.04))
                _kill(int(line[1]))
                stats["kills_while_writing"] += 1
            _read_until(proc, {"reaped"}, mine)
            stats["kills"] += 1
            stats["killed_before_first_ack"] += not mine
            acked |= mine
            present = _check(db, acked)
            stats["committed_not_acked"] = present - len(acked)
    finally:
        watchdog.cancel()
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=10)
    stats["acked"] = len(acked)
    return stats


def test_crash_loop_30_kills(tmp_path, shared_keyring):
    stats = _crash_loop(tmp_path, 30, seed=30)
    assert stats["kills"] == 30 and stats["kills_while_writing"] >= 15 and stats["acked"] >= 15


@pytest.mark.slow
def test_crash_loop_200_kills(tmp_path, shared_keyring):
    stats = _crash_loop(tmp_path, 200, seed=200)
    print(stats)
    assert stats["kills"] == 200 and stats["kills_while_writing"] >= 120 and stats["acked"] >= 100
