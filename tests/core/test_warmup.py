"""The login-first warm-up compiles the first screen's queries without reading anyone's data."""

from __future__ import annotations

from sqlalchemy import event

from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.warmup import warm_first_screen


def test_warm_up_reads_no_row_of_any_structure(store, desk, frozen_clock):
    desk.open_accompaniment(AccompanimentInput(procedures=[ProcedureLine("CAF", "CAF-PRIME-ACTIVITE")]))
    rows_seen = []

    def after(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and cursor.description:
            rows_seen.append(statement)

    event.listen(store.engine, "after_cursor_execute", after)
    try:
        assert warm_first_screen(store) == 0
    finally:
        event.remove(store.engine, "after_cursor_execute", after)
    assert rows_seen  # the statements did run (compiled and cached)…
    assert desk.today().total == 1  # …while the real structure has a case the warm-up did not see
