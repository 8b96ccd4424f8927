"""Live view of a site store: another desk's committed write is heard within 2 s (never a rolled-back
one, never the desk's own); a server that goes away is noticed within 3 s and its return too."""

from __future__ import annotations

import queue
import time

import pytest

from app.core import accompaniments as acc, changes
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.store.site_listener import SiteListener
from tests.desks import desk_for
from tests.pg import open_site

pytestmark = pytest.mark.postgresql


@pytest.fixture
def two_desks(pg_url, tmp_path, site_factory):
    here, there = open_site(pg_url, tmp_path / "a"), open_site(pg_url, tmp_path / "b")
    site = site_factory(here)
    yield here, there, site
    here.close()
    there.close()


@pytest.fixture
def site_factory():
    def make(store):
        from app.core import structures
        from app.core.context import Actor
        from app.models.enums import Role

        with store.write() as s:
            fixed = structures.create_structure(s, "100001", "France services de Testville")
            agent = structures.create_agent(s, fixed.id, "marie", "Marie Curie")
        return Actor(agent.id, fixed.id, Role.AGENT, agent.display_name)
    return make


def _listen(store, heard, statuses=None, interval=0.5):
    url = store.engine.url.render_as_string(hide_password=False)
    listener = SiteListener(url, heard.put, (statuses or queue.Queue()).put, interval=interval)
    listener.start()
    assert listener.listening.wait(5)
    return listener


def test_another_desks_committed_write_is_heard_within_two_seconds(two_desks, monkeypatch):
    here, there, actor = two_desks
    heard = queue.Queue()
    listener = _listen(there, heard)
    listener.origin = "poste-b"  # "there" is a process of its own in real life
    try:
        with pytest.raises(RuntimeError):  # rolled back: nobody hears of it
            with here.write() as s:
                acc.open_accompaniment(s, actor, AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")]))
                raise RuntimeError("annulé")
        desk = desk_for(here, actor)
        started = time.monotonic()
        case = desk.open_accompaniment(AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")])).value.id
        payload = heard.get(timeout=2)
        delay = time.monotonic() - started
        assert payload["accompaniments"] == [case] and "accompaniment" in payload["tables"]
        assert payload["structures"] == [actor.structure_id] and delay < 2
        assert changes.from_payload(payload).touches("accompaniment")
        assert heard.empty()  # the rolled-back write was never announced
    finally:
        listener.stop()


def test_a_desk_does_not_hear_its_own_writes(two_desks):
    here, _there, actor = two_desks
    heard = queue.Queue()
    listener = _listen(here, heard)
    try:
        desk_for(here, actor).open_accompaniment(AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")]))
        time.sleep(1)
        assert heard.empty()
    finally:
        listener.stop()


def test_a_lost_server_is_noticed_within_three_seconds_and_its_return_too(pg_cluster, pg_site, tmp_path):
    from tests import pgcluster

    cluster = pgcluster.Cluster(pg_cluster.bin_dir)
    cluster.init()
    cluster.start()
    statuses = queue.Queue()
    listener = SiteListener(cluster.url(), lambda p: None, statuses.put, interval=1.0)
    listener.start()
    try:
        assert statuses.get(timeout=5) is True
        cluster.stop("immediate")
        started = time.monotonic()
        assert statuses.get(timeout=3) is False
        assert time.monotonic() - started < 3
        cluster.start()
        assert statuses.get(timeout=10) is True
    finally:
        listener.stop()
        cluster.stop("immediate")
        cluster.remove()
