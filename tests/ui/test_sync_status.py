"""Status-bar indicator of the national sync against the real stand-in server on 127.0.0.1."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest

from app.core.structures import set_setting
from app.sync.client import RetryPolicy
from app.sync.server import NationalServer
from app.sync.settings import URL_KEY
from app.sync.transport import HttpTransport
from app.ui.sync_status import SyncController, SyncStatusWidget
from tests.sync.helpers import add_activity, months_back

TOKEN = "jeton-de-test-ui"
from tests.ui.shots import SHOTS_DIR as SHOTS  # noqa: E402
from tests.desks import desk_for


@pytest.fixture
def server(tmp_path):
    srv = NationalServer(tmp_path / "server.db", token=TOKEN, admin=True).start()
    yield srv
    srv.stop()


def _closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more: "connection refused", like a cut network
    return f"http://127.0.0.1:{port}"


class Network:
    """Points the transport at the server or at a dead port (network cut)."""

    def __init__(self, server):
        self.server, self.up, self.dead = server, True, _closed_port_url()

    def __call__(self, _store):
        return HttpTransport(self.server.url if self.up else self.dead, TOKEN, timeout=1)


@pytest.fixture
def setup(qtbot, store, site, server, frozen_clock):
    with store.write() as session:
        for m in months_back(2, frozen_clock.today()):
            add_activity(session, site["agent"], m, 3, random.Random(m.month))
        set_setting(session, URL_KEY, server.url)
    net = Network(server)
    controller = SyncController(desk_for(store, site["agent"]), transport_factory=net, probe_ms=50, probe_max_ms=200,
                                policy_factory=lambda: RetryPolicy(sleep=lambda s: None, rng=random.Random(1)))
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    widget.show()
    return controller, widget, net


def _wait_status(qtbot, controller, status):
    qtbot.waitUntil(lambda: controller.status == status and not controller.running, timeout=15000)


def test_indicator_goes_from_pending_to_up_to_date_with_progress(qtbot, setup):
    controller, widget, _net = setup
    controller.refresh_state()
    _wait_status(qtbot, controller, "en_attente")
    assert "2 mois en attente" in widget.label.text()
    widget.grab().save(str(SHOTS / "sync_status_pending.png"))
    seen = []
    controller.progress.connect(lambda d, t, text: seen.append((d, t)))
    with qtbot.waitSignal(controller.finished, timeout=15000):
        qtbot.mouseClick(widget.button, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.LeftButton)
    _wait_status(qtbot, controller, "a_jour")
    assert widget.label.text() == "✓ À jour"
    assert seen and seen[-1] == (2, 2)
    widget.grab().save(str(SHOTS / "sync_status_ok.png"))


def test_indicator_says_offline_then_syncs_by_itself_when_the_network_comes_back(qtbot, setup):
    controller, widget, net = setup
    net.up = False
    controller.start_watching()
    _wait_status(qtbot, controller, "hors_ligne")
    assert "Hors ligne" in widget.label.text() and "2 mois en attente" in widget.label.text()
    widget.grab().save(str(SHOTS / "sync_status_offline.png"))
    net.up = True  # the network is back: the probe notices and syncs without anyone clicking
    _wait_status(qtbot, controller, "a_jour")
    controller.stop_watching()


def test_indicator_shows_token_needed_on_401_and_asks_for_a_new_token(qtbot, setup, server):
    controller, widget, _net = setup
    server.faults.set([{"kind": "401", "count": -1}])
    with qtbot.waitSignal(controller.token_needed, timeout=15000):
        controller.sync_now()
    _wait_status(qtbot, controller, "jeton")
    assert "Jeton à renouveler" in widget.label.text()


def test_indicator_shows_error_when_the_server_refuses_a_month(qtbot, setup, server):
    controller, widget, _net = setup
    server.faults.set([{"kind": "422", "count": -1}])
    controller.sync_now()
    _wait_status(qtbot, controller, "erreur")
    assert widget.label.text().startswith("✖ Erreur")
    assert "refusé" in widget.label.toolTip()
    widget.grab().save(str(SHOTS / "sync_status_error.png"))


def test_indicator_never_says_a_jour_while_a_month_stays_refused(qtbot, setup, server):
    """The refusal happened in an earlier run; this run sends nothing and the service is healthy:
    the indicator still says « Erreur » (the same summary as `guichet sync`)."""
    controller, widget, _net = setup
    server.faults.set([{"kind": "422", "count": 1}])
    controller.sync_now()
    _wait_status(qtbot, controller, "erreur")
    with qtbot.waitSignal(controller.finished, timeout=15000):
        controller.sync_now()
    controller.refresh_state()
    qtbot.wait(200)
    _wait_status(qtbot, controller, "erreur")
    assert widget.label.text().startswith("✖ Erreur") and "À jour" not in widget.label.text()


@pytest.mark.parametrize("status,words", [("copie", "Copie de base"), ("horloge", "Horloge incorrecte"),
                                          ("a_verifier", "À vérifier")])
def test_indicator_words_for_copy_clock_and_months_to_check(qtbot, store, site, status, words):
    controller = SyncController(desk_for(store, site["agent"]))
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    widget.show_status(status, 2, "détail")
    assert words in widget.label.text() and "2 mois en attente" in widget.label.text()
    assert widget.label.toolTip() == "détail"


def test_indicator_without_configuration_says_so(qtbot, store, site):
    controller = SyncController(desk_for(store, site["agent"]))
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    controller.refresh_state()
    qtbot.waitUntil(lambda: controller.status == "non_configure", timeout=10000)
    assert "non configuré" in widget.label.text()
    for w in (widget.button, widget.bar):
        assert w.accessibleName()
    # the state label is exposed as what it shows (issue 22), not as a fixed name
    from PySide6.QtGui import QAccessible

    assert QAccessible.queryAccessibleInterface(widget.label).text(QAccessible.Name) == widget.label.text()


def test_main_window_gets_the_indicator_and_sync_actions(qtbot, store, site):
    from app.ui.main_window import MainWindow

    w = MainWindow(desk_for(store, site["supervisor"]))
    qtbot.addWidget(w)
    w.show()
    controller = w.sync_controller
    controller.stop_watching()
    texts = [a.text() for a in w.menu_tools.actions()] + [a.text() for a in w.menu_supervision.actions()]
    assert "Synchroniser avec le service national" in texts
    assert "Journal de l'envoi national…" in texts and "Envoi national : aperçu…" in texts
    qtbot.waitUntil(lambda: controller.status == "non_configure", timeout=10000)
    qtbot.wait(100)  # let the status bar lay out the new text
    w.grab().save(str(SHOTS / "sync_main_window.png"))
