"""WAL checkpoints off the agent's path.

SQLite's default copies the write-ahead log back into the database file from inside the commit
that crosses 1,000 pages (`wal_autocheckpoint`): that save pays for writing and fsyncing many
pages, which was the save p99 (63 ms at a million rows, 1.5 % of saves over 20 ms). The store's
connections turn that off (`PRAGMA wal_autocheckpoint=0`, app/store/engine.py) and this thread
does the work instead:

- after each commit the writer only looks at the -wal file's size (one `stat`); past
  `SOFT_BYTES` it wakes the thread, which runs a PASSIVE checkpoint on its own connection (it
  never waits for readers or the writer, so a save never waits for it either);
- when idle, the thread also checkpoints every `IDLE_SECONDS` if anything was committed since;
- the cap: past `HARD_BYTES` (the thread fell behind, or readers kept it from finishing), the
  committing thread checkpoints itself, so the log cannot grow without bound. Once a checkpoint
  has copied every frame, SQLite starts the log over from its beginning and `journal_size_limit`
  truncates the file back.

Durability is unchanged: a commit is durable once in the WAL (`synchronous=FULL`); a checkpoint
only moves pages already safe.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from pathlib import Path

log = logging.getLogger(__name__)

SOFT_BYTES = 4 * 1024 * 1024     # ~1,000 pages: SQLite's own threshold, now handled off the save
HARD_BYTES = 64 * 1024 * 1024    # the writer checkpoints itself past this (the cap)
IDLE_SECONDS = 5.0
# PRAGMA journal_size_limit: once a checkpoint has copied every frame, the next write starts the log
# over and cuts the file to this size. Below SOFT_BYTES, so that the file's size says how much was
# written since that restart (the file is reused, not shrunk, and its size alone would stay high).
JOURNAL_SIZE_LIMIT = 1024 * 1024


class Checkpointer:
    """One background thread per open (writable) store. Started at the first commit, stopped by
    `Store.close()`. `runs` counts checkpoints done (tests and the benchmark read it)."""

    def __init__(self, engine, path: Path, *, soft: int = SOFT_BYTES, hard: int = HARD_BYTES,
                 idle: float = IDLE_SECONDS):
        self.engine, self.wal = engine, Path(f"{path}-wal")
        self.soft, self.hard, self.idle = soft, hard, idle
        self.runs = self.inline_runs = 0
        self.pending = 0  # commits since the last checkpoint
        self._wake = threading.Event()
        self._stop = False
        self._lock = threading.Lock()  # one checkpoint at a time (thread or the cap)
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wal_bytes(self) -> int:
        try:
            return os.stat(self.wal).st_size
        except OSError:
            return 0

    def after_commit(self) -> None:
        """Called by the writer after each commit: cheap unless the cap is reached."""
        if self._stop:
            return
        self.pending += 1
        if self._thread is None:
            self._start()
        size = self.wal_bytes()
        if size >= self.hard:
            self.checkpoint(inline=True)
        elif size > self.soft:
            self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop:
                # The thread holds the checkpointer weakly: a store dropped without close() (a test,
                # a crash path) is collected, connections and all, and its thread ends.
                self._thread = threading.Thread(target=_loop, args=(weakref.ref(self), self._wake, self.idle),
                                                name="guichet-wal-checkpoint", daemon=True)
                self._thread.start()

    def checkpoint(self, inline: bool = False) -> tuple | None:
        """A PASSIVE checkpoint: copies what it can without waiting on anyone. Never raises (a
        busy or failed checkpoint is retried at the next wake; the data is safe in the WAL)."""
        with self._lock:
            try:
                raw = self.engine.raw_connection()
            except Exception as exc:  # the store is closing
                log.debug("checkpoint skipped: %s", exc)
                return None
            try:
                self.pending = 0
                row = raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if inline:
                    self.inline_runs += 1
                else:
                    self.runs += 1
                return tuple(row) if row else None
            except Exception as exc:
                log.warning("WAL checkpoint failed: %s", exc)
                return None
            finally:
                raw.close()

    def stop(self) -> None:
        """Stop and join the thread (before the engine is disposed)."""
        self._stop = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)


def _loop(ref, wake: threading.Event, idle: float) -> None:
    while True:
        cp = ref()
        if cp is None or cp._stop:
            return
        wait = cp.idle if cp.idle is not None else idle
        del cp  # not held while asleep
        wake.wait(wait)
        wake.clear()
        cp = ref()
        if cp is None or cp._stop:
            return
        if cp.pending:
            cp.checkpoint()
        del cp
