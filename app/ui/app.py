"""Start-up: paint the window first, then open the store off the UI thread, pick the agent,
and fill the window. Heavy imports (ORM, Alembic) happen in the worker, after the first paint."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app import config, i18n
from app.i18n import _
from app.resources import resource_path
from app.ui import fit, look, prefs
from app.ui.workers import drain, run_op

log = logging.getLogger(__name__)
START = time.perf_counter()


def choose_actor(store, parent=None):
    """The agent at the desk. Returns the Grant of their login, or None if the user cancelled."""
    from app.ui.login import login_flow  # passwords, throttling, journal: issue 3

    return login_flow(store, parent)


def needs_setup(store) -> bool:
    from app.core.setup import needs_setup as store_needs_setup

    return store_needs_setup(store)


def run_setup(store, parent):
    """First run without a structure: the set-up wizard on the (new, empty) store. Returns the
    Grant of the administrator it created, or None if cancelled."""
    from app.ui.setup_wizard import run_setup_wizard

    return run_setup_wizard(store.path, parent, store=store)


def close_store_after_workers(store) -> None:
    """At quit: background operations finish first (a read or a write still running must not
    find the store closed under it), then the store closes."""
    if not drain():
        log.warning("background operations still running at close")
    store.close()


def _site_address(db: str | None) -> str | None:
    """`--db postgresql://…` (or $GUICHET_SITE): the site store's address, else None."""
    from app.store.site_store import is_site_url

    value = db if db else config.SITE_DB.get()
    return value if is_site_url(value) else None


