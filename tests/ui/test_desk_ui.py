"""The UI on the Desk: one "operation executed" signal refreshes the screens, the usager typeahead
waits for a pause and drops stale answers, the « Autre démarche » edit path saves, and worker
threads finish before the store closes (real SQLite file, pytest-qt offscreen)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest

from sqlmodel import select

from app.core import accompaniments, usagers
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.usagers import UsagerInput
from app.models.tables import Accompaniment
from app.ui import usager_typeahead
from app.ui.accompaniment_form import AccompanimentForm
from app.ui.workers import collection_op, query_op
from tests.ui.helpers import wait_refreshed

pytestmark = pytest.mark.usefixtures("frozen_clock")  # cases are stamped « now »: the test's clock


def _usager(store, actor, first, last, phone=None) -> int:
    with store.write() as session:
        return usagers.create_usager(session, actor, UsagerInput(first_name=first, last_name=last, phone=phone)).id


def _case(store, actor, **kw) -> int:
    data = AccompanimentInput([ProcedureLine("CAF", "CAF-LOGEMENT")],
                              occurred_at=datetime.now().replace(microsecond=0) - timedelta(minutes=5), **kw)
    with store.write() as session:
        return accompaniments.open_accompaniment(session, actor, data).id


class CountingSearch:
    """Stands in for app.core.usagers.search_usagers: counts the queries, can hold one back."""

    def __init__(self, hold: str | None = None):
        self.texts: list[str] = []
        self.hold, self.release = hold, threading.Event()

    def __call__(self, session, actor, text, limit=20):
        self.texts.append(text)
        if text == self.hold:
            self.release.wait(10)
        return usagers.search_usagers(session, actor, text, limit)


def _form(qtbot, desk, **kw) -> AccompanimentForm:
    form = AccompanimentForm(desk, **kw)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return form


def test_fast_typing_in_the_usager_field_makes_one_query_after_the_pause(qtbot, store, actor, desk, monkeypatch):
    _usager(store, actor, "Jeanne", "Dupont", "0612345678")
    _usager(store, actor, "Paul", "Duplessis")
    search = CountingSearch()
    monkeypatch.setattr(usager_typeahead, "search_usagers", search)
    form = _form(qtbot, desk)
    typeahead = form.usager_search
    with qtbot.waitSignal(typeahead.answered, timeout=5000):
        qtbot.keyClicks(form.usager_edit, "dupont")  # six keystrokes, faster than the pause
        assert search.texts == []  # nothing asked while typing
    assert search.texts == ["dupont"]
    [found] = typeahead.model.stringList()  # Dupont, not Duplessis
    assert found.startswith("Jeanne DUPONT (") and found.endswith("612345678)")
    typeahead.pick(found)
    assert form.usager_id == typeahead.hits[found] and form.usager_edit.text() == found
    qtbot.wait(usager_typeahead.DELAY_MS * 2)
    assert search.texts == ["dupont"]  # and nothing more afterwards


def test_a_late_answer_for_an_older_text_is_dropped(qtbot, store, actor, desk, monkeypatch):
    _usager(store, actor, "Jeanne", "Dupont")
    _usager(store, actor, "Paul", "Duplessis")
    search = CountingSearch(hold="dup")
    monkeypatch.setattr(usager_typeahead, "search_usagers", search)
    form = _form(qtbot, desk)
    typeahead = form.usager_search
    qtbot.keyClicks(form.usager_edit, "dup")
    qtbot.waitUntil(lambda: search.texts == ["dup"], timeout=5000)  # held back in its worker
    with qtbot.waitSignal(typeahead.answered, timeout=5000):
        qtbot.keyClicks(form.usager_edit, "o")
    assert typeahead.model.stringList() == ["Jeanne DUPONT (sans téléphone)"]
    search.release.set()  # the answer for "dup" (both usagers) arrives now, too late
    with qtbot.assertNotEmitted(typeahead.answered, wait=500):
        pass
    assert typeahead.model.stringList() == ["Jeanne DUPONT (sans téléphone)"]


def test_the_typeahead_finds_only_the_agents_structure(qtbot, store, site, monkeypatch):
    from tests.desks import desk_for

    _usager(store, site["agent"], "Jeanne", "Dupont")
    form = _form(qtbot, desk_for(store, site["bus_agent"]))
    with qtbot.waitSignal(form.usager_search.answered, timeout=5000):
        qtbot.keyClicks(form.usager_edit, "dupont")
    assert form.usager_search.model.stringList() == []


def test_editing_an_autre_demarche_case_through_the_form_saves(qtbot, store, actor, desk):
    with store.write() as session:  # « Autre démarche »: a partner, no démarche of the catalogue
        case_id = accompaniments.open_accompaniment(session, actor, AccompanimentInput(
            [ProcedureLine("CAF")], occurred_at=datetime.now().replace(microsecond=0))).id
        thematique = session.get(Accompaniment, case_id).thematique
    form = _form(qtbot, desk, accompaniment_id=case_id)
    assert [c.code for c in form.selected] == [""]  # shown as « Autre démarche » of the CAF
    form.note_edit.setText("pièce manquante")
    with qtbot.waitSignal(form.saved, timeout=5000):  # the write runs on the write pool (issue 11)
        form.save()
        assert form.saving and not form.demarche_edit.isEnabled()  # greyed out meanwhile
    assert not form.saving and form.demarche_edit.isEnabled()
    assert not form.general_error.isVisible() and not form.errors["procedure"].isVisible()
    assert form.result() == AccompanimentForm.Accepted and form.saved_id == case_id
    with store.read() as session:
        saved = session.get(Accompaniment, case_id)
        assert (saved.note, saved.thematique) == ("pièce manquante", thematique)


def test_a_save_anywhere_refreshes_the_lists_and_today_through_ops_executed(qtbot, window, store, actor):
    assert window.case_model.rowCount() == 0
    data = AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")], occurred_at=datetime.now().replace(microsecond=0))
    seen = []
    window.ops.executed.connect(lambda changes, source: seen.append((changes, source)))
    collection_op(window, window.desk, accompaniments.open_accompaniment, data, source="test")  # a worker thread
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 1, timeout=5000)
    wait_refreshed(qtbot, window)
    assert "1" in window.today_panel.figures["total"].text()
    [(changes, source)] = seen
    assert source == "test" and changes.touches("accompaniment") and len(changes.accompaniments) == 1


def test_a_usager_renamed_anywhere_shows_in_the_list_under_the_new_name(qtbot, window, store, actor):
    from tests.ui.helpers import refresh

    uid = _usager(store, actor, "Jeanne", "Dupont")
    _case(store, actor, usager_id=uid)
    refresh(qtbot, window)
    assert window.case_model.row_at(0).usager == "Jeanne DUPONT"
    window.desk.op(usagers.update_usager, uid, UsagerInput(first_name="Jeanne", last_name="Martin"))
    qtbot.waitUntil(lambda: window.case_model.row_at(0).usager == "Jeanne MARTIN", timeout=5000)
    window.search_edit.setText("martin")  # and the search finds the new name, not the old one
    qtbot.waitUntil(lambda: not window.case_model.loading and window.case_model.case_filter.text == "martin",
                    timeout=5000)
    assert window.case_model.rowCount() == 1


def test_a_write_that_touches_no_list_does_not_reload_them(qtbot, window, desk):
    from app.core import journal

    desk.store_op(journal.record_usager_view, None)  # nothing written
    desk.store_op(lambda store, actor: journal.record_now(store, actor, "login", "agent:1"))
    assert not window.loading and not window.case_model.loading


def test_worker_threads_finish_before_the_store_closes(qtbot, store, desk, monkeypatch):
    from app.ui.app import close_store_after_workers

    order = []
    real_close = store.close
    monkeypatch.setattr(store, "close", lambda: (order.append("close"), real_close()))

    def slow_read(session, actor):
        time.sleep(0.3)
        n = len(session.exec(select(Accompaniment.id)).all())  # still reading: the store must be open
        order.append("read done")
        return n

    query_op(None, desk, slow_read, on_done=lambda n: None)
    qtbot.wait(50)  # the worker has started
    close_store_after_workers(store)
    assert order == ["read done", "close"]


def test_the_app_closes_the_store_only_after_draining_the_workers(qtbot, store, site, monkeypatch):
    from PySide6.QtCore import QObject, Signal

    import app.ui.app as app_module
    from app.ui.main_window import MainWindow

    class App(QObject):  # the QApplication's part Startup uses, without quitting the test run
        aboutToQuit = Signal()

        def quit(self):
            calls.append("quit")

    calls = []
    real_drain, real_close = app_module.drain, store.close
    monkeypatch.setattr(app_module, "drain", lambda *a: calls.append("drain") or real_drain(*a))
    monkeypatch.setattr(store, "close", lambda: (calls.append("close"), real_close()))
    monkeypatch.setenv("GUICHET_AGENT", "marie")  # no passwords yet: choosing the agent is the login
    window = MainWindow()
    qtbot.addWidget(window)
    fake = App()
    startup = app_module.Startup(fake, window, str(store.path), demo=False, reset_demo=False)
    startup._opened(store)
    wait_refreshed(qtbot, window)
    assert window.actor.display_name == "Marie Curie"
    fake.aboutToQuit.emit()
    assert calls == ["drain", "close"]


def test_an_agent_deactivated_meanwhile_gets_one_message_not_one_per_list(qtbot, window, store, actor, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.models.tables import Agent

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    with store.write() as session:
        agent = session.get(Agent, actor.agent_id)
        agent.active = False
        session.add(agent)
    window.refresh()  # today's figures and both lists are refused by the desk
    qtbot.waitUntil(lambda: not window.loading, timeout=5000)
    assert len(shown) == 1 and "désactivé" in shown[0]
