"""The Qt binding must not leak references to None.

PySide6/shiboken6 6.12.0 drops one reference to None on every call that returns nothing
(processEvents, setText, show…): after a few thousand calls Python 3.11 aborts with
« Fatal Python error: none_dealloc » — an agent's ordinary day would crash the app. pyproject.toml
excludes that release; this test fails on any binding with the same fault."""

import subprocess
import sys

PROBE = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for i in range(3000):
    app.processEvents()
    label.setText(str(i))
    label.show()
after = sys.getrefcount(None)
for _ in range(20000):
    app.processEvents()
print(before, after)
"""


def test_void_qt_calls_keep_none_alive():
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    before, after = map(int, run.stdout.split())
    # 9,000 calls returning None: a leaking binding loses ~9,000 references, a sound one ~0
    assert after >= before - 100
