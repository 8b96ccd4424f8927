"""The site server stops in the middle of a desk's work: nothing half-written, a clear message,
and the desk carries on by itself once the server is back (pool_pre_ping, app/store/site_store.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.core import accompaniments as acc, structures
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.context import Actor
from app.models.enums import Role
from app.models.errors import StoreError
from app.store import site_admin
from tests import pgcluster
from tests.pg import open_site

pytestmark = pytest.mark.postgresql


@pytest.fixture
def own_server(pg_cluster, pg_site):
    """A server of its own (the shared one must not be stopped)."""
    cluster = pgcluster.Cluster(pg_cluster.bin_dir)
    cluster.init()
    # a commit is written before it is acknowledged, as on a real server (the shared test server skips it)
    cluster.extra_options = "-c synchronous_commit=on"
    cluster.start()
    roles = site_admin.SiteRoles.for_database("panne")
    site_admin.prepare(cluster.url(), roles)
    yield cluster, cluster.url("panne", user=roles.app)
    cluster.stop("immediate")
    cluster.remove()


def _visit(session, actor, note):
    return acc.open_accompaniment(session, actor, AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")], note=note))


def test_a_save_while_the_server_is_down_writes_nothing_and_the_next_one_works(own_server, tmp_path):
    cluster, url = own_server
    store = open_site(url, tmp_path)
    try:
        with store.write() as s:
            fixed = structures.create_structure(s, "100001", "France services de Testville")
            agent = structures.create_agent(s, fixed.id, "marie", "Marie Curie")
        actor = Actor(agent.id, fixed.id, Role.AGENT, agent.display_name)
        with store.write() as s:
            _visit(s, actor, "avant la panne")
        with pytest.raises(StoreError) as lost:
            with store.write() as s:
                _visit(s, actor, "pendant la panne")
                cluster.stop("immediate")  # the server goes before the commit
                s.flush()
                s.execute(text("SELECT 1"))
        assert str(lost.value).startswith("Serveur du site injoignable")
        assert "rien n'a été écrit" in str(lost.value)
        cluster.start()
        with store.write() as s:  # no restart of the desk: a fresh connection is taken
            _visit(s, actor, "après la panne")
        with store.read() as s:
            notes = s.execute(text("SELECT note FROM accompaniment ORDER BY id")).scalars().all()
        assert notes == ["avant la panne", "après la panne"]
    finally:
        store.close()
