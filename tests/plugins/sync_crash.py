"""TEST ONLY: run the `guichet` command in this process after making one sync fault point
SIGKILL it, like a power cut, at the n-th time the point is reached.

    python -m tests.plugins.sync_crash before_send:3 --db bus.db sync --delai 5

The points are app.sync.client.FAULT_POINTS; the product's `fault_point` does nothing, and only
this process (started by tests/sync/test_sync_crash.py) gets the deadly one.
"""

from __future__ import annotations

import os
import signal
import sys


def install(spec: str) -> None:
    """`spec` is "point:n" (n defaults to 1). Raises ValueError for an unknown point."""
    from app.sync import client

    point, _, nth = spec.partition(":")
    if point not in client.FAULT_POINTS:
        raise ValueError(f"unknown fault point {point!r}; known: {', '.join(client.FAULT_POINTS)}")
    target, hits = int(nth or 1), {"n": 0}

    def fault_point(name: str) -> None:
        if name != point:
            return
        hits["n"] += 1
        if hits["n"] == target:
            os.kill(os.getpid(), signal.SIGKILL)

    client.fault_point = fault_point


def main(argv: list[str]) -> int:
    spec, *guichet_args = argv
    install(spec)
    from app.cli import main as guichet

    return guichet(guichet_args)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