class Startup:
    """Drives the steps after the first paint; each long step runs in a worker."""

    def __init__(self, app: QApplication, window, db: str | None, demo: bool, reset_demo: bool):
        self.app, self.window, self.db, self.demo, self.reset_demo = app, window, db, demo, reset_demo
        self.exit_after_paint = config.EXIT_AFTER_PAINT.get()
        # Measurement and screenshot runs must never wait on a dialog.
        self.non_interactive = self.exit_after_paint or config.SCREENSHOT.get() is not None

    def start(self) -> None:
        from app.store.paths import demo_store_path, resolve_store_path

        if self.demo:
            self.path = Path(self.db).expanduser().resolve() if self.db else demo_store_path()
            if self.reset_demo or not self.path.exists():
                self._build_demo()
                return
        elif _site_address(self.db):  # a site store on a PostgreSQL server (docs/site-store.md)
            self.path = _site_address(self.db)
        else:
            self.path = resolve_store_path(self.db)
            if not self.path.exists() and not self.non_interactive:
                self._create()
                return
        self._open()

    def _create(self) -> None:
        """A new production store is encrypted from its first byte; its key goes to the OS
        keyring and the recovery code is shown once. No keyring: a clear message, no file."""
        from app.core import passphrase
        from app.core.bootstrap import create_app_store
        from app.models.errors import DomainError

        phrase = None
        if passphrase.uses_passphrase(self.path):  # no secure keyring: offer a site passphrase
            from app.ui.passphrase import choose_passphrase

            phrase = choose_passphrase(self.window)
            if phrase is None:
                self.app.quit()
                return
        try:
            store, code = create_app_store(self.path, encrypted=True, passphrase=phrase)
        except DomainError as exc:
            self._fail(exc)
            return
        if code:
            from app.ui.recovery import RecoveryCodeDialog

            RecoveryCodeDialog(code, self.window, passphrase=phrase is not None).exec()
        self._opened(store)

    def _recover(self) -> bool:
        """Damaged or unreadable store: offer the recovery dialog. True if start-up goes on."""
        from app.ui.recovery import run_recovery

        outcome = run_recovery(self.window, self.path)
        if outcome in ("restored", "key_restored"):
            self._open()
            return True
        if outcome == "read_only":
            def work(report):
                from app.core.bootstrap import open_app_store

                return open_app_store(self.path, read_only=True)

            run_op(self.window, work, on_done=self._opened, on_error=self._fail_final)
            return True
        return False

    def _build_demo(self) -> None:
        from app.ui.first_run import startup_progress

        progress = startup_progress(self.window, _("Construction de la base de démonstration (données fictives)…"),
                                    _("Démonstration"))
        progress.show()

        def work(report):
            from app.core.demo_cli import ensure_demo_store

            return ensure_demo_store(self.path, reset=self.reset_demo)

        def done(_path):
            progress.close()
            self._open()

        run_op(self.window, work, on_done=done, on_error=self._fail)

    def _open(self) -> None:
        from app.core import passphrase

        if not self.non_interactive and passphrase.needs_passphrase(self.path):
            from app.ui.passphrase import ask_passphrase  # start of day, before the login

            if not ask_passphrase(self.window, self.path):
                self.app.quit()
                return

        def work(report):
            from app.core.bootstrap import open_app_store

            return open_app_store(self.path)

        run_op(self.window, work, on_done=self._opened, on_error=self._fail)

    def _opened(self, store) -> None:
        self.store = store
        self.app.aboutToQuit.connect(lambda: close_store_after_workers(store))
        grant = None
        if needs_setup(store):
            grant = None if self.demo or store.read_only else run_setup(store, self.window)
            if not grant:  # cancelled: nothing half set up
                self.app.quit()
                return
        grant = grant or choose_actor(store, self.window)
        if not grant:
            self.app.quit()
            return
        self._attach(grant)

    def resume(self, store, grant) -> None:
        """After the login-first start (app/ui/early_login.py): the store is open, the agent logged in."""
        self.store = store
        self.app.aboutToQuit.connect(lambda: close_store_after_workers(store))
        self._attach(grant)

    def _attach(self, grant) -> None:
        from app.core.desk import Desk

        shot = config.SCREENSHOT.get()
        desk = Desk(self.store, grant)
        self.window.attach(desk, defer_features=shot is None)
        if getattr(self.store, "kind", "file") == "site":  # other desks' work live, server watch
            from app.ui import site_live

            self.live = site_live.start(self.window, desk)
            self.app.aboutToQuit.connect(self.live.stop)
        if self.exit_after_paint or shot is not None:
            # lists and figures load off the UI thread: measure / grab once they are on screen
            self._when_loaded(self._after_attach)
            return
        self._after_attach()

    def _when_loaded(self, fn) -> None:
        if not self.window.loading:
            fn()
            return

        def once():
            self.window.refreshed.disconnect(once)
            fn()

        self.window.refreshed.connect(once)

    def _after_attach(self) -> None:
        store = self.store
        shot = config.SCREENSHOT.get()
        if shot is not None:  # documentation screenshots of the real app: grab after data is shown, then quit
            self.app.processEvents()  # let layouts settle around the loaded data
            self.window.grab().save(str(shot))
            QTimer.singleShot(0, self.app.quit)
            return
        if self.exit_after_paint:
            self.app.processEvents()
            self.window.repaint()
            print(f"painted_ms={(time.perf_counter() - START) * 1000:.1f}", flush=True)
            QTimer.singleShot(0, self.app.quit)
            return
        if store.read_only:
            return
        # quick_check already ran before the store was written to (app/core/bootstrap.py); what is
        # left is the journal's full chain, long on a big journal, hence in the background.
        from app.core import journal_guard

        run_op(self.window, lambda _r: journal_guard.background_check(store), on_done=self._journal_checked,
               on_error=lambda exc: log.error("journal check failed: %s", getattr(exc, "__traceback_text__", exc)))

    def _journal_checked(self, report) -> None:
        """Integrity alerts go to supervisors (once each); an agent is told one exists."""
        from app.core import journal_guard

        desk = self.window.desk
        alerts = desk.query(journal_guard.unseen_alerts)
        if alerts:
            lines = "\n".join(f"• {a.at:%d/%m/%Y %H:%M} (UTC) — {a.detail}" for a in alerts)
            QMessageBox.warning(self.window, _("Journal des accès : alerte d'intégrité"), _(
                "Le contrôle du journal des accès a constaté :\n{lines}\n\nCes alertes restent inscrites "
                "dans le journal (Supervision › Journal des accès).").format(lines=lines))
            desk.op(journal_guard.mark_alerts_seen, alerts[-1].id)
        elif not report.ok:
            self.window.statusBar().showMessage(_(
                "Anomalie constatée dans le journal des accès : un superviseur en sera averti à sa connexion."), 30000)

    def _fail(self, exc: BaseException) -> None:
        from app.models.errors import StoreError

        # An unreadable store (damaged, wrong or lost key) gets the recovery dialog first.
        if (isinstance(exc, StoreError) and not self.demo and not self.non_interactive
                and isinstance(self.path, Path) and self.path.exists()):
            if self._recover():
                return
            self.app.exit(2)
            return
        self._fail_final(exc)

    def _fail_final(self, exc: BaseException) -> None:
        from app.models.errors import DomainError

        if isinstance(exc, DomainError):
            message = exc.message
        else:
            log.error("start-up failed:\n%s", getattr(exc, "__traceback_text__", repr(exc)))
            message = _("Une erreur inattendue s'est produite. Le détail est dans le journal technique.")
        if self.non_interactive:
            print(f"error={message}", file=sys.stderr, flush=True)
            self.app.exit(2)
            return
        QMessageBox.critical(self.window, _("Guichet"), message)
        self.app.exit(2)


