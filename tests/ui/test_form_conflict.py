"""The form when another desk changed the case meanwhile: the message, « Recharger », then the save."""

from __future__ import annotations

from app.core import accompaniments as acc
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.ui.accompaniment_form import AccompanimentForm
from tests.desks import desk_for


def test_a_stale_form_shows_who_changed_the_case_and_reloads_it(qtbot, store, site, desk):
    with store.write() as s:
        case = acc.open_accompaniment(s, site["agent"], AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")],
                                                                           note="départ")).id
    form = AccompanimentForm(desk, case)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    other = desk_for(store, site["supervisor"])  # another desk saves first
    theirs = other.input_for(case)
    theirs.note = "changé ailleurs"
    other.update_accompaniment(case, theirs)

    form.note_edit.setText("ma note")
    form.save()
    qtbot.waitUntil(lambda: not form.saving, timeout=10000)  # the save runs on the write pool
    assert form.general_error.isVisible() and "Paul Sup a modifié ce dossier" in form.general_error.text()
    assert form.reload_button.isVisible() and form.result() == 0  # still open, nothing written
    assert desk.case(case).accompaniment.note == "changé ailleurs"

    form.reload_button.click()
    assert form.note_edit.text() == "changé ailleurs" and not form.reload_button.isVisible()
    assert [c.code for c in form.selected] == ["CAF-RSA"]  # the démarche is not doubled by the reload
    form.note_edit.setText("ma note")
    with qtbot.waitSignal(form.saved, timeout=3000):
        form.save()
    assert desk.case(case).accompaniment.note == "ma note"
