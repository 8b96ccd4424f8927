"""Status-bar indicator of the national sync (à jour / N mois en attente / hors ligne / erreur),
its progress bar and « Synchroniser » button, and the controller that runs syncs off the UI
thread: on demand, after a save, and automatically when the network comes back (a cheap health
probe polled with backoff — testable offscreen, unlike QNetworkInformation, which has no backend
there). The app stays fully usable offline: nothing here blocks the UI thread.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QToolButton, QWidget

from app.i18n import _, ngettext
from app.ui.a11y import data_label
from app.ui.workers import query_op, run_op

log = logging.getLogger(__name__)

# The words come from app.sync.status (shared with `guichet sync`); imported lazily there.
A_JOUR, EN_ATTENTE, HORS_LIGNE, JETON, ERREUR, NON_CONFIGURE = (
    "a_jour", "en_attente", "hors_ligne", "jeton", "erreur", "non_configure")
A_VERIFIER, COPIE, HORLOGE = "a_verifier", "copie", "horloge"


def _default_transport(desk):
    from app.sync import settings

    return desk.query(lambda session, _actor: settings.http_transport(session))


def _summary(session, actor, online, run_status, run_message):
    """What the indicator shows, for the actor's structure (app.sync.status.summarize)."""
    from app.sync import settings
    from app.sync.status import summarize

    return summarize(session, actor.structure_id, configured=bool(settings.service_url(session)), online=online,
                     run_status=run_status, run_message=run_message)


def _send(store, actor, transport, progress, policy):
    """The sync of the actor's structure (it opens its own transactions, month by month)."""
    from app.sync.client import sync_structure

    actor.require("sync_send")
    return sync_structure(store, actor.structure_id, transport, agent_id=actor.agent_id or None,
                          progress=progress, policy=policy)


class SyncController(QObject):
    """One sync at a time; `status_changed(code, pending, message)` drives the indicator."""

    status_changed = Signal(str, int, str)
    progress = Signal(int, int, str)
    finished = Signal(object)  # SyncResult, or the exception
    token_needed = Signal()

    def __init__(self, desk, parent=None, transport_factory=None, policy_factory=None,
                 probe_ms: int = 60_000, probe_max_ms: int = 600_000):
        super().__init__(parent)
        self.desk = desk
        self.transport_factory = transport_factory or _default_transport
        self.policy_factory = policy_factory
        self.running = False
        self.online: bool | None = None
        self.status, self.pending, self.message = "", 0, ""  # unknown until the first refresh
        self.last_run: tuple[str | None, str] = (None, "")  # a failed run's status, until the next one
        self.probe_ms, self.probe_max_ms, self._probe_delay = probe_ms, probe_max_ms, probe_ms
        self._probing = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.probe)

    # -- state ------------------------------------------------------------------------
    def _set(self, status: str, pending: int, message: str = "") -> None:
        self.status, self.pending, self.message = status, pending, message
        self.status_changed.emit(status, pending, message)

    def refresh_state(self) -> None:
        """Recompute the summary in the background (e.g. after a save): the same function as
        `guichet sync` (app.sync.status.summarize), so both always say the same thing."""
        run_status, run_message = self.last_run
        query_op(self, self.desk, _summary, self.online, run_status, run_message,
                 on_done=self._on_summary, on_error=self._on_error)

    def _on_summary(self, summary) -> None:
        if self.running:
            return
        self._set(summary.status, summary.pending, summary.message)

    # -- sync -------------------------------------------------------------------------
    def sync_now(self) -> bool:
        """Start a sync in the background; False when one is already running."""
        if self.running:
            return False
        self.running = True
        desk, factory, policy_factory = self.desk, self.transport_factory, self.policy_factory

        def work(progress):
            transport = factory(desk)
            try:
                return desk.store_op(_send, transport, progress, policy_factory() if policy_factory else None).value
            finally:
                transport.close()

        run_op(self, work, on_done=self._on_done, on_error=self._on_error, on_progress=self.progress.emit)
        return True

    def _on_done(self, result) -> None:
        self.running = False
        self.online = result.status != HORS_LIGNE
        if result.status == JETON:
            self.token_needed.emit()
        self.message = result.message if result.status != A_JOUR else ""
        self.last_run = (result.status, result.message) if result.status in (ERREUR, HORS_LIGNE) else (None, "")
        self.finished.emit(result)
        self.refresh_state()

    def _on_error(self, exc) -> None:
        self.running = False
        from app.models.errors import DomainError

        if not isinstance(exc, DomainError):
            log.error("sync failed:\n%s", getattr(exc, "__traceback_text__", exc))
        self.finished.emit(exc)
        self._set(ERREUR, self.pending, str(exc) if isinstance(exc, DomainError) else
                  _("La synchronisation a échoué (détails dans le journal de l'application)."))

    # -- network watcher --------------------------------------------------------------
    def start_watching(self) -> None:
        self._probe_delay = self.probe_ms
        self.timer.start(0)

    def stop_watching(self) -> None:
        self.timer.stop()

    def probe(self) -> None:
        if self._probing:
            return
        self._probing = True
        desk, factory = self.desk, self.transport_factory

        def work(_progress):
            try:
                transport = factory(desk)
            except Exception:  # not configured / no token: not "online" for us
                return None
            try:
                return transport.health()
            finally:
                transport.close()

        run_op(self, work, on_done=self._on_probe, on_error=lambda exc: self._on_probe(None))

    def _on_probe(self, online) -> None:
        self._probing = False
        was = self.online
        if online is None:  # unconfigured: check again later, quietly
            self.refresh_state()
        else:
            self.online = bool(online)
        if online:
            self._probe_delay = self.probe_ms
            if (was is not True or self.pending) and self.status not in (JETON, COPIE):  # those wait for a person
                self.sync_now()  # the network is back (or work is waiting): send now
        elif online is False:
            self._probe_delay = min(self.probe_max_ms, self._probe_delay * 2)  # back off while offline
            if not self.running:
                self.message = _("Service national injoignable.")
                self.refresh_state()  # shows « hors ligne » with the number of months waiting
        self.timer.start(self._probe_delay)


