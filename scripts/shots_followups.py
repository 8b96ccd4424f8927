"""Screenshots of « À relancer » (the follow-up work list and the call dialog) and of the
« Feuille de route » grid, from the real window on the demo store. Called by scripts/screenshots.py."""

from __future__ import annotations

from pathlib import Path


def _wait_list(app, model) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    while model.loading:
        loop = QEventLoop()
        QTimer.singleShot(50, loop.quit)
        loop.exec()
    app.processEvents()


def capture(app, window, desk, out: Path, bus_desk=None) -> None:
    from app.ui.call_dialog import CallDialog
    from app.ui.route_sheet import RouteSheetDialog

    size = window.size()
    window.resize(1366, 768)  # France services PCs are often 1366×768
    window.show_followups()
    _wait_list(app, window.followup_model)
    window.followup_view.selectRow(0)
    app.processEvents()
    window.grab().save(str(out / "followups.png"))
    window.resize(size)
    case_id = window.current_case_id()
    if case_id is not None:
        dialog = CallDialog(desk, case_id, parent=window)
        dialog.show()
        dialog.outcome_buttons["messagerie"].setChecked(True)
        dialog.note_edit.setText("laissé un message")
        app.processEvents()
        dialog.grab().save(str(out / "call-dialog.png"))
        dialog.reject()

    sheet = RouteSheetDialog(bus_desk or desk, parent=window)
    yesterday = sheet.day_edit.date().addDays(-1)
    sheet.day_edit.setDate(yesterday)
    if sheet.stop_combo.count() > 1:
        sheet.stop_combo.setCurrentIndex(1)
    sheet.show()
    app.processEvents()
    for hhmm, typed, pick in (("9:05", "carte gr", True), ("9:20", "caf rsa", True), ("9:45", "apl", True),
                              ("25:00", "impots declar", True), ("10:30", "ameli", False), ("11:10", "pass", True)):
        row = sheet.rows[-1]
        row.time.setText(hhmm)
        sheet.row_started(row)
        row.demarche.setText(typed)
        sheet.suggest(row, typed)
        if pick:
            row.pick_display(next(iter(row.hits)))
        row.completer.popup().hide()
    sheet.save()  # rows 4 and 5 are refused: their messages show, nothing is saved
    app.processEvents()
    sheet.grab().save(str(out / "route-sheet.png"))
    sheet.reject()
