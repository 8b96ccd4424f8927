"""Crash test: a real `guichet sync` process is SIGKILLed at random points of its sync (named points
around the request, and random wall-clock times once sending has started), restarted, and synced
again: the server's totals equal the local ones every time and the store passes integrity_check.

The killed child runs `python -m tests.plugins.sync_crash POINT:N <guichet args>`, which makes the
product's no-op `fault_point` deadly in that process only. The token reaches every child through
the real keyring path: a test-only file keyring (tests/store/file_keyring.py) shared by file."""

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
from sqlmodel import select

from app.core import structures
from app.core.bootstrap import open_app_store
from app.core.context import Actor
from app.store.secrets import SERVICE
from app.models.sync import SyncJournal
from app.sync.client import FAULT_POINTS, sync_structure
from app.sync.settings import TOKEN_NAME, URL_KEY
from app.sync.transport import HttpTransport
from tests.store.file_keyring import ENV as KEYRING_FILE_ENV, FileKeyring
from tests.sync.conftest import TOKEN
from tests.sync.helpers import REFERENCE_DAY, add_activity, assert_server_matches, months_back

ROOT = Path(__file__).resolve().parents[2]


def _sync_cmd(db: Path, crash: str | None = None) -> list[str]:
    runner = ["-m", "tests.plugins.sync_crash", crash] if crash else ["-m", "app"]
    return [sys.executable, *runner, "--db", str(db), "sync", "--delai", "5"]


def _env(keyring_file: Path) -> dict:
    """The children's environment: a keyring holding the token, nothing else of the test's."""
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHON_KEYRING_BACKEND="tests.store.file_keyring.FileKeyring",
                **{KEYRING_FILE_ENV: str(keyring_file)})


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


def _kill_during_sync(db: Path, env: dict, rng: random.Random, i: int) -> str:
    """Start `guichet sync`, kill it; returns how (for the failure message)."""
    if i % 2 == 0:  # named point: n-th hit of a point inside the send loop (self-SIGKILL)
        how = f"{rng.choice(FAULT_POINTS)}:{rng.randint(1, 6)}"
        proc = subprocess.run(_sync_cmd(db, how), env=env, cwd=ROOT, capture_output=True, timeout=120)
        return f"point {how} rc={proc.returncode}"
    proc = subprocess.Popen(_sync_cmd(db), env=env, cwd=ROOT, stdout=subprocess.PIPE,
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
    keyring_file = tmp_path / "keyring.json"
    FileKeyring(keyring_file).set_password(SERVICE, TOKEN_NAME, TOKEN)
    env = _env(keyring_file)
    # every request takes a little while, so random kills land mid-sync
    server.faults.set([{"kind": "slow", "count": -1, "delay": 0.02, "methods": ["PUT"]}])
    try:
        for i in range(kills):
            with store.write() as session:  # the agents keep working between crashes
                for m in rng.sample(months_back(12, today), 2):
                    add_activity(session, actor, m, rng.randint(1, 3), rng, stops=stops)
            how = _kill_during_sync(db, env, rng, i)
            if restart_in_subprocess:
                done = subprocess.run(_sync_cmd(db), env=env, cwd=ROOT, capture_output=True, text=True,
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


# The child `guichet sync` runs on the real clock: so does this test (REFERENCE_DAY is in the past),
# or the child would see the parent's frozen timestamps as a clock skew.
def test_sigkill_during_sync_then_restart_converges_fast_variant(tmp_path, server):
    _crash_loop(tmp_path, server, REFERENCE_DAY, kills=10, seed=1, restart_in_subprocess=False)


@pytest.mark.slow
def test_sigkill_during_sync_then_restart_converges_50_kills(tmp_path, server):
    _crash_loop(tmp_path, server, REFERENCE_DAY, kills=50, seed=2)


def test_a_named_fault_point_kills_the_child_there_and_the_plain_command_recovers(tmp_path, server):
    """The crash switch exists only in tests/plugins: with it the child dies right after its first
    request (an attempt left "en cours"); the plain command then closes it and converges."""
    db = tmp_path / "bus.db"
    store, bus, actor, stops = _bus_store(db, server, random.Random(3), REFERENCE_DAY)
    keyring_file = tmp_path / "keyring.json"
    FileKeyring(keyring_file).set_password(SERVICE, TOKEN_NAME, TOKEN)
    env = _env(keyring_file)
    try:
        killed = subprocess.run(_sync_cmd(db, "after_send:1"), env=env, cwd=ROOT, capture_output=True, timeout=120)
        assert killed.returncode == -signal.SIGKILL
        with store.read() as session:
            assert [row.outcome for row in session.exec(select(SyncJournal))] == ["en_cours"]
        done = subprocess.run(_sync_cmd(db), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        with store.read() as session:
            assert session.exec(select(SyncJournal)).first().outcome == "interrompu"
        assert_server_matches(store, server, bus.id, bus.matricule)
    finally:
        store.close()
