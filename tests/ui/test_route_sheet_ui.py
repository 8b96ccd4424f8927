"""« Feuille de route » driven by the keyboard only: a bus day of 20 visits entered and saved in
one go; a refused row is marked with its message and nothing is saved until it is corrected."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlmodel import select

from app.models.tables import Accompaniment
from app.ui.route_sheet import RouteSheetDialog
from tests.desks import desk_for
from tests.ui.helpers import focusable_widgets_without_name, on_modal, wait_refreshed

DEMARCHES = ("carte gr", "caf rsa", "apl", "impots declar")


@pytest.fixture
def bus_window(qtbot, store, site, frozen_clock):
    from app.ui.main_window import MainWindow

    w = MainWindow(desk_for(store, site["bus_agent"]))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    wait_refreshed(qtbot, w)
    return w


def _type(qtbot, text: str) -> None:
    qtbot.keyClicks(QApplication.focusWidget(), text)


def _key(qtbot, key, modifier=Qt.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _enter_row(qtbot, dialog, hhmm: str, demarche: str) -> None:
    _type(qtbot, hhmm)
    _key(qtbot, Qt.Key_Tab)
    _type(qtbot, demarche)
    row = dialog.rows[-2]  # typing in the last row has already added the next one
    qtbot.waitUntil(lambda: row.completer.popup().isVisible())
    _key(qtbot, Qt.Key_Return)  # takes the first suggestion
    _key(qtbot, Qt.Key_Return)  # next row's « Heure »


def test_twenty_visits_of_a_bus_day_by_keyboard_only(qtbot, bus_window, store, site, frozen_clock):
    day = frozen_clock.today() - timedelta(days=1)
    times = [(9 + i * 20 // 60, i * 20 % 60) for i in range(20)]  # 9:00, 9:20 … 15:20
    seen = {}

    def fill(dialog):
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        seen["unnamed"] = focusable_widgets_without_name(dialog)
        _key(qtbot, Qt.Key_R, Qt.AltModifier)  # Arrêt
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.stop_combo)
        _key(qtbot, Qt.Key_Down)  # the second stop
        _key(qtbot, Qt.Key_D, Qt.AltModifier)  # Date: one day back
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.day_edit)
        _key(qtbot, Qt.Key_Down)
        _key(qtbot, Qt.Key_Return)  # down to the sheet
        assert QApplication.focusWidget() is dialog.rows[0].time
        for i, (h, m) in enumerate(times):
            _enter_row(qtbot, dialog, f"{h}:{m:02d}", DEMARCHES[i % len(DEMARCHES)])
        seen["rows"] = len(dialog.rows)
        _key(qtbot, Qt.Key_Return, Qt.ControlModifier)

    state = on_modal(RouteSheetDialog, fill, timeout_ms=20000)
    qtbot.keyClick(bus_window, Qt.Key_F, Qt.ControlModifier | Qt.ShiftModifier)
    assert state["error"] is None
    assert seen == {"unnamed": [], "rows": 21}  # 20 filled + the empty one at the end
    with store.read() as s:
        rows = list(s.exec(select(Accompaniment).order_by(Accompaniment.occurred_at)))
    assert len(rows) == 20
    assert [r.occurred_at for r in rows] == [datetime.combine(day, time(h, m)) for h, m in times]
    assert {r.bus_stop_id for r in rows} == {site["stops"][1].id}
    assert {r.canal for r in rows} == {"itinerant_bus"} and {r.structure_id for r in rows} == {site["bus"].id}
    assert "20 accompagnement" in bus_window.statusBar().currentMessage()


def test_a_refused_row_is_marked_and_nothing_is_saved_until_it_is_corrected(qtbot, bus_window, store, frozen_clock,
                                                                           site):
    dialog = RouteSheetDialog(bus_window.desk, parent=bus_window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.rows[0].time.setFocus()
    _enter_row(qtbot, dialog, "9:00", "carte gr")
    _enter_row(qtbot, dialog, "25:00", "apl")
    _enter_row(qtbot, dialog, "10:00", "caf rsa")
    _key(qtbot, Qt.Key_Return, Qt.ControlModifier)
    bad = dialog.rows[1]
    assert bad.state.text().startswith("⚠ Heure") and dialog.rows[0].state.text() == ""
    assert "1 ligne(s) à corriger" in dialog.summary.text()
    assert QApplication.focusWidget() is bad.time and dialog.isVisible()
    with store.read() as s:
        assert s.exec(select(Accompaniment)).all() == []
    bad.time.selectAll()
    _type(qtbot, "9:30")
    _key(qtbot, Qt.Key_Return, Qt.ControlModifier)
    assert not dialog.isVisible()
    with store.read() as s:
        assert len(s.exec(select(Accompaniment)).all()) == 3


def test_an_impossible_day_is_refused_next_to_the_date_never_corrected(qtbot, bus_window, store, frozen_clock):
    """The sheet's date is typed, not picked: 31/02 is refused with its reason (QDateEdit made it
    28/02 silently), nothing is saved, and the agent retypes it from the day."""
    dialog = RouteSheetDialog(bus_window.desk, parent=bus_window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.rows[0].time.setFocus()
    _enter_row(qtbot, dialog, "9:00", "carte gr")
    dialog.day_edit.setFocus()
    _type(qtbot, "31022026")
    _key(qtbot, Qt.Key_Return, Qt.ControlModifier)
    assert dialog.isVisible() and dialog.day_edit.text() == "31/02/2026"
    assert "n'existe pas" in dialog.day_error.text() and QApplication.focusWidget() is dialog.day_edit
    with store.read() as s:
        assert s.exec(select(Accompaniment)).all() == []
    _type(qtbot, "13102026")  # the focus put the cursor back on the day: retyping replaces it all
    _key(qtbot, Qt.Key_Down)  # one day back, as in the paper sheet's « hier »
    assert dialog.day_edit.text() == "12/10/2026"
    _key(qtbot, Qt.Key_Return, Qt.ControlModifier)
    assert not dialog.isVisible()
    with store.read() as s:
        [visit] = s.exec(select(Accompaniment)).all()
    assert visit.occurred_at == datetime(2026, 10, 12, 9, 0)
