"""Two desks on one site: a visit logged at one shows in the other's Today and list within 2 s,
without touching anything there; a lost server shows « Serveur du site injoignable »."""

from __future__ import annotations

import time

import pytest

from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.ui import site_live
from app.ui.main_window import MainWindow
from tests.desks import desk_for
from tests.pg import open_site
from tests.ui.helpers import wait_refreshed

pytestmark = pytest.mark.postgresql


def test_a_visit_logged_at_another_desk_appears_here_within_two_seconds(qtbot, pg_url, tmp_path, frozen_clock):
    from app.core import structures
    from app.core.context import Actor
    from app.models.enums import Role

    here, there = open_site(pg_url, tmp_path / "a"), open_site(pg_url, tmp_path / "b")
    try:
        with here.write() as s:
            fixed = structures.create_structure(s, "100001", "France services de Testville")
            marie = structures.create_agent(s, fixed.id, "marie", "Marie Curie")
            paul = structures.create_agent(s, fixed.id, "paul", "Paul Durand")
        desk = desk_for(there, Actor(paul.id, fixed.id, Role.AGENT, paul.display_name))
        window = MainWindow(desk)
        qtbot.addWidget(window)
        window.attach(desk)
        window.show()
        wait_refreshed(qtbot, window)
        live = site_live.start(window, desk, interval=0.5)
        live.listener.origin = "poste-de-paul"  # the other desk is another process in real life
        assert live.listener.listening.wait(5)
        rows_before = window.case_model.rowCount()
        other = desk_for(here, Actor(marie.id, fixed.id, Role.AGENT, marie.display_name))
        started = time.monotonic()
        other.open_accompaniment(AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")], note="au guichet 1"))
        qtbot.waitUntil(lambda: window.case_model.rowCount() == rows_before + 1, timeout=2000)
        assert time.monotonic() - started < 2
        qtbot.waitUntil(lambda: "1 accompagnement" in _today_text(window), timeout=2000)
        assert not live.label.isVisible()
        live.status.emit(False)  # what the listener says when the server stops answering
        assert live.label.isVisible() and "Serveur du site injoignable" in live.label.text()
        live.status.emit(True)
        assert not live.label.isVisible()
        live.stop()
    finally:
        here.close()
        there.close()


def _today_text(window) -> str:
    from PySide6.QtWidgets import QLabel

    import re

    text = " ".join(label.text() for label in window.today_panel.findChildren(QLabel))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text).replace("\u00a0", " "))
