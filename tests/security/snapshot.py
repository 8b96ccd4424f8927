"""Fingerprint of every table of a store (FTS shadow tables included): a refused call must leave it equal."""

from __future__ import annotations

from sqlalchemy import text


def tables_fingerprint(store_or_session) -> dict[str, int]:
    def take(session):
        if session.get_bind().dialect.name == "postgresql":  # a site store (tests/pg.py): rows in no set order
            names = [r[0] for r in session.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"))]
            return {name: hash(tuple(sorted(tuple(map(repr, r)) for r in session.execute(text(f'SELECT * FROM "{name}"')))))
                    for name in names}
        names = [r[0] for r in session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))]
        return {name: hash(tuple(tuple(r) for r in session.execute(text(f'SELECT * FROM "{name}"'))))
                for name in names}

    if hasattr(store_or_session, "read"):
        with store_or_session.read() as session:
            return take(session)
    return take(store_or_session)