class _FirstPaint(QObject):
    """Measurement mode: report when the window first paints (before the store is open)."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Paint:
            print(f"first_paint_ms={(time.perf_counter() - START) * 1000:.1f}", flush=True)
            obj.removeEventFilter(self)
        return False


def _excepthook(exc_type, exc, tb):
    import traceback

    log.error("unhandled error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    app = QApplication.instance()
    if app is not None and not config.EXIT_AFTER_PAINT.get():
        from app.logging_setup import log_file

        QMessageBox.critical(None, _("Guichet"), _(
            "Désolé, une erreur inattendue s'est produite. Vos données enregistrées ne sont pas perdues.\n"
            "Détail technique : {path}").format(path=log_file()))


def _main_window():
    from app.ui.main_window import MainWindow

    window = MainWindow()
    if config.EXIT_AFTER_PAINT.get():
        window.installEventFilter(_FirstPaint(window))
    fit.show_main(window)  # maximised on a small screen (app/ui/fit.py)
    return window


def _login_first(app: QApplication, db: str | None, demo: bool, reset_demo: bool):
    """A store that had passwords at the last login starts with the login dialog, the store opening
    behind it (app/ui/early_login.py); the main window is created only after the login. None: the
    usual start (main window first, then the store, then the login)."""
    from app.store.paths import resolve_store_path
    from app.ui.early_login import LoginFirst, wants_login_first

    path = resolve_store_path(db)
    if not wants_login_first(path):
        return None

    def logged_in(store, grant):
        if grant is None:  # cancelled
            if store is not None:
                close_store_after_workers(store)
            app.quit()
            return
        flow.startup = startup = Startup(app, _main_window(), db, demo, reset_demo)  # lives as long as the flow
        startup.path = path
        startup.resume(store, grant)

    def fallback(store, exc):
        flow.startup = startup = Startup(app, _main_window(), db, demo, reset_demo)
        startup.path = path
        if exc is not None:
            startup._fail(exc)
        else:
            startup._opened(store)

    flow = LoginFirst(path, logged_in, fallback, start=START)
    flow.start()
    return flow


def run(db: str | None = None, lang: str | None = None, demo: bool = False, reset_demo: bool = False) -> int:
    from app.logging_setup import setup_logging

    setup_logging()
    sys.excepthook = _excepthook
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Guichet")
    app.setOrganizationName("Guichet")
    # No application display name: the window system would append « — Guichet » to titles that
    # already start with it (« Guichet — <structure> », app/ui/first_run.py).
    from PySide6.QtGui import QIcon

    app.setWindowIcon(QIcon(str(resource_path("icons", "guichet-256.png"))))  # title bar, taskbar
    app.setDesktopFileName("guichet")  # Wayland: ties windows to packaging/guichet.desktop
    i18n.install(lang or prefs.get(config.LANGUAGE))
    from app.ui.a11y import install_qt_translations

    install_qt_translations(app, i18n.current_language())  # Qt's own buttons and dialogs in French
    look.apply(app)  # font floor, DSFR palette and resources/styles/guichet.qss (app/ui/look.py)
    login_first = None if demo else _login_first(app, db, demo, reset_demo)
    if login_first is None:
        startup = Startup(app, _main_window(), db, demo, reset_demo)
        QTimer.singleShot(0, startup.start)
    code = app.exec()
    # Let background jobs (backup, sync check) finish before Qt objects are torn down.
    drain(10000)
    return code