class SyncStatusWidget(QWidget):
    """The indicator: words and a symbol (never colour alone), a progress bar while sending."""

    def __init__(self, controller: SyncController, parent=None):
        super().__init__(parent)
        self.controller = controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Preferred)
        self.label = QLabel(_("Envoi national : …"))
        data_label(self.label, _("État de l'envoi national"))
        self.bar = QProgressBar()
        self.bar.setAccessibleName(_("Progression de l'envoi national"))
        self.bar.setMaximumWidth(140)
        self.bar.setTextVisible(True)
        self.bar.hide()
        self.button = QToolButton()
        self.button.setText(_("Synchroniser"))
        self.button.setAccessibleName(_("Synchroniser avec le service national"))
        self.button.setToolTip(_("Envoyer maintenant les totaux d'activité au service national (F9)"))
        self.button.clicked.connect(self.controller.sync_now)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.button)
        controller.status_changed.connect(self.show_status)
        controller.progress.connect(self.show_progress)
        controller.finished.connect(lambda _r: self.bar.hide())

    def show_status(self, status: str, pending: int, message: str) -> None:
        text = {
            A_JOUR: "✓ " + _("À jour"),
            EN_ATTENTE: "↑ " + ngettext("%d mois en attente", "%d mois en attente", pending) % pending,
            HORS_LIGNE: "⚠ " + _("Hors ligne"),
            JETON: "⚠ " + _("Jeton à renouveler"),
            ERREUR: "✖ " + _("Erreur"),
            A_VERIFIER: "⚠ " + _("À vérifier"),
            COPIE: "⛔ " + _("Copie de base : envoi bloqué"),
            HORLOGE: "⚠ " + _("Horloge incorrecte"),
            NON_CONFIGURE: "ℹ " + _("Envoi national non configuré"),
        }[status]
        if status in (HORS_LIGNE, ERREUR, JETON, A_VERIFIER, COPIE, HORLOGE) and pending:
            text += " — " + ngettext("%d mois en attente", "%d mois en attente", pending) % pending
        self.label.setText(text)
        self.label.setMinimumWidth(self.label.sizeHint().width())  # never clipped by the status text
        self.label.setToolTip(message)
        self.label.setAccessibleDescription(message)
        self.button.setEnabled(True)

    def show_progress(self, done: int, total: int, text: str) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat(f"{done}/{total}")
        self.bar.show()
        self.button.setEnabled(False)
        self.label.setText("↻ " + _("Envoi en cours…") + (f" {text}" if text else ""))


def install(window) -> None:
    """Status-bar indicator, Outils › Synchroniser (F9), automatic sync when the network is back."""
    from PySide6.QtGui import QAction, QKeySequence

    controller = SyncController(window.desk, window)
    widget = SyncStatusWidget(controller)
    window.statusBar().addPermanentWidget(widget)
    action = QAction(_("Synchroniser avec le service national"), window)
    action.setShortcut(QKeySequence("F9"))
    action.triggered.connect(controller.sync_now)
    window.menu_tools.addAction(action)
    # Months touched by a write (marked on commit, app/core/changes.py): the indicator re-reads
    # the marked months only, not every month's snapshot.
    window.ops.executed.connect(lambda changes, _source: controller.refresh_state() if changes.months else None)
    window.sync_controller = controller
    controller.refresh_state()
    controller.start_watching()
    from app.ui import sync_dialogs

    sync_dialogs.install_actions(window, controller)
