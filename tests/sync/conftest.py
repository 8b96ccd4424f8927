from __future__ import annotations

import random

import pytest

from app.sync.client import RetryPolicy
from app.sync.server import NationalServer
from app.sync.transport import HttpTransport

TOKEN = "jeton-de-test-123"


@pytest.fixture(autouse=True)
def machine_registry(tmp_path, monkeypatch):
    """This test's "computer": its own machine registry (app/sync/device.py), never the user's."""
    path = tmp_path / "machine" / "appareil.json"
    monkeypatch.setenv("GUICHET_SYNC_REGISTRY", str(path))
    return path


@pytest.fixture
def server(tmp_path):
    srv = NationalServer(tmp_path / "server.db", token=TOKEN, admin=True).start()
    yield srv
    srv.stop()


@pytest.fixture
def transport(server):
    t = HttpTransport(server.url, TOKEN, timeout=2.0)
    yield t
    t.close()


class SleepRecorder:
    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps():
    return SleepRecorder()


@pytest.fixture
def policy(sleeps):
    return RetryPolicy(sleep=sleeps, rng=random.Random(1), base=1.0, cap=60.0)
