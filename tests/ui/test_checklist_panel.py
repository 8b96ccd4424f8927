"""Moments de vie from the main window: start « Je perds un proche » with a date, see due dates,
mark steps, see the logged accompaniment counted, print the handout (checked, not opened)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QPushButton

from app.core import activity
from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.usagers import UsagerInput
from app.models.month import Month
from app.ui.checklist_panel import StartMomentDialog
from tests.ui.helpers import focusable_widgets_without_name, on_modal, refresh, wait_refreshed

from tests.ui.shots import SHOTS_DIR as SCREENSHOTS  # noqa: E402


@pytest.fixture
def case_in_list(qtbot, window, store, actor, frozen_clock):
    with store.write() as session:
        acc = open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine("MAIRIE", "MAIRIE-DECLARATION-DECES")], status="ouvert",
            occurred_at=frozen_clock.now() - timedelta(minutes=30),
            new_usager=UsagerInput(first_name="Jeanne", last_name="Martin")))
    refresh(qtbot, window)
    window.tabs.setCurrentWidget(window.case_view)
    window.case_view.selectRow(0)
    assert window.current_case_id() == acc.id
    return acc.id


def _item_texts(tree):
    return [" | ".join(item.text(c) for c in range(3))
            for item in tree.findItems("*", Qt.MatchWildcard | Qt.MatchRecursive)]


def _counted_this_month(store, today):
    with store.read() as session:
        return activity.total_accompaniments(session, None, *Month.of(today).bounds())


def test_je_perds_un_proche_from_a_case_to_the_printed_handout(qtbot, window, store, case_in_list, tmp_path,
                                                              frozen_clock):
    today = frozen_clock.today()
    death = today - timedelta(days=10)

    def fill(dialog):
        dialog.select_moment("deces")
        assert dialog.date_label.text() == "&Date du décès"
        dialog.event_date.setDate(QDate(death.year, death.month, death.day))
        start = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Démarrer")
        qtbot.mouseClick(start, Qt.LeftButton)

    state = on_modal(StartMomentDialog, fill)
    window.checklist_start_action.trigger()
    assert state["error"] is None
    panel, dock = window.checklist_panel, window.checklist_dock
    assert dock.isVisible() and panel.case_id == case_in_list
    texts = _item_texts(panel.tree)
    assert any(t.startswith("Je perds un proche") for t in texts)
    assert any(t.startswith("Sous 24 h") for t in texts)
    overdue = next(t for t in texts if t.startswith("Déclarer le décès à la mairie"))
    assert "En retard" in overdue and "À faire" in overdue  # said in words, not colour alone
    reversion = next(t for t in texts if t.startswith("Prévenir les caisses de retraite"))
    assert "En retard" not in reversion and "droit à vérifier" in reversion

    before = _counted_this_month(store, today)
    panel.select_step("pension-reversion")
    assert "info-retraite.fr" in panel.detail.text() and "Livret de famille" in panel.detail.text()
    qtbot.mouseClick(panel.buttons["log"], Qt.LeftButton)
    assert "Accompagnement enregistré" in panel.message.text()
    assert _counted_this_month(store, today) == before + 1
    assert not panel.buttons["log"].isEnabled()  # already logged for this step

    panel.select_step("notaire")
    assert not panel.buttons["log"].isEnabled()  # not a France services partner
    qtbot.mouseClick(panel.buttons["fait"], Qt.LeftButton)
    panel.select_step("prevenir-employeur")
    qtbot.mouseClick(panel.buttons["sans_objet"], Qt.LeftButton)
    assert _counted_this_month(store, today) == before + 1
    assert "2/21 étapes faites" in panel.heading.text()
    wait_refreshed(qtbot, window)  # the panel's writes refreshed the lists (OpsHub.executed)
    window.tabs.setCurrentWidget(window.case_view)
    window.case_view.selectRow(window.case_model.rowCount() - 1)
    progress_col = window.case_model.columnCount() - 1
    assert window.case_model.headerData(progress_col, Qt.Horizontal) == "Moments de vie"
    values = [window.case_model.index(r, progress_col).data() for r in range(window.case_model.rowCount())]
    assert "2/21" in values

    assert focusable_widgets_without_name(panel) == []
    window.resize(1500, 900)
    window.resizeDocks([dock], [700], Qt.Horizontal)
    panel.select_step("pension-reversion")
    panel.tree.scrollToTop()
    qtbot.wait(50)
    window.grab().save(str(SCREENSHOTS / "checklist-panel.png"))

    opened = []
    panel.open_file = opened.append
    panel.first_name.setChecked(True)
    qtbot.mouseClick(panel.print_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=15000)
    pdf = Path(opened[0])
    assert pdf.exists() and "Fiche prête" in panel.message.text()
    if shutil.which("pdftotext"):
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
        assert "Bonjour Jeanne" in text and "Martin" not in text
        assert "Déposer la déclaration de succession" in text and "Date limite passée" in text
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(SCREENSHOTS / "handout-page1")], check=True)
    pdf.unlink()


def test_start_dialog_shows_errors_next_to_the_field(qtbot, window, store, case_in_list, frozen_clock):
    seen = {}
    eight_years_ago = frozen_clock.today().replace(day=1, year=frozen_clock.today().year - 8)

    def fill(dialog):
        dialog.select_moment("etranger")
        seen["sections"] = [b.text() for b in dialog.section_checks]
        for box in dialog.section_checks:
            box.setChecked(False)
        dialog.start()
        seen["error"] = dialog.sections_error.text()
        dialog.section_checks[1].setChecked(True)
        dialog.event_date.setDate(QDate(eight_years_ago.year, eight_years_ago.month, eight_years_ago.day))
        dialog.start()
        seen["date_error"] = dialog.date_error.text()
        seen["focus"] = dialog.focusWidget() is dialog.event_date
        seen["names"] = focusable_widgets_without_name(dialog)
        dialog.reject()

    state = on_modal(StartMomentDialog, fill)
    window.checklist_start_action.trigger()
    assert state["error"] is None
    assert seen["sections"] == ["Je pars vivre à l'étranger", "Je reviens vivre en France"]
    assert seen["error"] == "Cochez au moins une situation."
    assert "moins de 5 ans" in seen["date_error"] and seen["focus"]
    assert seen["names"] == []
    assert window.checklist_panel.views == []


def test_the_printed_handout_is_deleted_once_the_viewer_had_time_to_load_it(qtbot, window, store, actor,
                                                                           case_in_list, monkeypatch, frozen_clock):
    """Issue 12, finding 7: the PDF with the first name used to stay in the temp folder forever."""
    from app.core import checklists
    from app.reports import handout

    monkeypatch.setattr(handout, "KEEP_S", 0.5)
    with store.write() as session:
        checklists.start_moment(session, actor, case_in_list, "deces", frozen_clock.today() - timedelta(days=3))
    panel = window.checklist_panel
    panel.set_case(case_in_list)
    opened = []
    panel.open_file = opened.append
    qtbot.mouseClick(panel.print_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=15000)
    pdf = Path(opened[0])
    assert pdf.exists()
    # the file system stamps the PDF with the real time; put it on the test's clock (time.time() is frozen)
    stamp = time.time() - 1
    os.utime(pdf, (stamp, stamp))
    qtbot.waitUntil(lambda: not pdf.exists(), timeout=15000)
