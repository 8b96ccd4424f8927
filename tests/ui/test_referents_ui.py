"""Référents and escalations in the UI, keyboard only: the directory (add, verify), « Transmettre
au partenaire » from the case dialog, the answer, and the supervisor's delays screen. Screenshots
go to tests/ui/shots.py's folder."""

from datetime import date, datetime, timedelta

from PySide6.QtCore import Qt
from sqlmodel import select

from app.core import escalations as esc
from app.core import referents
from app.models.referents import Escalation
from tests.desks import desk_for
from tests.referents.helpers import add_referent, open_case
from tests.ui.helpers import focusable_widgets_without_name
from tests.ui.shots import SHOTS_DIR


def active(qtbot, widget):
    """Mnemonics (Alt+letter) go to the active window, as on a desktop."""
    from PySide6.QtWidgets import QApplication

    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=2000)
    return widget


def alt(qtbot, widget, key):
    active(qtbot, widget)
    qtbot.keyClick(widget.focusWidget() or widget, key, Qt.AltModifier)
    qtbot.wait(250)  # a button's mnemonic clicks it with animateClick(): 100 ms later


def test_directory_keyboard_only(qtbot, window, store, actor, frozen_clock):
    add_referent(store, actor, partner_code="DGFIP", channel="portail", contact="Administration+",
                 name="Cellule partenaires", verified_on=date(2025, 12, 1))
    qtbot.keyClick(window, Qt.Key_D, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: getattr(window, "referents_dialog", None) is not None)
    dialog = window.referents_dialog
    qtbot.waitExposed(dialog)
    assert "à vérifier" in dialog.table.item(0, 6).text().lower()
    alt(qtbot, dialog, Qt.Key_A)
    editor = dialog.editor
    qtbot.waitExposed(editor)
    alt(qtbot, editor, Qt.Key_P)
    qtbot.keyClicks(editor.partner, "CAF")  # the combo's keyboard search
    assert editor.partner.currentData() == "CAF"
    alt(qtbot, editor, Qt.Key_N)
    qtbot.keyClicks(editor.name, "Referente partenariats")  # QTest types ASCII only
    alt(qtbot, editor, Qt.Key_R)
    qtbot.keyClicks(editor.contact, "12")  # a bad phone first: the error stays beside the field
    qtbot.keyClick(editor.contact, Qt.Key_Return)
    assert editor.isVisible() and "Numéro de téléphone" in editor.errors["contact"].text()
    editor.contact.clear()
    qtbot.keyClicks(editor.contact, "01 23 45 67 89")
    qtbot.keyClick(editor.contact, Qt.Key_Return)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)
    assert focusable_widgets_without_name(dialog) == []
    dialog.grab().save(str(SHOTS_DIR / "referents-directory.png"))
    rows = window.desk.query(referents.list_referents)
    assert [(r.partner_code, r.contact) for r in rows] == [("CAF", "+33123456789"), ("DGFIP", "Administration+")]
    dialog.table.setFocus()
    dialog.table.selectRow(1)
    alt(qtbot, dialog, Qt.Key_V)
    assert not window.desk.query(referents.list_referents)[1].stale


def test_escalation_lifecycle_keyboard_only(qtbot, store, site, desk, frozen_clock):
    from app.ui.case_detail import CaseDetailDialog
    from app.ui.escalation_dialog import AnswerDialog, TransmitDialog

    add_referent(store, site["agent"], verified_on=frozen_clock.today())
    case = open_case(store, site["agent"], frozen_clock.earlier_today(20))
    detail = CaseDetailDialog(desk, case)
    qtbot.addWidget(detail)
    detail.show()
    qtbot.waitExposed(detail)
    alt(qtbot, detail, Qt.Key_P)
    listing = detail.partner_dialog
    qtbot.waitExposed(listing)
    alt(qtbot, listing, Qt.Key_T)
    form = listing.form
    assert isinstance(form, TransmitDialog)
    qtbot.waitExposed(form)
    assert form.partner.currentData() == "CAF" and form.referent.currentData() is not None
    alt(qtbot, form, Qt.Key_N)
    qtbot.keyClicks(form.note, "NIR 1 84 12 75 123 456 78")  # refused: no number in the note
    qtbot.keyClick(form.note, Qt.Key_Return)
    assert form.isVisible() and "pas de numéro" in form.errors["note"].text()
    form.note.clear()
    qtbot.keyClicks(form.note, "Dossier bloque depuis trois semaines")
    form.grab().save(str(SHOTS_DIR / "escalation-transmit.png"))
    qtbot.keyClick(form.note, Qt.Key_Return)
    qtbot.waitUntil(lambda: listing.table.rowCount() == 1)
    assert desk.case(case).accompaniment.status == "en_attente_partenaire"
    listing.grab().save(str(SHOTS_DIR / "escalation-list.png"))
    alt(qtbot, listing, Qt.Key_R)
    answer = listing.form
    assert isinstance(answer, AnswerDialog)
    qtbot.waitExposed(answer)
    qtbot.keyClick(answer.outcome, Qt.Key_Down)  # « Pièce demandée »
    qtbot.keyClick(answer.outcome, Qt.Key_Return)
    qtbot.waitUntil(lambda: not listing.answer_button.isEnabled())
    with store.read() as s:
        row = s.exec(select(Escalation)).one()
    assert (row.outcome, row.answered_on, row.note) == ("piece_demandee", frozen_clock.today(),
                                                        "Dossier bloque depuis trois semaines")
    assert desk.case(case).accompaniment.status == "ouvert"
    qtbot.keyClick(listing, Qt.Key_Escape)
    qtbot.waitUntil(lambda: "Réponse du partenaire CAF" in detail.history.item(detail.history.rowCount() - 1, 2).text())


def test_delays_screen_for_the_supervisor(qtbot, store, site, frozen_clock):
    from app.ui.delays_view import DelaysDialog

    agent = site["agent"]
    case = open_case(store, agent, datetime(2026, 9, 1, 9, 0))
    with store.write() as s:
        for partner, days in (("CAF", 2), ("CAF", 9), ("CPAM", 4)):
            e = esc.escalate(s, agent, esc.EscalationInput(case, partner, "email", "dossier_bloque",
                                                           sent_on=date(2026, 9, 3)))
            esc.record_answer(s, agent, e.id, "resolu", date(2026, 9, 3) + timedelta(days=days))
        esc.escalate(s, agent, esc.EscalationInput(case, "DGFIP", "portail", "delai_depasse",
                                                   sent_on=date(2026, 9, 20)))
    dialog = DelaysDialog(desk_for(store, site["supervisor"]))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.report is not None)
    table = dialog.tables["partner"]
    assert [table.item(i, 0).text() for i in range(table.rowCount())] == ["CAF", "Assurance Maladie",
                                                                          "DGFiP", "Ensemble"]
    assert (table.item(0, 3).text(), table.item(0, 4).text()) == ("5,5", "9")
    assert "En retard : 1" in dialog.open_label.text()
    dialog.grab().save(str(SHOTS_DIR / "escalation-delays.png"))
