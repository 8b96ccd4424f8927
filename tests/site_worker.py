"""One desk of the concurrency test (tests/core/test_site_concurrency.py), run in its own process."""

from __future__ import annotations

import time
from pathlib import Path


def _note(session, actor, case_id, text):
    from app.core import accompaniments

    data = accompaniments.input_for(session, actor, case_id)
    data.version = None  # a change from a list: applied on top of the current state, under the row lock
    data.note = text
    return accompaniments.update_accompaniment(session, actor, case_id, data)


def run(url: str, anchor: str, agent_id: int, shared: list[int], saves: int, new_every: int, tag: str) -> dict:
    """`saves` saves through a Desk: a new visit, or a note on one of the `shared` cases. Returns the
    save times (s) and any error's text."""
    from app.core import accompaniments
    from app.core.accompaniments import AccompanimentInput, ProcedureLine
    from app.core.auth import grant_without_password
    from app.core.bootstrap import open_app_store
    from app.core.desk import Desk

    store = open_app_store(url, anchor=Path(anchor))
    with store.read() as session:
        desk = Desk(store, grant_without_password(session, agent_id))
    times, errors = [], []
    for i in range(saves):
        started = time.perf_counter()
        try:
            if i % new_every:
                desk.op(_note, shared[i % len(shared)], f"{tag}-{i}")
            else:
                desk.open_accompaniment(AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")], note=f"{tag}-{i}"))
        except Exception as exc:  # noqa: BLE001 - counted, shown by the test
            errors.append(f"{type(exc).__name__}: {exc}")
        times.append(time.perf_counter() - started)
    store.close()
    return {"times": times, "errors": errors}
