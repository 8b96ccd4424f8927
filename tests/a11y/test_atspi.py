"""The app as a screen reader sees it: AT-SPI (the bus Orca reads) under Xvfb, issue 22.

tests/a11y/atspi_walk.py runs with Debian's /usr/bin/python3 (pyatspi is a system package) and
drives tests/a11y/drive_app.py, run by this venv's Python, through login, main window, search,
new accompaniment (saved), case detail, « À relancer », survey, settings and monthly report
(created). Both run inside one `xvfb-run` + `dbus-run-session`, with openbox as window manager
and Qt's accessibility forced on. Rerun by hand:

    xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- sh -c \\
        'openbox & /usr/bin/python3 tests/a11y/atspi_walk.py .venv/bin/python tests/a11y/drive_app.py'

Needs the Debian packages at-spi2-core, dbus-x11, python3-pyatspi, xvfb, openbox
(scripts/bootstrap.sh installs them); skipped, with the reason, when one is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"


def _missing() -> str | None:
    for tool in ("xvfb-run", "dbus-run-session", "openbox"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (apt: xvfb, dbus-x11, openbox)"
    if not Path(SYSTEM_PYTHON).exists():
        return "no system Python for pyatspi"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True)
    if probe.returncode != 0:
        return "pyatspi missing (apt: python3-pyatspi at-spi2-core)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def walk(break_things: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
    env["GUICHET_A11Y_BREAK"] = "1" if break_things else "0"
    script = (f"openbox >/dev/null 2>&1 & sleep 0.5; exec {SYSTEM_PYTHON} {HERE / 'atspi_walk.py'} "
              f"{sys.executable} {HERE / 'drive_app.py'}")
    result = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", "dbus-run-session", "--",
                             "sh", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=110)
    lines = [l for l in result.stdout.splitlines() if l.startswith("{")]
    assert lines, f"no report from the walker:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    report = json.loads(lines[-1])
    report["returncode"] = result.returncode
    return report


def test_every_main_screen_is_usable_through_atspi():
    report = walk()
    assert report["problems"] == [], "\n".join(report["problems"])
    assert set(report["walked"]) == {"login", "main", "form", "case", "followups", "survey", "settings", "report"}
    heard = report["heard"]
    assert any("trouvé" in h for h in heard), heard              # the search's result count
    assert "Accompagnement enregistré." in heard, heard          # after the save
    assert any(h.startswith("Rapport créé dans") for h in heard), heard  # after the report
    assert report["returncode"] == 0 and report["seconds"] < 100


def test_the_walker_sees_a_trap_a_fixed_data_label_and_an_unnamed_control():
    report = walk(break_things=True)
    problems = "\n".join(report["problems"])
    assert "Tab stayed inside « Liste des accompagnements »" in problems, problems
    assert "case: a label draws « " in problems and "a fixed name hides its data" in problems, problems
    assert "focusable, visible and unnamed" in problems, problems
    assert report["returncode"] == 1
