"""scripts/site-server-debian.sh (steps tls and init) against the test cluster, then TLS for real:
a server started with the script's certificate, a desk with the site CA in verify-full mode, and a
desk with another CA refused with a clear message."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.models.errors import StoreError
from tests import pgcluster
from tests.pg import open_site

pytestmark = pytest.mark.postgresql
ROOT = Path(__file__).resolve().parents[2]


def _script(env: dict, steps: str) -> subprocess.CompletedProcess:
    full = {**os.environ, **env, "STEPS": steps, "GUICHET": f"{sys.executable} -m app",
            "PYTHONPATH": str(ROOT)}
    return subprocess.run(["bash", str(ROOT / "scripts" / "site-server-debian.sh")], env=full, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl absent")
    folder = tmp_path_factory.mktemp("tls")
    done = _script({"CERT_DIR": str(folder / "site"), "SERVER_NAME": "localhost"}, "tls")
    assert done.returncode == 0, done.stderr
    other = _script({"CERT_DIR": str(folder / "autre"), "SERVER_NAME": "localhost"}, "tls")  # another site's CA
    assert other.returncode == 0, other.stderr
    return folder


def test_the_script_prepares_the_site_database(pg_cluster, tmp_path, certs):
    done = _script({"ADMIN_URL": pg_cluster.url(), "BASE": "site_script", "STRUCTURE_MATRICULE": "100001",
                    "STRUCTURE_NOM": "France services de Testville", "ADMIN_PASSWORD": "Correct-cheval-9-batterie",
                    "SERVER_NAME": "localhost", "CERT_DIR": str(certs / "site")}, "tls init")
    assert done.returncode == 0, done.stderr
    assert "Premier administrateur « admin » créé" in done.stdout and "sslmode=verify-full" in done.stdout
    assert (certs / "site" / "site-ca.crt").exists() and (certs / "site" / "server.key").stat().st_mode & 0o077 == 0
    store = open_site(pg_cluster.url("site_script", user="site_script_app"), tmp_path)
    store.close()


def test_verify_full_with_the_site_ca_connects_and_another_ca_is_refused_clearly(pg_cluster, pg_site, certs,
                                                                               tmp_path):
    cluster = pgcluster.Cluster(pg_cluster.bin_dir)
    cluster.init()
    site_dir = certs / "site"
    for name in ("server.crt", "server.key"):  # the server reads them as its own user
        shutil.copy(site_dir / name, cluster.root / name)
        if os.geteuid() == 0:
            shutil.chown(cluster.root / name, "postgres", "postgres")
    os.chmod(cluster.root / "server.key", 0o600)
    cluster.extra_options = (f"-c ssl=on -c ssl_cert_file={cluster.root / 'server.crt'} "
                             f"-c ssl_key_file={cluster.root / 'server.key'}")
    cluster.start()
    try:
        base = f"postgresql://postgres@localhost:{cluster.port}/postgres?sslmode=verify-full&sslrootcert="
        from app.store.site_store import make_site_engine

        engine = make_site_engine(base + str(site_dir / "site-ca.crt"), tmp_path / "a.site")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar() is True
        engine.dispose()
        with pytest.raises(StoreError) as refused:
            open_site(base + str(certs / "autre" / "site-ca.crt"), tmp_path)
        assert "certificat du serveur du site n'est pas reconnu" in str(refused.value)
        assert "sslrootcert" in str(refused.value)
    finally:
        cluster.stop("immediate")
        cluster.remove()
