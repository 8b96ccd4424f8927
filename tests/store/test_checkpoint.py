"""WAL checkpoints run off the agent's save, and the log stays bounded (app/store/checkpoint.py)."""

from __future__ import annotations

import os
import sqlite3
import time

from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment


def _save(store, actor, note="x" * 480):
    with store.write() as s:
        open_accompaniment(s, actor, AccompanimentInput(procedures=[ProcedureLine("CAF", "CAF-PRIME-ACTIVITE")],
                                                        note=note))


def _wait(predicate, seconds=10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_store_connections_never_checkpoint_inside_a_commit(store):
    with store.connection() as raw:
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_background_thread_checkpoints_after_saves(store, actor):
    cp = store.checkpointer
    cp.soft = 1  # wake at every commit
    _save(store, actor)
    assert _wait(lambda: cp.runs >= 1), "the checkpoint thread never ran"
    assert cp.inline_runs == 0  # the save itself never checkpointed
    # Everything the log held was copied back: a passive checkpoint now has nothing left to do.
    assert _wait(lambda: (lambda r: r[1] == r[2])(cp.checkpoint()))
    # and the data is in the main file: a reader that ignores the -wal sees the case
    with store.connection() as raw:
        assert raw.execute("SELECT count(*) FROM accompaniment").fetchone()[0] >= 1


def test_an_idle_store_is_checkpointed_on_a_timer(store, actor):
    cp = store.checkpointer
    cp.soft, cp.idle = 10**12, 0.05  # never woken by size: only the timer
    _save(store, actor)
    assert _wait(lambda: cp.runs >= 1)


def test_the_wal_cannot_grow_past_the_cap(store, actor):
    """The thread is kept asleep (woken by no size); past the cap the committing thread checkpoints itself, and the
    log is reused from its start instead of growing."""
    cp = store.checkpointer
    cp.soft, cp.idle, cp.hard = 10**12, 3600, 1024 * 1024
    sizes = []
    for _ in range(300):  # ~300 × (note, search row, history, pages) ≫ 256 KiB in total
        _save(store, actor)
        sizes.append(os.path.getsize(f"{store.path}-wal"))
    assert cp.inline_runs >= 1
    assert max(sizes) < cp.hard + 256 * 1024  # the cap plus at most one transaction's pages
    assert min(sizes[sizes.index(max(sizes)):]) <= 1024 * 1024  # started over and cut back (journal_size_limit)


def test_close_stops_the_thread_and_leaves_a_consistent_file(tmp_path, actor, store):
    cp = store.checkpointer
    cp.soft = 1
    _save(store, actor)
    assert _wait(lambda: cp.running)
    store.close()
    assert not cp.running
    assert not os.path.exists(f"{store.path}-wal") or os.path.getsize(f"{store.path}-wal") == 0
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM accompaniment WHERE note LIKE 'xx%'").fetchone()[0] == 1


def test_a_store_dropped_without_close_does_not_keep_its_thread(tmp_path, actor, store):
    import gc
    import weakref

    cp = store.checkpointer
    cp.soft, cp.idle = 1, 0.05
    _save(store, actor)
    assert _wait(lambda: cp.runs >= 1)
    thread = next(t for t in __import__("threading").enumerate() if t.name == "guichet-wal-checkpoint")
    ref = weakref.ref(cp)
    del cp
    store.checkpointer = None  # what dropping the whole store does to it
    gc.collect()
    assert ref() is None
    assert _wait(lambda: not thread.is_alive(), 5)
