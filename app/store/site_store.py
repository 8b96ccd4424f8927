"""A site store: one PostgreSQL database shared by every desk of a France services site.

Same Store interface as a desk's SQLite file (app/store/engine.py): `read()`, `write()`, hooks,
`close()`; the same SQLModel tables and the same Alembic revisions (dialect differences live in
app/store/dialects.py, search_pg.py and journal_pg.py). Settings and why:
- psycopg 3, READ COMMITTED (PostgreSQL's default): lost updates on cases are caught by their
  version column (app/core/concurrency.py), serialization failures and deadlocks are retried by
  the Desk; a stricter level would only turn more ordinary saves into retries;
- `pool_pre_ping`: a desk whose server restarted gets a fresh connection, not an error;
- `connect_timeout` 3 s: a desk notices an unreachable server quickly;
- the desks connect with the application role, which cannot change the schema: migrations run
  under the owner role (`guichet site init`, app/store/site_admin.py).
The journal's HMAC chain uses the public plain-store key on a site store: what protects it there is
the server (privileges and triggers, app/store/journal_pg.py); see docs/site-store.md.
The head of the journal is pinned on each desk, in a file of the user's data folder named after
the server and database (`Store.path` of a site store points there), so a desk sees a journal cut
short or a database swapped for an older dump, as it does for its own file.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from app.models.errors import StoreError
from app.store import crypto
from app.store.engine import JOURNAL_KEY_INFO, Store

SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")
UNREACHABLE = "Serveur du site injoignable"


def is_site_url(value) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith(SCHEMES)


def normalise_url(url: str) -> str:
    """SQLAlchemy URL with the psycopg 3 driver, whatever scheme the user typed."""
    url = url.strip()
    for scheme in SCHEMES:
        if url.lower().startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    raise StoreError("Adresse de serveur de site invalide : {url}", url=redact(url))


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def anchor_path(url: str) -> Path:
    """Local file standing for the site store in per-desk files (journal pin): one per server+database."""
    from app.store.paths import data_dir

    u = make_url(normalise_url(url))
    ident = f"{u.host or 'local'}-{u.port or 5432}-{u.database}"
    digest = hashlib.sha256(ident.encode()).hexdigest()[:8]
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", ident)
    return data_dir() / "sites" / f"{safe}-{digest}.site"


ANCHOR_INFO = "guichet_anchor_path"  # Connection.info: the desk-local file standing for the site store


def keyring_entry(url: str) -> str:
    """Name of the OS keyring entry holding the desks' database password for this site."""
    u = make_url(normalise_url(url))
    return f"site-db:{u.username}@{u.host or 'local'}:{u.port or 5432}/{u.database}"


def keyring_password(url: str) -> str | None:
    """The database password from the OS keyring, when the address carries none and the keyring is
    secure (else libpq's own ways apply: ~/.pgpass, PGPASSWORD)."""
    if make_url(normalise_url(url)).password is not None:
        return None
    from app.store import secrets

    try:
        return secrets.get_secret(keyring_entry(url)) if secrets.is_secure_backend() else None
    except Exception:  # noqa: BLE001 - a locked keyring: libpq's ways remain
        return None


def make_site_engine(url: str, anchor: Path | None = None, connect_timeout: int = 3, role: str | None = None) -> Engine:
    """`role`: act as that role after connecting (`SET ROLE`): the administrator's own connection
    working as the desks' role (`guichet site init` on a server whose local logins are by peer)."""
    anchor = str(anchor or anchor_path(url))
    args = {"connect_timeout": connect_timeout, "application_name": "guichet"}
    password = keyring_password(url)
    if password:
        args["password"] = password
    engine = create_engine(normalise_url(url), pool_pre_ping=True, pool_size=3, max_overflow=5,
                           isolation_level="READ COMMITTED", connect_args=args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record):
        record.info[JOURNAL_KEY_INFO] = crypto.PLAIN_JOURNAL_KEY
        record.info[ANCHOR_INFO] = anchor
        if role:
            with dbapi_conn.cursor() as cur:
                cur.execute(f'SET ROLE "{role}"')
            dbapi_conn.commit()

    return engine


