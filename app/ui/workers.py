"""Background operations (after Anki's QueryOp/CollectionOp).

`run_op(parent, fn, on_done=..., on_error=...)` runs `fn(progress)` on a worker thread and
delivers the result or the exception back on the UI thread. `progress(done, total, text)` may be
called from `fn` to drive a progress bar. Every sync, report and import goes through this.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int, str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], signals: _Signals):
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn(lambda d, t, text="": self.signals.progress.emit(int(d), int(t), text))
        except BaseException as exc:  # delivered to the UI thread, which decides how to show it
            exc.__traceback_text__ = traceback.format_exc()
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


_live: set[_Signals] = set()  # keep signal objects alive until delivery


def run_op(parent: QObject | None, fn: Callable[[Progress], Any], *,
           on_done: Callable[[Any], None] | None = None,
           on_error: Callable[[BaseException], None] | None = None,
           on_progress: Callable[[int, int, str], None] | None = None,
           pool: QThreadPool | None = None) -> _Signals:
    signals = _Signals(parent)
    _live.add(signals)

    def _finish(_=None):
        _live.discard(signals)

    if on_done:
        signals.done.connect(on_done)
    if on_error:
        signals.failed.connect(on_error)
    else:
        signals.failed.connect(lambda exc: log.error("background op failed:\n%s", getattr(exc, "__traceback_text__", exc)))
    if on_progress:
        signals.progress.connect(on_progress)
    signals.done.connect(_finish)
    signals.failed.connect(_finish)
    (pool or QThreadPool.globalInstance()).start(_Job(fn, signals))
    return signals


# --------------------------------------------------------------------------- Desk operations
# After Anki's QueryOp / CollectionOp: reads run on the global pool, writes on a pool of one
# thread so they apply in the order the agent made them; the result or the failure comes back
# on the UI thread. A failure the user caused (DomainError) is shown as its French message; any
# other is logged with its traceback and shown as an unexpected error — never swallowed.

_write_pool: QThreadPool | None = None


def write_pool() -> QThreadPool:
    global _write_pool
    if _write_pool is None:
        _write_pool = QThreadPool()
        _write_pool.setMaxThreadCount(1)
    return _write_pool


def show_failure(parent, exc: BaseException) -> None:
    """The failure → message step every operation ends with when the caller has no better place."""
    from PySide6.QtWidgets import QMessageBox

    from app.i18n import _
    from app.models.errors import DomainError

    if isinstance(exc, DomainError):
        QMessageBox.warning(parent, _("Guichet"), exc.message)
        return
    log.error("operation failed:\n%s", getattr(exc, "__traceback_text__", exc))
    QMessageBox.critical(parent, _("Guichet"), _("Erreur inattendue : l'opération n'a pas abouti. "
                                                 "Le détail est dans le journal technique."))


def query_op(parent: QObject | None, desk, fn: Callable[..., Any], *args,
             on_done: Callable[[Any], None], on_error: Callable[[BaseException], None] | None = None,
             **kwargs) -> _Signals:
    """Run the read use case `fn(session, actor, *args)` through the Desk, off the UI thread."""
    return run_op(parent, lambda _progress: desk.query(fn, *args, **kwargs), on_done=on_done,
                  on_error=on_error or (lambda exc: show_failure(parent, exc)))


def collection_op(parent: QObject | None, desk, fn: Callable[..., Any], *args,
                  on_done: Callable[[Any], None] | None = None,
                  on_error: Callable[[BaseException], None] | None = None, source: object = None,
                  **kwargs) -> _Signals:
    """Run the write use case through the Desk on the serial write pool. `on_done` gets the
    OpResult (value, changes); every screen hears the changes through `OpsHub.executed`."""
    return run_op(parent, lambda _progress: desk.op(fn, *args, source=source, **kwargs), on_done=on_done,
                  on_error=on_error or (lambda exc: show_failure(parent, exc)), pool=write_pool())


class OpsHub(QObject):
    """One signal for every committed write: `executed(changes, source)`, delivered on the UI
    thread whichever thread ran the operation (Anki's operation_did_execute)."""

    executed = Signal(object, object)

    def __init__(self, desk, parent: QObject | None = None):
        super().__init__(parent)
        self._unlisten = desk.listen(lambda changes, source: self.executed.emit(changes, source))

    def detach(self) -> None:
        self._unlisten()


def drain(timeout_ms: int = 30000) -> bool:
    """Wait for every background operation to finish (call before closing the store)."""
    ok = QThreadPool.globalInstance().waitForDone(timeout_ms)
    return write_pool().waitForDone(timeout_ms) and ok
