"""PostgreSQL for the test suite: one throwaway cluster per session, one fresh database per test.

- `pg_cluster` (session): Debian's binaries (scripts/bootstrap.sh installs `postgresql`), a temp
  folder, a free port on 127.0.0.1, run as the `postgres` system user when the tests run as root.
  Skips, saying why, only when the binaries or psycopg are truly absent.
- `pg_site` (session): a template database prepared as `guichet site init` does (owner and app
  roles, schema at head, privileges, reference catalogue loaded).
- `pg_url`: a new database cloned from the template (CREATE DATABASE … TEMPLATE: ~0.1 s), as
  the application role, the role the desks use.
- `store` below is the parametrised store fixture: a test module or conftest that imports it runs
  every test on a SQLite file *and* on a PostgreSQL site store.
"""

from __future__ import annotations

import itertools
import os
import sys

import pytest

from tests import pgcluster

TEMPLATE = "guichet_modele"
OWNER, APP = "guichet_owner", "guichet_app"
_counter = itertools.count(1)


def _skip_reason() -> str | None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg n'est pas installé (pip install 'psycopg[binary]')"
    if pgcluster.find_bin_dir() is None:
        return "binaires PostgreSQL absents (apt-get install postgresql ; scripts/bootstrap.sh le fait)"
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "utilisateur système « postgres » absent (créé par le paquet Debian postgresql)"
    return None


@pytest.fixture(scope="session")
def pg_cluster():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    cluster = pgcluster.Cluster(pgcluster.find_bin_dir())
    cluster.init()
    cluster.start()
    yield cluster
    cluster.stop("immediate")
    cluster.remove()


@pytest.fixture(scope="session")
def pg_site(pg_cluster, tmp_path_factory):
    """The template database, prepared like a real site (app/store/site_admin.py)."""
    from app.core.bootstrap import open_app_store
    from app.store import site_admin

    roles = site_admin.SiteRoles.for_database(TEMPLATE, owner=OWNER, app=APP)
    site_admin.prepare(pg_cluster.url(), roles)
    store = open_app_store(site_admin.app_url(pg_cluster.url(), roles),
                           anchor=tmp_path_factory.mktemp("pg-anchor") / "modele.site")
    store.close()
    return roles


def new_database(cluster, name: str | None = None) -> str:
    """A fresh site database cloned from the template; returns its name."""
    import psycopg

    name = name or f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(cluster.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE} OWNER {OWNER}')
    return name


WORK = "guichet_essai"


@pytest.fixture(scope="session")
def pg_work(pg_cluster, pg_site):
    """One working database for the whole session, emptied back to the template's contents before
    each test (TRUNCATE with triggers off, as the superuser): 30 ms where CREATE DATABASE … TEMPLATE
    takes 0.3 s. The template's rows (catalogue, settings) are kept in a schema the app role cannot see."""
    import psycopg

    new_database(pg_cluster, WORK)
    conn = psycopg.connect(pg_cluster.url(WORK).replace("+psycopg", ""), autocommit=True)
    tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                         "AND tablename <> 'alembic_version'")]
    kept = [t for t in tables if conn.execute(f'SELECT EXISTS (SELECT 1 FROM public."{t}")').fetchone()[0]]
    conn.execute("CREATE SCHEMA gabarit")
    for table in kept:
        conn.execute(f'CREATE TABLE gabarit."{table}" AS SELECT * FROM public."{table}"')
    reset = ("SET session_replication_role = replica; "
             f"TRUNCATE {', '.join(f'public.{chr(34)}{t}{chr(34)}' for t in tables)} RESTART IDENTITY; "
             + "".join(f'INSERT INTO public."{t}" SELECT * FROM gabarit."{t}"; ' for t in kept)
             + "RESET session_replication_role")
    yield conn, reset
    conn.close()


@pytest.fixture
def pg_url(pg_cluster, pg_work):
    """URL of a site database holding only what `guichet site init` puts there, as the application role."""
    conn, reset = pg_work
    conn.execute(reset)
    return pg_cluster.url(WORK, user=APP)


@pytest.fixture
def pg_admin_url(pg_cluster):
    return pg_cluster.url()


def open_site(url, tmp_path):
    from app.core.bootstrap import open_app_store

    return open_app_store(url, anchor=tmp_path / "site-anchor" / "site.site")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def store(request, tmp_path):
    """The store fixture on both back ends (import it into a test module or conftest)."""
    from app.core.bootstrap import open_app_store

    if request.param == "sqlite":
        s = open_app_store(tmp_path / "guichet.db")
    else:
        s = open_site(request.getfixturevalue("pg_url"), tmp_path)
    yield s
    if "app.ui.workers" in sys.modules:
        sys.modules["app.ui.workers"].drain()
    s.close()


def backend(store) -> str:
    return "postgresql" if store.engine.dialect.name == "postgresql" else "sqlite"


# --- raw SQL beside the app, for the journal's tests -----------------------------------------------

class RawConnection:
    """A DB-API connection straight to the store (sqlite3 on a file, psycopg on a site database),
    autocommitting, with `?` placeholders on both."""

    def __init__(self, conn, postgresql: bool):
        self.conn, self.postgresql = conn, postgresql

    def execute(self, sql: str, params=()):
        if self.postgresql:
            return self.conn.execute(sql.replace("?", "%s"), params)
        return self.conn.execute(sql, params)

    def close(self) -> None:
        self.conn.close()


def raw_connection(store, role: str = "app") -> RawConnection:
    """role: "app" (the desks' role on a site store), "owner" (migrations), "superuser" (the server's
    administrator, with triggers switched off: what only a DBA can do). SQLite: the file itself."""
    if backend(store) == "sqlite":
        from app.store.engine import raw_connect

        conn = raw_connect(store.path)
        conn.isolation_level = None
        return RawConnection(conn, False)
    import psycopg

    url = store.engine.url.set(drivername="postgresql")
    if role != "app":
        url = url.set(username="postgres")
    conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    if role == "owner":
        conn.execute(f"SET ROLE {OWNER}")
    elif role == "superuser":
        conn.execute("SET session_replication_role = replica")  # no triggers: a DBA's power
    return RawConnection(conn, True)


def refused_errors(store) -> tuple:
    """What a refused statement raises on that back end (trigger or missing privilege)."""
    if backend(store) == "sqlite":
        import sqlite3

        return (sqlite3.IntegrityError,)
    import psycopg

    return (psycopg.Error,)


def sqlstate(exc) -> str:
    return getattr(exc, "sqlstate", None) or ""
