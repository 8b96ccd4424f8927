"""Search by keyboard: ↓ into the results, Entrée opens, a count, and the « Par usager » view."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.core import accompaniments as acc
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.search_groups import search_overview
from app.core.usagers import UsagerInput
from app.ui.case_detail import CaseDetailDialog
from tests.ui.helpers import on_modal, refresh


def _visits(store, actor, clock):
    def log(minutes, **kw):
        with store.write() as s:
            return acc.open_accompaniment(s, actor, AccompanimentInput(
                [ProcedureLine("CAF", "CAF-RSA")], occurred_at=clock.now() - timedelta(minutes=minutes), **kw))

    jeanne = log(300, new_usager=UsagerInput(first_name="Jeanne", last_name="Dubois", phone="0612345678"))
    marc = log(200, new_usager=UsagerInput(first_name="Marc", last_name="Dubois", phone="0698765432"))
    again = log(100, usager_id=jeanne.usager_id)
    log(50, note="rien à voir")
    return {"jeanne": [again.id, jeanne.id], "marc": [marc.id]}


def _active(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def test_down_arrow_enters_the_results_enter_opens_and_the_count_is_shown(qtbot, window, store, actor, frozen_clock):
    cases = _visits(store, actor, frozen_clock)
    refresh(qtbot, window)
    _active(qtbot, window)
    qtbot.keyClick(window, Qt.Key_F, Qt.ControlModifier)
    qtbot.keyClicks(window.search_edit, "dubois")
    qtbot.waitUntil(lambda: window.search_count.label.text() == "3 accompagnement(s) · 2 usager(s)", timeout=3000)
    qtbot.keyClick(window.search_edit, Qt.Key_Down)
    assert window.focusWidget() is window.case_view
    assert window.current_case_id() == cases["jeanne"][0]  # newest first
    qtbot.keyClick(window.case_view, Qt.Key_Down)
    opened = {}
    state = on_modal(CaseDetailDialog, lambda d: (opened.setdefault("id", d.accompaniment_id), d.reject()))
    qtbot.keyClick(window.case_view, Qt.Key_Return)
    assert state["error"] is None and opened["id"] == cases["marc"][0]

    window.search_edit.clear()
    qtbot.waitUntil(lambda: window.search_count.label.text() == "", timeout=3000)


def test_per_usager_view_groups_each_usager_with_their_cases(qtbot, window, store, actor, frozen_clock):
    cases = _visits(store, actor, frozen_clock)
    refresh(qtbot, window)
    _active(qtbot, window)
    window.tabs.setCurrentWidget(window.usager_results)
    qtbot.keyClick(window, Qt.Key_F, Qt.ControlModifier)
    qtbot.keyClicks(window.search_edit, "dubois")
    tree = window.usager_results
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 2 and tree.topLevelItem(0).childCount() == 2, timeout=3000)
    assert tree.topLevelItem(0).text(0) == "Jeanne DUBOIS — 2 accompagnement(s)"
    assert tree.topLevelItem(1).text(0) == "Marc DUBOIS — 1 accompagnement(s)"
    qtbot.keyClick(window.search_edit, Qt.Key_Down)
    assert window.focusWidget() is tree and window.current_case_id() == cases["jeanne"][0]
    qtbot.keyClick(tree, Qt.Key_Down)
    opened = {}
    state = on_modal(CaseDetailDialog, lambda d: (opened.setdefault("id", d.accompaniment_id), d.reject()))
    qtbot.keyClick(tree, Qt.Key_Return)
    assert state["error"] is None and opened["id"] == cases["jeanne"][1]


def test_the_count_stops_at_the_cap_and_another_structure_is_never_grouped(store, site, frozen_clock):
    from app.core import search_groups

    _visits(store, site["agent"], frozen_clock)
    with store.read() as s:
        other = search_overview(s, site["bus_agent"], "dubois")
        assert other.count == 0 and other.groups == []
        old_cap, search_groups.CAP = search_groups.CAP, 2
        try:
            capped = search_overview(s, site["agent"], "dubois")
        finally:
            search_groups.CAP = old_cap
    assert capped.capped and capped.count == 2
