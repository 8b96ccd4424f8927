"""Core use cases run on both back ends: a SQLite file and a PostgreSQL site store (tests/pg.py)."""

from tests.pg import store  # noqa: F401
