"""Planner statistics survive a close (issue 16): `sqlite_stat1` exists afterwards."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.bootstrap import open_app_store


def test_statistics_are_kept_after_a_close(tmp_path, site, store, actor):
    with store.write() as s:
        for day in range(1, 20):
            open_accompaniment(s, actor, AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")],
                                                            occurred_at=datetime(2026, 10, day, 10, 0)),
                               now=datetime(2026, 10, 20, 12, 0))
    path = store.path
    store.close()
    again = open_app_store(path)  # a second session: its queries are what `optimize` looks at
    with again.read() as s:
        from app.core.cases import list_cases

        list_cases(s, actor)
    again.close()
    conn = sqlite3.connect(path)
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "sqlite_stat1" in tables
        assert conn.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0
    finally:
        conn.close()
