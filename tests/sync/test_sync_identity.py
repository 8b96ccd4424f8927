"""Restores and copies never count twice: a restored store sends under the same device id and is
re-aligned with what the service holds; a copied store on another computer is refused before
anything is sent, with a clear message, until a supervisor hands the device over to it."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select

from app.core import backup_service, structures
from app.core.bootstrap import open_app_store
from app.core.context import Actor
from app.models.enums import Role
from app.models.sync import SyncJournal
from app.sync import device
from app.sync.client import RetryPolicy, sync_structure
from app.sync.snapshot import month_key
from app.sync.status import A_JOUR, COPIE
from app.sync.transport import HttpTransport
from tests.sync.conftest import TOKEN
from tests.sync.helpers import REFERENCE_DAY, add_activity, cli_sync, local_counts, months_back

MATRICULE = "100001"


class Desk:
    """One store file on one computer (its own machine registry)."""

    def __init__(self, path: Path, registry: Path, create: bool = True):
        self.path, self.registry = path, registry
        self.store = open_app_store(path)
        if create:
            with self.store.write() as session:
                st = structures.create_structure(session, MATRICULE, "France services de Testville")
                structures.create_agent(session, st.id, "marie", "Marie Curie")
                structures.create_agent(session, st.id, "paul", "Paul Sup", Role.SUPERVISEUR)
        with self.store.read() as session:
            st = structures.structures(session)[0]
            agents = {a.login: a for a in structures.agents(session, st.id)}
        self.structure_id = st.id
        self.agent = Actor(agents["marie"].id, st.id, Role.AGENT)
        self.supervisor = Actor(agents["paul"].id, st.id, Role.SUPERVISEUR)

    def work(self, months, n: int, seed: int) -> None:
        rng = random.Random(seed)
        with self.store.write() as session:
            for m in months:
                add_activity(session, self.agent, m, n, rng)

    def sync(self, server, **kw):
        transport = HttpTransport(server.url, TOKEN, timeout=5)
        try:
            return sync_structure(self.store, self.structure_id, transport, registry=device.Registry(self.registry),
                                  policy=RetryPolicy(sleep=lambda s: None, rng=random.Random(1)), **kw)
        finally:
            transport.close()

    def local(self) -> dict:
        return local_counts(self.store, self.structure_id)

    def identity(self):
        with self.store.read() as session:
            return device.device_identity(session, device.Registry(self.registry))

    def reopen(self) -> None:
        self.store = open_app_store(self.path)

    def close(self) -> None:
        self.store.close()


def national(server) -> dict:
    """The service's national view of the structure: month -> (totals, cube, number of devices)."""
    months = {r[0] for r in server.db.conn.execute("SELECT month FROM snapshot WHERE structure=?", (MATRICULE,))}
    out = {}
    for key in sorted(months):
        view = server.db.structure_month(MATRICULE, key)
        out[key] = {"totals": view["totals"], "cube": view["cube"], "devices": len(view["devices"])}
    return out


def assert_national_equals_local(server, desk) -> None:
    local = desk.local()
    view = national(server)
    assert set(view) <= set(local), "the service holds a month the store does not know"
    for key, counts in local.items():
        held = view.get(key, {"totals": {"accompaniments": 0, "usagers": 0}, "cube": [], "devices": 1})
        assert {"totals": held["totals"], "cube": held["cube"]} == counts, key
        assert held["devices"] == 1, key  # one device per store, never a second history


@pytest.fixture
def computer_a(tmp_path):
    desk = Desk(tmp_path / "poste-a" / "guichet.db", tmp_path / "poste-a" / "registre.json")
    yield desk
    desk.close()


