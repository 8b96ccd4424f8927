"""Small screens and large text (issue 15): every window at 1366×768, at twice the font size, and at
QT_SCALE_FACTOR=2 on the 1600×1000 screen where the issue was found (800×500 logical pixels).

The screen size of the offscreen platform and the scale factor are fixed when the QApplication
starts, so each case runs tests/ui/fit_probe.py in its own process (about 10 s each). The probe
opens 20 windows and dialogs and lists every widget outside its window, every window larger than
the screen, every cut label and every column narrower than its header.

The moments de vie panel (Ctrl+M, Ctrl+Shift+M) is checked here in-process: it never widens the
window, its « Étape » column stays readable, and its start dialog names the case first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.usagers import UsagerInput
from tests.ui.helpers import refresh

ROOT = Path(__file__).resolve().parents[2]
CASES = {
    "1366x768": dict(screen=(1366, 768), env={}),
    "1366x768, font x2": dict(screen=(1366, 768), env={"GUICHET_FIT_FONT": "2"}),
    "1600x1000, QT_SCALE_FACTOR=2": dict(screen=(1600, 1000), env={"QT_SCALE_FACTOR": "2"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_window_fits_the_screen(case, tmp_path):
    spec = CASES[case]
    width, height = spec["screen"]
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "test", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "dpr": 1}]}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS")}
    env.update(spec["env"], QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/ui/fit_probe.py", "-q", "-s", "-p", "no:cacheprovider",
                           "-W", "ignore"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    report = [line for line in done.stdout.splitlines() if "«" in line or line.startswith("screen ")]
    assert done.returncode == 0, "\n".join(report) or done.stdout[-3000:] + done.stderr[-2000:]
    expected = f"screen {width // int(spec['env'].get('QT_SCALE_FACTOR', 1))}×"
    assert any(line.startswith(expected) and "20 windows opened" in line for line in report), report


# -- the moments de vie panel ---------------------------------------------------------------------
@pytest.fixture
def two_usagers(qtbot, window, store, actor, frozen_clock):
    """Two identified usagers' cases, the newest first in the list; the older has a moment de vie."""
    ids = []
    for minutes, name, line in ((60, "Martin", ProcedureLine("CAF", "CAF-RSA")),
                                (30, "Dubois", ProcedureLine("MAIRIE", "MAIRIE-DECLARATION-DECES"))):
        with store.write() as session:
            ids.append(open_accompaniment(session, actor, AccompanimentInput(
                procedures=[line], status="ouvert", occurred_at=frozen_clock.now() - timedelta(minutes=minutes),
                new_usager=UsagerInput(first_name="Jeanne", last_name=name))).id)
    refresh(qtbot, window)
    window.resize(1366, 740)
    return {"martin": ids[0], "dubois": ids[1]}


def test_the_moments_panel_never_widens_the_window_and_shows_step_names(qtbot, window, two_usagers):
    from app.core.checklists import start_moment

    window.desk.op(start_moment, two_usagers["dubois"], "deces", date.today() - timedelta(days=3), None)
    window.case_view.selectRow(0)
    before = window.width()
    show = next(a for a in window.actions() if a.shortcut().toString() == "Ctrl+Shift+M")
    show.trigger()
    qtbot.waitUntil(lambda: window.checklist_dock.isVisible())
    qtbot.wait(50)
    assert window.width() <= before <= 1366
    tree = window.checklist_panel.tree
    assert tree.topLevelItemCount() == 1
    # « Étape » has at least half of the tree: step names are read, not « J'… »
    assert tree.columnWidth(0) >= tree.viewport().width() * 0.45
    steps = [tree.topLevelItem(0).child(0).child(i) for i in range(tree.topLevelItem(0).child(0).childCount())]
    assert steps and all(s.toolTip(0).startswith(s.text(0).split(" (")[0]) for s in steps)
    assert all(s.toolTip(2) == s.text(2) for s in steps)  # an elided status has its whole text in the tooltip


def test_the_start_dialog_names_the_case_it_attaches_to(qtbot, window, two_usagers):
    from app.ui.start_moment_dialog import StartMomentDialog

    dialog = StartMomentDialog(window.desk, two_usagers["martin"], window)
    qtbot.addWidget(dialog)
    text = dialog.case_label.text()
    assert f"n° {two_usagers['martin']}" in text and "Jeanne MARTIN" in text.replace("<b>", "").replace("</b>", "")
    assert "RSA" in text and "(CAF)" in text and "/2026" in text  # démarche, partner and date


def test_ctrl_m_takes_the_selected_row_never_a_row_left_current_after_a_reload(qtbot, window, two_usagers):
    from app.ui.checklist_panel import case_to_start

    window.tabs.setCurrentWidget(window.case_view)
    window.case_view.selectRow(1)
    assert case_to_start(window) == two_usagers["martin"]
    window.case_view.clearSelection()  # what a list reload leaves: a current index, nothing selected
    assert window.case_view.currentIndex().isValid()
    assert case_to_start(window) is None
    window.last_saved_case_id = two_usagers["dubois"]  # just saved at the counter: that one
    assert case_to_start(window) == two_usagers["dubois"]
    start = next(a for a in window.actions() if a.shortcut().toString() == "Ctrl+M")
    window.last_saved_case_id = None
    start.trigger()
    assert "Sélectionnez d'abord" in window.statusBar().currentMessage()


def test_a_counter_save_is_remembered_for_ctrl_m(qtbot, window, two_usagers):
    from app.ui.accompaniment_form import COUNTER

    data = AccompanimentInput(procedures=[ProcedureLine("CAF", "CAF-RSA")])
    saved = window.desk.save_accompaniment(None, data, source=COUNTER).value.id
    qtbot.waitUntil(lambda: getattr(window, "last_saved_case_id", None) == saved)
