"""Screenshots of Guichet on a real X display: Xvfb + openbox (a real window manager: title bars,
placement, maximise), driven by the keyboard with xdotool as an agent would, captured with
ImageMagick's `import -window root`. Offscreen rendering misses what only a real display shows
(window-manager clamping, redraw bugs); this run sees it.

    .venv/bin/python scripts/screenshots_x11.py [OUT_DIR] [--check]

Two sessions, each in its own `xvfb-run`:
  * 1366×768 (the usual France services PC): main window, the form, « À relancer », the
    « Démarrer un moment de vie » dialog and the moments de vie panel;
  * 1600×1000 at QT_SCALE_FACTOR=2 (200 % text, where issue 15 was found): main window and form.
Every window the run opens is measured with xdotool; one outside the screen is reported, and with
`--check` the exit code is 1 and a JSON report of the window geometries is written to
OUT_DIR/x11-report.json (tests/ui/test_x11_smoke.py runs it so). Takes 30–50 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("xvfb-run", "openbox", "xdotool", "import")
SESSIONS = {
    "1366": dict(screen=(1366, 768), scale=None),
    "200pct": dict(screen=(1600, 1000), scale="2"),
}


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


# -- inside the X session ----------------------------------------------------------------------
def sh(*args: str, check: bool = True, timeout: float = 20) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def wait_window(name: str, timeout: float = 30) -> str:
    """The id of the newest visible window whose title matches `name` (a regular expression)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ids = sh("xdotool", "search", "--onlyvisible", "--name", name, check=False).split()
        if ids:
            return ids[-1]
        time.sleep(0.2)
    titles = [sh("xdotool", "getwindowname", i, check=False)
              for i in sh("xdotool", "search", "--onlyvisible", "--name", ".", check=False).split()]
    raise RuntimeError(f"no window « {name} » after {timeout:.0f} s; visible: {titles}")


