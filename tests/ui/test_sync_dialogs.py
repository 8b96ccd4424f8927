"""Preflight, journal, month closing and service dialogs of the national sync."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.models.errors import PermissionDenied
from app.sync.client import RetryPolicy, sync_structure
from app.sync.server import NationalServer
from app.sync.state import month_state
from app.sync.transport import HttpTransport
from app.ui.sync_dialogs import CloseMonthDialog, JournalDialog, PreflightDialog, ServiceDialog
from tests.sync.helpers import add_activity, months_back

from tests.ui.shots import SHOTS_DIR as SHOTS  # noqa: E402
from tests.desks import desk_for
TOKEN = "jeton-de-test-ui"


@pytest.fixture
def data(store, site, frozen_clock):
    months = months_back(3, frozen_clock.today())
    with store.write() as session:
        for m in months:
            add_activity(session, site["agent"], m, 6, random.Random(m.month))
    return months


def test_preflight_shows_each_month_and_its_lines_before_sending(qtbot, store, site, data):
    dialog = PreflightDialog(desk_for(store, site["agent"]))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.months.rowCount() == 3
    assert all(dialog.months.item(r, 0).text().startswith("→ ") for r in range(3))
    assert dialog.months.item(0, 1).text() == "brouillon"
    dialog.months.selectRow(0)
    assert dialog.detail.rowCount() == len(dialog.rows[0][1].payload["cube"]) > 0
    assert not dialog.close_month_button.isVisible()  # agents do not close months
    dialog.grab().save(str(SHOTS / "sync_preflight.png"))
    with qtbot.waitSignal(dialog.send_requested, timeout=2000):
        qtbot.mouseClick(dialog.send_button, Qt.LeftButton)
    for w in (dialog.months, dialog.detail, dialog.send_button):
        assert w.accessibleName()


def test_supervisor_closes_a_month_then_a_correction_needs_a_reason(qtbot, store, site, data):
    sup, month = site["supervisor"], data[0]
    dialog = CloseMonthDialog(desk_for(store, sup), month)
    qtbot.addWidget(dialog)
    dialog.save()
    with store.read() as session:
        state = month_state(session, sup.structure_id, month)
    assert state.closed and state.state == "pret"
    with store.write() as session:  # a late entry in the closed month
        add_activity(session, site["agent"], month, 1, random.Random(99))
    with store.read() as session:
        assert month_state(session, sup.structure_id, month).needs_correction
    dialog = CloseMonthDialog(desk_for(store, sup), month)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.save()  # no reason: refused, message next to the field
    assert dialog.error.isVisible() and "motif" in dialog.error.text().lower()
    assert "Erreur" in dialog.reason.accessibleDescription()
    dialog.grab().save(str(SHOTS / "sync_correction_reason.png"))
    dialog.reason.setCurrentIndex(dialog.reason.findData("saisie_tardive"))
    dialog.note.setText("Accompagnement du 3 saisi en retard")  # stays in the local journal
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    with store.read() as session:
        state = month_state(session, sup.structure_id, month)
        from app.sync.snapshot import build_snapshot
        payload = build_snapshot(session, sup.structure_id, month).payload
    assert state.state == "pret" and payload["correction_reason"] == "saisie_tardive"
    assert "saisi en retard" not in str(payload)


def test_journal_view_lists_every_attempt_for_supervisors_only(qtbot, tmp_path, store, site, data):
    server = NationalServer(tmp_path / "server.db", token=TOKEN, admin=True).start()
    transport = HttpTransport(server.url, TOKEN, timeout=2)
    try:
        server.faults.set([{"kind": "503", "count": 1, "retry_after": 1, "methods": ["PUT"]}])
        sync_structure(store, site["fixed"].id, transport,
                       policy=RetryPolicy(sleep=lambda s: None, rng=random.Random(1)))
    finally:
        transport.close()
        server.stop()
    dialog = JournalDialog(desk_for(store, site["supervisor"]))
    qtbot.addWidget(dialog)
    dialog.show()
    texts = [[dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
             for r in range(dialog.table.rowCount())]
    outcomes = [row[3] for row in texts]
    assert outcomes.count("accepté") == 3 and outcomes.count("à réessayer") == 1
    assert any(row[5] == "503" for row in texts)
    dialog.grab().save(str(SHOTS / "sync_journal.png"))
    with pytest.raises(PermissionDenied):
        JournalDialog(desk_for(store, site["agent"]))


def test_service_dialog_says_clearly_there_is_no_secure_keyring(qtbot, store, site, no_keyring):
    dialog = ServiceDialog(desk_for(store, site["supervisor"]))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.token.isEnabled()
    assert "Aucun trousseau sécurisé" in dialog.keyring_label.text()
    dialog.url.setText("http://example.org/api")
    dialog.save()
    assert "https" in dialog.url_error.text()
    dialog.grab().save(str(SHOTS / "sync_service_no_keyring.png"))


def test_service_dialog_stores_the_token_in_the_keyring_only(qtbot, store, site, secure_keyring):
    dialog = ServiceDialog(desk_for(store, site["supervisor"]))
    qtbot.addWidget(dialog)
    dialog.url.setText("https://activite.example.gouv.fr/api")
    dialog.token.setText("un-jeton-secret-42")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert ("Guichet", "sync_token") in secure_keyring.items
    raw = Path(store.path).read_bytes() + (Path(str(store.path) + "-wal").read_bytes()
                                           if Path(str(store.path) + "-wal").exists() else b"")
    assert b"un-jeton-secret-42" not in raw


def _hold(store, structure_id, month):
    from app.sync.snapshot import build_snapshot
    from app.sync.state import hold_month

    with store.write() as session:
        snap = build_snapshot(session, structure_id, month)
        hold_month(session, structure_id, month, snap.hash, "horloge de l'ordinateur en retard de 365 jours")


def test_supervisor_releases_a_held_month_after_confirming_and_it_is_journaled(qtbot, store, site, data):
    from sqlmodel import select

    from app.models.sync import SyncJournal

    sup, month = site["supervisor"], data[0]
    _hold(store, sup.structure_id, month)
    agent_view = PreflightDialog(desk_for(store, site["agent"]))
    qtbot.addWidget(agent_view)
    agent_view.show()
    assert not agent_view.release_button.isVisible()  # agents never release
    dialog = PreflightDialog(desk_for(store, sup))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.release_button.isVisible() and dialog.release_button.accessibleName()
    dialog.months.selectRow(2)
    assert not dialog.release_button.isEnabled()  # a month that is not held
    dialog.months.selectRow(0)
    assert dialog.months.item(0, 1).text() == "retenu" and dialog.release_button.isEnabled()
    asked = []
    dialog._release(ask=lambda parent, title, text: asked.append(text) or False)  # « Non »: nothing changes
    with store.read() as session:
        assert month_state(session, sup.structure_id, month).state == "retenu"
    assert "Vérifiez d'abord leurs dates" in asked[0]
    dialog._release(ask=lambda parent, title, text: True)
    with store.read() as session:
        state = month_state(session, sup.structure_id, month)
        (entry,) = session.exec(select(SyncJournal).where(SyncJournal.kind == "liberation")).all()
    assert state.state != "retenu" and state.pending
    assert entry.outcome == "libere" and entry.agent_id == sup.agent_id  # as `guichet sync --liberer`
    assert not dialog.release_button.isEnabled() and dialog.months.item(0, 1).text() != "retenu"


def test_releasing_twice_says_why_in_french(qtbot, store, site, data, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.ui.sync_release import release_held_month

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    assert not release_held_month(None, desk_for(store, site["supervisor"]), data[0], ask=lambda *a: True)
    assert shown == ["Ce mois n'est pas retenu."]
