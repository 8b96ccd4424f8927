"""Preparing a site database from an administrator connection (`guichet site init`).

Roles (one pair per site database, names derived from it unless given):
- owner (`<db>_proprietaire`, NOLOGIN): owns the schema and every table; migrations run as this role
  (the administrator's connection does `SET ROLE`), so no password of it exists anywhere;
- application (`<db>_app`, LOGIN): what the desks connect with; reads and writes cases, never
  changes the schema, and cannot UPDATE, DELETE or TRUNCATE the journal (app/store/journal_pg.py).
Idempotent: run again after an upgrade of Guichet, it migrates and re-grants (new tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from app.models.errors import StoreError
from app.store import journal_pg
from app.store.site_store import normalise_url

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


@dataclass(frozen=True)
class SiteRoles:
    database: str
    owner: str
    app: str

    @classmethod
    def for_database(cls, database: str, owner: str | None = None, app: str | None = None) -> "SiteRoles":
        roles = cls(database, owner or f"{database}_proprietaire", app or f"{database}_app")
        for value in (roles.database, roles.owner, roles.app):
            if not _NAME.match(value):
                raise StoreError("Nom invalide : « {name} » (minuscules, chiffres et _ seulement).", name=value)
        return roles


def _q(name: str) -> str:
    return f'"{name}"'


def _admin_engine(admin_url: str, database: str | None = None) -> Engine:
    url = make_url(normalise_url(admin_url))
    if database:
        url = url.set(database=database)
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


def owner_engine(admin_url: str, roles: SiteRoles) -> Engine:
    """The administrator's connection to the site database, acting as the owner role."""
    engine = create_engine(make_url(normalise_url(admin_url)).set(database=roles.database),
                           connect_args={"connect_timeout": 5})

    @event.listens_for(engine, "connect")
    def _as_owner(dbapi_conn, record):
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET ROLE {_q(roles.owner)}")
        dbapi_conn.commit()

    return engine


def create_roles_and_database(admin_url: str, roles: SiteRoles, app_password: str | None = None) -> bool:
    """True when the app role was created now (and given `app_password`)."""
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as conn:
            existing = {r[0] for r in conn.exec_driver_sql("SELECT rolname FROM pg_roles")}
            if roles.owner not in existing:
                conn.exec_driver_sql(f"CREATE ROLE {_q(roles.owner)} NOLOGIN")
            created = roles.app not in existing
            if created:
                conn.exec_driver_sql(f"CREATE ROLE {_q(roles.app)} LOGIN")
            if app_password and created:  # run again, init never changes the desks' password
                from psycopg import sql  # a utility statement takes no bound parameter: quoted client-side

                raw = conn.connection.driver_connection
                raw.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(roles.app),
                                                                        sql.Literal(app_password)))
            me = conn.exec_driver_sql("SELECT current_user").scalar()
            conn.exec_driver_sql(f"GRANT {_q(roles.owner)} TO {_q(me)}")  # may SET ROLE to it
            found = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %(d)s",
                                         {"d": roles.database}).scalar()
            if not found:
                conn.exec_driver_sql(f"CREATE DATABASE {_q(roles.database)} OWNER {_q(roles.owner)} "
                                     "ENCODING 'UTF8' TEMPLATE template0")
            conn.exec_driver_sql(f"REVOKE ALL ON DATABASE {_q(roles.database)} FROM PUBLIC")
            conn.exec_driver_sql(f"GRANT CONNECT, TEMPORARY ON DATABASE {_q(roles.database)} TO {_q(roles.app)}")
    finally:
        engine.dispose()
    engine = _admin_engine(admin_url, roles.database)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"ALTER SCHEMA public OWNER TO {_q(roles.owner)}")
            conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    finally:
        engine.dispose()
    return created


def migrate_and_grant(admin_url: str, roles: SiteRoles) -> None:
    """Alembic upgrade as the owner, then the app role's privileges (journal excepted)."""
    from app.store import migrate

    engine = owner_engine(admin_url, roles)
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            for statement in journal_pg.grant_statements(roles.app):
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def admin_url_for(admin_url: str, roles: SiteRoles) -> str:
    """The administrator's connection, to the site database."""
    return make_url(normalise_url(admin_url)).set(database=roles.database).render_as_string(hide_password=False)


def app_url(admin_url: str, roles: SiteRoles, password: str | None = None) -> str:
    """The URL a desk connects with (no password in it unless given: libpq's ~/.pgpass or the keyring)."""
    url = make_url(normalise_url(admin_url)).set(database=roles.database, username=roles.app, password=password)
    return url.render_as_string(hide_password=False)


def prepare(admin_url: str, roles: SiteRoles, app_password: str | None = None) -> bool:
    """Roles, database, schema, privileges: everything but the first administrator. True when the
    app role was created now (with `app_password`); an existing one keeps its password."""
    created = create_roles_and_database(admin_url, roles, app_password)
    migrate_and_grant(admin_url, roles)
    return created
