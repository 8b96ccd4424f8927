"""The desks' database password: refused plainly when missing, kept in the OS keyring by
`guichet site mot-de-passe`, then used by the store, the live listener and the backups."""

from __future__ import annotations

import io

import pytest

from app.cli import main
from app.models.errors import StoreError
from app.store import site_admin
from app.store.site_listener import SiteListener
from tests import pgcluster
from tests.pg import open_site

pytestmark = pytest.mark.postgresql


@pytest.fixture
def password_server(pg_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent.pgpass"))  # no ~/.pgpass of this machine
    monkeypatch.delenv("PGPASSWORD", raising=False)
    cluster = pgcluster.Cluster(pg_cluster.bin_dir)
    cluster.init(host_auth="scram-sha-256")
    cluster.start()
    roles = site_admin.SiteRoles.for_database("avec_mdp")
    site_admin.prepare(cluster.socket_url(), roles, app_password="Mot-de-passe-du-site-7")
    yield cluster, cluster.url("avec_mdp", user=roles.app)
    cluster.stop("immediate")
    cluster.remove()


def test_the_password_goes_to_the_keyring_and_every_connection_uses_it(password_server, secure_keyring, tmp_path,
                                                                       monkeypatch, capsys):
    cluster, url = password_server
    with pytest.raises(StoreError) as refused:
        open_site(url, tmp_path)
    assert "a refusé le mot de passe du poste" in str(refused.value)
    monkeypatch.setattr("sys.stdin", io.StringIO("Mot-de-passe-du-site-7\n"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["site", "mot-de-passe", "--db", url]) == 0
    assert "gardé dans le trousseau" in capsys.readouterr().out
    open_site(url, tmp_path).close()
    listener = SiteListener(url, lambda p: None)
    listener.start()
    try:
        assert listener.listening.wait(5)
    finally:
        listener.stop()
    assert main(["site", "sauvegarde", "--db", url, "--dossier", str(tmp_path / "sauv")]) == 0
