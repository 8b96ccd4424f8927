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