def wait_gone(window_id: str, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if window_id not in sh("xdotool", "search", "--onlyvisible", "--name", ".", check=False).split():
            return
        time.sleep(0.2)


def geometry(window_id: str) -> dict:
    """The window's frame (title bar and borders included) in screen coordinates."""
    info = sh("xwininfo", "-id", window_id, "-frame") if shutil.which("xwininfo") else ""
    values = {}
    for line in info.splitlines():
        key, _, value = line.strip().partition(":")
        values[key] = value.strip()
    if values:
        x, y = int(values["Absolute upper-left X"]), int(values["Absolute upper-left Y"])
        w, h = int(values["Width"]), int(values["Height"])
    else:
        shell = dict(line.split("=") for line in sh("xdotool", "getwindowgeometry", "--shell", window_id).splitlines())
        x, y, w, h = (int(shell[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
    return {"x": x, "y": y, "width": w, "height": h}


def wait_still(least: float = 6, timeout: float = 30) -> None:
    """Until the screen stops changing (two identical captures 0.7 s apart), at least `least` s."""
    start, previous = time.monotonic(), b""
    frame = Path(tempfile.mkdtemp(prefix="guichet-x11-")) / "frame.rgb"
    while time.monotonic() - start < timeout:
        time.sleep(0.7)
        sh("import", "-window", "root", "-depth", "8", str(frame))
        current = frame.read_bytes()
        if current == previous and time.monotonic() - start >= least:
            return
        previous = current


def key(*keys: str, window_id: str | None = None) -> None:
    args = ["xdotool", "key", "--clearmodifiers"]
    if window_id:
        args += ["--window", window_id]
    sh(*args, *keys)
    time.sleep(0.4)


def type_text(text: str) -> None:
    sh("xdotool", "type", "--delay", "40", text)
    time.sleep(0.4)


class Session:
    """One Guichet run on the current DISPLAY: windows seen, screenshots taken."""

    def __init__(self, name: str, out: Path, screen: tuple[int, int]):
        self.name, self.out, self.screen = name, out, screen
        self.windows: list[dict] = []

    def measure(self, label: str, window_id: str) -> dict:
        g = geometry(window_id)
        w, h = self.screen
        g.update(label=label, session=self.name,
                 inside=g["x"] >= 0 and g["y"] >= 0 and g["x"] + g["width"] <= w and g["y"] + g["height"] <= h)
        self.windows.append(g)
        return g

    def shot(self, filename: str) -> None:
        time.sleep(0.6)  # the last repaint after a key
        sh("import", "-window", "root", str(self.out / filename))


def session_main(name: str, out: Path, db: Path, usager: str) -> int:
    """Runs inside xvfb-run: openbox, then Guichet driven by the keyboard."""
    w, h = SESSIONS[name]["screen"]
    wm = subprocess.Popen(["openbox", "--sm-disable"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", GUICHET_AGENT="camille", GUICHET_AUTO_BACKUP="0",
               GUICHET_CONFIG_DIR=tempfile.mkdtemp(prefix="guichet-x11-"))
    session = Session(name, out, (w, h))
    app = None
    try:
        time.sleep(0.8)  # openbox takes the root window
        app = subprocess.Popen([sys.executable, "-m", "app", "demo", "--db", str(db)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # GUICHET_AGENT logs the demo agent in (no passwords in the demo store): no dialog
        main = wait_window("accompagnements France services")
        wait_still()  # lists, Today's figures, then the menus and icons (after the first paint)
        session.measure("main window", main)
        session.shot(f"x11-{name}-main.png")
        key("ctrl+n")
        form = wait_window("^Nouvel accompagnement")
        type_text("carte gr")
        session.measure("form", form)
        session.shot(f"x11-{name}-form.png")
        key("Escape")  # the suggestions
        key("Escape")  # the form
        wait_gone(form)
        if name == "1366":
            key("ctrl+l")
            session.shot(f"x11-{name}-relancer.png")
            key("ctrl+f")
            type_text(usager)
            key("Return")  # to the list, first row selected
            key("ctrl+m")
            start = wait_window("^Démarrer un moment de vie")
            session.measure("start moment", start)
            session.shot(f"x11-{name}-start-moment.png")
            key("Escape")
            wait_gone(start)
            key("ctrl+shift+m")
            time.sleep(1)
            session.measure("main window with moments panel", main)
            session.shot(f"x11-{name}-moments.png")
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
        wm.terminate()
    (out / f"x11-{name}.json").write_text(json.dumps(session.windows, indent=1), encoding="utf-8")
    return 0


# -- outside: build the demo store, then one xvfb-run per session ---------------------------------
def demo_with_moment(db: Path) -> str:
    """Build the demo store; the name of an usager whose latest case has a moment de vie."""
    subprocess.run([sys.executable, "-m", "app", "init-demo", "--db", str(db)], cwd=ROOT, check=True,
                   capture_output=True)
    code = ("import sys; from app.core.bootstrap import open_app_store; from sqlmodel import select; "
            "from app.models.tables import Accompaniment, Usager; from app.models.checklists import CaseMoment; "
            "s = open_app_store(sys.argv[1]);\n"
            "with s.read() as q: print(q.exec(select(Usager.last_name).join(Accompaniment, Accompaniment.usager_id == Usager.id)"
            ".join(CaseMoment, CaseMoment.accompaniment_id == Accompaniment.id)"
            ".order_by(Accompaniment.occurred_at.desc())).first())\ns.close()")
    return subprocess.run([sys.executable, "-c", code, str(db)], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if not a.startswith("--")]
    out = Path(args[0] if args else ROOT / "docs" / "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    missing = missing_tools()
    if missing:
        print("missing: " + ", ".join(missing) + " (scripts/bootstrap.sh installs them)", file=sys.stderr)
        return 2
    start = time.monotonic()
    db = Path(tempfile.mkdtemp(prefix="guichet-x11-")) / "demo.db"
    usager = demo_with_moment(db)
    report, failed = [], False
    for name, spec in SESSIONS.items():
        w, h = spec["screen"]
        env = dict(os.environ)
        if spec["scale"]:
            env["QT_SCALE_FACTOR"] = spec["scale"]
        done = subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {w}x{h}x24", sys.executable, __file__,
                               "--session", name, str(out), str(db), usager], env=env, timeout=180)
        failed |= done.returncode != 0
        path = out / f"x11-{name}.json"
        if path.exists():
            report += json.loads(path.read_text(encoding="utf-8"))
            path.unlink()
    outside = [w for w in report if not w["inside"]]
    if check:  # for tests/ui/test_x11_smoke.py; not left among the README's pictures
        (out / "x11-report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    for w in report:
        print(f"{w['session']:>7} {w['label']:<32} {w['width']}×{w['height']} at ({w['x']}, {w['y']})"
              + ("" if w["inside"] else "  OUTSIDE THE SCREEN"))
    print(f"x11 screenshots in {out} ({time.monotonic() - start:.0f} s)")
    return 1 if check and (failed or outside) else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--session":
        name, out, db, usager = sys.argv[2:6]
        sys.exit(session_main(name, Path(out), Path(db), usager))
    sys.exit(main(sys.argv[1:]))
