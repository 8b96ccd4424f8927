"""Crash test: a real `guichet sync` process is SIGKILLed at random points of its sync (named points
around the request, and random wall-clock times once sending has started), restarted, and synced
again: the server's totals equal the local ones every time and the store passes integrity_check."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from app.core import structures
from app.core.bootstrap import open_app_store
from app.core.context import Actor
from app.sync.client import CRASH_ENV, sync_structure
from app.sync.settings import TEST_TOKEN_ENV, URL_KEY
from app.sync.transport import HttpTransport
from tests.sync.conftest import TOKEN
from tests.sync.helpers import add_activity, assert_server_matches, months_back

ROOT = Path(__file__).resolve().parents[2]
POINTS = ("before_send", "after_send", "after_record")


def _sync_cmd(db: Path) -> list[str]:
    return [sys.executable, "-m", "app", "--db", str(db), "sync", "--delai", "5"]


def _env(server, crash: str | None = None) -> dict:
    env = dict(os.environ, **{TEST_TOKEN_ENV: TOKEN, "PYTHONPATH": str(ROOT)})
    env.pop(CRASH_ENV, None)
    if crash:
        env[CRASH_ENV] = crash
    return env


def _bus_store(path: Path, server, rng: random.Random, today: date):
    store = open_app_store(path)
    with store.write() as session:
        bus = structures.create_structure(session, "100002", "Bus France services", "bus", stops=["Église", "Marché"])
        agent = structures.create_agent(session, bus.id, "lea", "Léa")
        stops = structures.bus_stops(session, bus.id)
        actor = Actor(agent.id, bus.id)
        for m in months_back(12, today):
            add_activity(session, actor, m, rng.randint(2, 6), rng, stops=stops)
        structures.set_setting(session, URL_KEY, server.url)
    return store, bus, actor, stops


def _kill_during_sync(db: Path, server, rng: random.Random, i: int) -> str:
    """Start `guichet sync`, kill it; returns how (for the failure message)."""
    if i % 2 == 0:  # named point: n-th hit of a point inside the send loop (self-SIGKILL)
        how = f"{rng.choice(POINTS)}:{rng.randint(1, 6)}"
        proc = subprocess.run(_sync_cmd(db), env=_env(server, how), cwd=ROOT, capture_output=True, timeout=120)
        return f"point {how} rc={proc.returncode}"
    proc = subprocess.Popen(_sync_cmd(db), env=_env(server), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    proc.stdout.readline()  # "Envoi 1/N": the sync has started
    delay = rng.uniform(0, 0.4)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return f"time +{delay:.2f}s rc={proc.returncode}"


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _crash_loop(tmp_path, server, today: date, kills: int, seed: int, restart_in_subprocess: bool = True) -> None:
    rng = random.Random(seed)
    db = tmp_path / "bus.db"
    store, bus, actor, stops = _bus_store(db, server, rng, today)
    # every request takes a little while, so random kills land mid-sync
    server.faults.set([{"kind": "slow", "count": -1, "delay": 0.02, "methods": ["PUT"]}])
    try:
        for i in range(kills):
            with store.write() as session:  # the agents keep working between crashes
                for m in rng.sample(months_back(12, today), 2):
                    add_activity(session, actor, m, rng.randint(1, 3), rng, stops=stops)
            how = _kill_during_sync(db, server, rng, i)
            if restart_in_subprocess:
                done = subprocess.run(_sync_cmd(db), env=_env(server), cwd=ROOT, capture_output=True, text=True,
                                      timeout=120)
                assert done.returncode == 0, (how, done.stdout, done.stderr)
            else:  # the test process plays the restarted app (saves a Python start-up per kill)
                transport = HttpTransport(server.url, TOKEN, timeout=5)
                try:
                    result = sync_structure(store, bus.id, transport)
                finally:
                    transport.close()
                assert result.status == "a_jour", (how, result)
            assert _integrity(db) == "ok", how
            assert_server_matches(store, server, bus.id, bus.matricule)
    finally:
        store.close()


def test_sigkill_during_sync_then_restart_converges_fast_variant(tmp_path, server, frozen_clock):
    _crash_loop(tmp_path, server, frozen_clock.today(), kills=10, seed=1, restart_in_subprocess=False)


@pytest.mark.slow
def test_sigkill_during_sync_then_restart_converges_50_kills(tmp_path, server, frozen_clock):
    _crash_loop(tmp_path, server, frozen_clock.today(), kills=50, seed=2)
