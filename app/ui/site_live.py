"""A desk on a site store sees the other desks' work live, and knows when the server is gone.

`start(window, desk)` runs app/store/site_listener.py's thread for a site store (nothing for a
desk's own file): another desk's committed write reaches this desk's screens as if it had been made
here (Desk.announce → OpsHub.executed, delivered on the UI thread), so Today and the lists refresh
within about a second; a server that stops answering shows a permanent status-bar label
« Serveur du site injoignable » within ~2 s, removed when it answers again. What the agent is typing
is untouched: nothing here closes or resets a form.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from app.i18n import _

UNREACHABLE = "Serveur du site injoignable"
REMOTE = "site"  # `source` of changes made at another desk


class SiteLive(QObject):
    status = Signal(bool)

    def __init__(self, window, desk, interval: float = 1.0):
        super().__init__(window)
        from app.core.changes import from_payload
        from app.store.site_listener import SiteListener

        self.window, self.desk = window, desk
        self.label = QLabel(_("⚠ Serveur du site injoignable : les enregistrements attendent son retour"))
        self.label.setAccessibleName(_(UNREACHABLE))
        self.label.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.label.hide()
        window.statusBar().addPermanentWidget(self.label)
        self.status.connect(self._show_status)
        url = desk.store.engine.url.render_as_string(hide_password=False)
        self.listener = SiteListener(url, lambda payload: desk.announce(from_payload(payload), REMOTE),
                                     self.status.emit, interval=interval)
        self.listener.start()

    def _show_status(self, up: bool) -> None:
        self.label.setVisible(not up)

    def stop(self) -> None:
        self.listener.stop()


def start(window, desk, interval: float = 1.0) -> SiteLive | None:
    if getattr(desk.store, "kind", "file") != "site":
        return None
    live = SiteLive(window, desk, interval)
    window.destroyed.connect(live.stop)
    return live
