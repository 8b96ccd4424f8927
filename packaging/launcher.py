"""Entry point of the PyInstaller bundle: the same `guichet` command as the pip install."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless unless a feature spawns processes on Windows
    from app.cli import main

    sys.exit(main())