def _copy(src: Path, dst: Path) -> None:
    """A copy of the store file, as one copies it to a USB key (consistent, WAL included)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def test_restore_of_a_backup_made_before_the_first_sync_does_not_double_count(server, computer_a):
    desk = computer_a
    first, second, third, fourth = months_back(4, REFERENCE_DAY)
    desk.work([second, third, fourth], 5, seed=1)
    backup = backup_service.backup_now(desk.store, desk.supervisor).path  # before any sync
    assert desk.sync(server).status == A_JOUR
    device_before = desk.identity().device
    desk.work([first, third], 4, seed=2)  # more work, synced: the service now has more than the backup
    assert desk.sync(server).status == A_JOUR
    assert_national_equals_local(server, desk)
    backup_service.restore(desk.store, desk.supervisor, backup)
    desk.reopen()
    result = desk.sync(server)
    assert result.status == A_JOUR, result.message
    assert desk.identity().device == device_before
    assert sorted(result.realigned) == sorted([month_key(first), month_key(third)])
    assert_national_equals_local(server, desk)
    assert national(server)[month_key(first)]["totals"] == {"accompaniments": 0, "usagers": 0}
    with desk.store.read() as session:
        assert session.exec(select(SyncJournal).where(SyncJournal.kind == "realignement")).first()


def test_restore_after_syncs_is_detected_and_realigned(server, computer_a):
    desk = computer_a
    months = months_back(3, REFERENCE_DAY)
    desk.work(months, 3, seed=3)
    assert desk.sync(server).status == A_JOUR
    backup = backup_service.backup_now(desk.store, desk.supervisor).path
    desk.work(months[1:], 6, seed=4)
    assert desk.sync(server).status == A_JOUR
    backup_service.restore(desk.store, desk.supervisor, backup)
    desk.reopen()
    assert desk.identity().restored  # its counter is behind this computer's
    result = desk.sync(server)
    assert result.status == A_JOUR and sorted(result.realigned) == [month_key(m) for m in months[1:]]
    assert_national_equals_local(server, desk)
    with desk.store.read() as session:
        outcomes = [j.outcome for j in session.exec(select(SyncJournal).where(SyncJournal.kind == "identite"))]
    assert outcomes == ["restauration"]
    assert desk.sync(server).requests == 0  # re-aligned for good


def test_a_copy_on_another_computer_sends_nothing_and_says_why(tmp_path, monkeypatch, capsys, server, computer_a):
    a = computer_a
    months = months_back(2, REFERENCE_DAY)
    a.work(months, 4, seed=5)
    assert a.sync(server).status == A_JOUR
    before = national(server)
    _copy(a.path, tmp_path / "poste-b" / "guichet.db")
    b = Desk(tmp_path / "poste-b" / "guichet.db", tmp_path / "poste-b" / "registre.json", create=False)
    try:
        b.work(months, 7, seed=6)  # the copy goes its own way
        result = b.sync(server)
        assert result.status == COPIE and result.requests == 0
        assert "copie" in result.message and "guichet sync --reprendre" in result.message
        assert national(server) == before  # nothing overwritten, nothing added
        monkeypatch.setenv(device.REGISTRY_ENV, str(b.registry))
        code, out = cli_sync(monkeypatch, capsys, b.store, server.url, TOKEN)
        assert code != 0 and "À jour" not in out and "Bloqué" in out and "autre ordinateur" in out
        a.work(months[:1], 1, seed=7)  # the original goes on as before
        assert a.sync(server).status == A_JOUR
        assert_national_equals_local(server, a)
        # this computer replaces the other one: it takes the device over, the other is refused
        result = b.sync(server, takeover=True)
        assert result.status == A_JOUR, result.message
        assert_national_equals_local(server, b)
        refused = a.sync(server)
        assert refused.status == COPIE and refused.requests == 0
        assert_national_equals_local(server, b)
    finally:
        b.close()


def test_a_copy_made_before_the_first_sync_is_not_a_second_device(tmp_path, server, computer_a):
    a = computer_a
    months = months_back(2, REFERENCE_DAY)
    a.work(months, 3, seed=8)
    _copy(a.path, tmp_path / "poste-b" / "guichet.db")
    b = Desk(tmp_path / "poste-b" / "guichet.db", tmp_path / "poste-b" / "registre.json", create=False)
    try:
        assert a.identity().device == b.identity().device  # same store, same identity, wherever it is
        assert a.identity().machine != b.identity().machine
        assert a.sync(server).status == A_JOUR
        assert b.sync(server).status == COPIE
        assert_national_equals_local(server, a)
    finally:
        b.close()


def test_a_store_created_anew_is_a_new_device_and_both_are_summed(tmp_path, server, computer_a):
    other = Desk(tmp_path / "poste-c" / "guichet.db", tmp_path / "poste-c" / "registre.json")
    try:
        assert other.identity().device != computer_a.identity().device
        m = months_back(1, REFERENCE_DAY)
        computer_a.work(m, 2, seed=9)
        other.work(m, 3, seed=10)
        assert computer_a.sync(server).status == A_JOUR and other.sync(server).status == A_JOUR
        view = server.db.structure_month(MATRICULE, month_key(m[0]))
        assert len(view["devices"]) == 2
        assert view["totals"]["accompaniments"] == sum(
            d.local()[month_key(m[0])]["totals"]["accompaniments"] for d in (computer_a, other))
    finally:
        other.close()


def test_the_identity_lives_outside_the_store_file(computer_a):
    desk = computer_a
    ident = desk.identity()
    assert len(ident.device) == 32 and len(ident.machine) == 32 and ident.sequence == 0
    raw = desk.path.read_bytes()
    assert ident.machine.encode() not in raw  # the machine id never enters the store (nor its backups)
    with desk.store.write() as session:
        claimed = device.claim(session, device.Registry(desk.registry))
    assert claimed.device == ident.device
    assert device.Registry(desk.registry).entry(ident.store_id)["device"] == ident.device
