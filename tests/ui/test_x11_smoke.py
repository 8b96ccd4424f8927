"""Guichet on a real X display (Xvfb + the openbox window manager), driven by the keyboard with
xdotool: the main window, the form, « À relancer », the moments de vie start dialog and panel at
1366×768, then the main window and the form at QT_SCALE_FACTOR=2 on 1600×1000. Fails if a window
the run opens lies outside the screen, frame included, or if a screenshot is blank.

Offscreen tests miss what only a window manager shows (placement, clamping, real redraws); this one
runs scripts/screenshots_x11.py --check (about 30 s). Skipped where xvfb-run, openbox, xdotool or
ImageMagick are missing (scripts/bootstrap.sh installs them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from screenshots_x11 import missing_tools  # noqa: E402

pytestmark = pytest.mark.skipif(bool(missing_tools()), reason=f"missing: {', '.join(missing_tools())}")


def distinct_colours(path: Path, step: int = 23) -> int:
    image = QImage(str(path))
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


def test_the_app_on_a_real_display_keeps_every_window_on_the_screen(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshots_x11.py"), str(tmp_path), "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / "x11-report.json").read_text(encoding="utf-8"))
    labels = {(w["session"], w["label"]) for w in report}
    assert {("1366", "main window"), ("1366", "form"), ("1366", "start moment"),
            ("1366", "main window with moments panel"), ("200pct", "main window"), ("200pct", "form")} <= labels
    assert all(w["inside"] for w in report), [w for w in report if not w["inside"]]
    moments = next(w for w in report if w["label"] == "main window with moments panel")
    assert moments["width"] <= 1366  # the panel never widens the window past the screen
    for name in ("main", "form", "relancer", "start-moment", "moments"):
        assert distinct_colours(tmp_path / f"x11-1366-{name}.png") > 20, name  # a real picture, not a blank screen
    for name in ("main", "form"):
        assert distinct_colours(tmp_path / f"x11-200pct-{name}.png") > 20, name
