"""Where UI tests save their screenshots: a temporary folder, unless GUICHET_SCREENSHOTS names
one (`GUICHET_SCREENSHOTS=docs/screenshots ./run-tests.sh tests/ui` refreshes the README's
pictures). A test run never modifies the source tree by default."""

import os
import tempfile
from pathlib import Path

SHOTS_DIR = Path(os.environ.get("GUICHET_SCREENSHOTS") or Path(tempfile.gettempdir()) / "guichet-screenshots")
SHOTS_DIR.mkdir(parents=True, exist_ok=True)
