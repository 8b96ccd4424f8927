"""Crash-loop writer (tests only): numbered transactions on a store, "ack N" after each commit.

    python -m tests.store.writer --db PATH --serve

Prints "ready", then for every "run START" line on stdin forks a child that opens the store the
way the app does and commits transactions START, START+1, … each writing a usager row, its
full-text index row and an update of that row, printing "ack N" after each commit. The test kills
the child with SIGKILL (the child says "opened" once the store is open, so the test can aim at
the opening or at the writes); this process reaps it and prints "reaped". Forking from an already
imported interpreter keeps each crash iteration ~0.1 s instead of ~1 s of imports.

The store key comes from tests.store.file_keyring (PYTHON_KEYRING_BACKEND and
GUICHET_TEST_KEYRING_FILE set by the test): no production code reads keys from the environment.
"""

from __future__ import annotations

import argparse
import os
import sys


def _say(text: str) -> None:
    os.write(1, (text + "\n").encode())  # unbuffered: an ack printed is an ack the parent sees


def _letters(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
        if not n:
            return out


def child(db: str, start: int, limit: int = 100_000) -> None:
    from sqlmodel import select

    from app.models.tables import Structure, Usager
    from app.store import search_index
    from app.store.engine import open_store

    store = open_store(db)  # as the app does: key from the keyring, migration check
    with store.read() as session:
        structure_id = session.exec(select(Structure.id)).first()
    _say("opened")
    for n in range(start, start + limit):
        with store.write() as session:
            usager = Usager(structure_id=structure_id, first_name="Ecrivain", last_name=_letters(n))
            session.add(usager)
            session.flush()
            search_index.index_usager(session, usager.id, f"ecrivain {_letters(n)}")
            usager.uuid = f"w{n:012d}"
            session.add(usager)
        _say(f"ack {n}")


def serve(db: str) -> None:
    from app.models import load_all

    load_all()  # (everything imported once, before any fork)
    import app.store.engine  # noqa: F401
    import app.store.migrate  # noqa: F401
    import alembic.command  # noqa: F401
    import sqlcipher3.dbapi2  # noqa: F401
    from app.store.engine import open_store

    # Warm-up: keyring backend, key file, Alembic scripts. Fully closed before any fork, so no
    # descriptor or lock is shared with the children.
    open_store(db).close()
    _say("ready")
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] != "run":
            break
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                child(db, int(parts[1]))
            except BaseException as exc:  # noqa: BLE001 - reported to the test, which fails on it
                _say(f"error {type(exc).__name__}: {exc}")
                code = 3
            os._exit(code)
        _say(f"child {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"reaped {status}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--start", type=int, default=0)
    args = parser.parse_args()
    if args.serve:
        serve(args.db)
    else:
        child(args.db, args.start)


if __name__ == "__main__":
    main()
