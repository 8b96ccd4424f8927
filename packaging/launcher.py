"""Entry point of the PyInstaller bundle: the same `guichet` command as the pip install."""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless unless a feature spawns processes on Windows
    # The windowed Windows executable has no console: sys.stdout/stderr are None there, and a
    # print() (argparse, painted_ms) would raise. Send them nowhere instead.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    from app.cli import main

    sys.exit(main())