class SiteStore(Store):
    """A Store on a PostgreSQL server. `path` is the desk-local anchor file (see module docstring)."""

    kind = "site"

    def __init__(self, url: str, engine: Engine, path: Path):
        super().__init__(path, engine)
        self.url = redact(url)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # the pin is then not written (logged); the store itself works
            pass

    def __repr__(self) -> str:
        return f"SiteStore({self.url})"

    @property
    def location(self) -> str:
        return self.url

    @contextmanager
    def write(self) -> Iterator:
        """A transaction, as Store.write; errors mapped for a server: unreachable → one French message
        (nothing was written: PostgreSQL never commits half a transaction); serialization failures
        and deadlocks go up as they are, for Desk.op to run the operation again."""
        from sqlmodel import Session

        with Session(self._write_engine, expire_on_commit=False) as session:
            for hook in self.write_hooks:
                hook(session)
            try:
                yield session
                session.commit()
            except DBAPIError as exc:
                _safe_rollback(session)
                if is_connection_error(exc):
                    raise StoreError("Serveur du site injoignable : l'enregistrement n'a pas été fait (rien n'a été "
                                     "écrit). Réessayez dès le retour du serveur ; ce que vous avez saisi est "
                                     "conservé.") from exc
                raise
            except BaseException:
                _safe_rollback(session)
                raise

    def quick_check(self) -> str:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return "ok"

    def open_copy(self, path, read_only: bool = False):
        raise StoreError("Les sauvegardes d'une base de site se font sur le serveur (pg_dump) : voir docs/site-store.md.")

    def close(self) -> None:
        self.engine.dispose()


def _safe_rollback(session) -> None:
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone: nothing to roll back on this side
        pass


def is_connection_error(exc: BaseException) -> bool:
    """The server is unreachable or went away (as opposed to a refused statement)."""
    orig = getattr(exc, "orig", exc)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    state = getattr(orig, "sqlstate", None) or ""
    return state.startswith("08") or state in ("57P01", "57P02", "57P03") or (
        not state and type(orig).__name__ == "OperationalError")


def open_site_store(url: str, *, migrate: bool = True, anchor: Path | None = None,
                    role: str | None = None) -> SiteStore:
    """Connect to a site database; migrate it if this role may (the owner role), otherwise require it
    to be at the latest revision already. `anchor`: the desk-local pin file (default: user data
    folder). Raises StoreError in French."""
    from app.store import migrate as migrations

    anchor = Path(anchor) if anchor else anchor_path(url)
    engine = make_site_engine(url, anchor, role=role)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        if not migrations.is_up_to_date(engine):
            if not migrate or not _may_migrate(engine):
                raise StoreError("La base du site {url} n'est pas à jour pour cette version de Guichet : un "
                                 "administrateur doit lancer « guichet site init » sur le serveur.", url=redact(url))
            migrations.upgrade(engine)
    except StoreError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        raise connection_error(exc, url) from None
    return SiteStore(url, engine, anchor)


def connection_error(exc: BaseException, url: str) -> StoreError:
    """What a desk shows when it cannot open the site store, in French."""
    detail = str(getattr(exc, "orig", exc)).strip()
    low = detail.lower()
    if "certificate verify failed" in low or "certificate" in low and "match" in low:
        return StoreError("Le certificat du serveur du site n'est pas reconnu ({url}) : connexion refusée, rien n'a "
                          "été envoyé. Vérifiez que ce poste a le certificat de l'autorité du site (sslrootcert) et "
                          "que l'adresse du serveur est celle du certificat.", url=redact(url))
    if "password authentication failed" in low or "no password supplied" in low:
        return StoreError("Le serveur du site a refusé le mot de passe du poste ({url}) : enregistrez-le avec "
                          "« guichet site mot-de-passe » (ou dans ~/.pgpass).",
                          url=redact(url))
    if "does not exist" in low and "database" in low:
        return StoreError("La base du site n'existe pas sur ce serveur ({url}) : lancez « guichet site init ».",
                          url=redact(url))
    first = detail.splitlines()[0] if detail else ""
    return StoreError("Serveur du site injoignable ({url}) : {detail}", url=redact(url), detail=first)


def _may_migrate(engine: Engine) -> bool:
    """True when the connected role may create tables in the schema (owner), not for the app role."""
    with engine.connect() as conn:
        return bool(conn.exec_driver_sql("SELECT has_schema_privilege('public', 'CREATE')").scalar())
