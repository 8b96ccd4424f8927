"""The assistive-technology side of the AT-SPI walk: run with Debian's /usr/bin/python3 (pyatspi
is a system package), inside the same Xvfb display and D-Bus session as the app.

    atspi_walk.py <venv python> <drive_app.py>

Starts the app driver, and for each screen it reports ready, reads what the AT-SPI bus exposes
(the bus Orca reads) and records a problem for:
- a visible, focusable, enabled object without a name;
- a name that lacks its visible label text: a control whose words the driver reports as shown
  but that no object of the window is named with, or a field named without the words of the
  label that labels it (labelled-by relation);
- a label whose exposed name differs from the text it draws (data labels);
- a table that keeps the focus after one Tab (keyboard trap), the key sent through AT-SPI;
- no focus reported back on « Démarche » after a suggestion is taken with Entrée;
- no announcement after a save, a search and a report.
Prints one JSON object (screens walked, problems, announcements heard) and exits 1 on a problem.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time

import pyatspi
from gi.repository import GLib

SKIP_UNNAMED = {pyatspi.ROLE_TABLE_CELL, pyatspi.ROLE_LIST_ITEM, pyatspi.ROLE_MENU_ITEM, pyatspi.ROLE_TREE_ITEM,
                pyatspi.ROLE_COLUMN_HEADER, pyatspi.ROLE_ROW_HEADER}
NO_DESCENT = {pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE_TABLE, pyatspi.ROLE_TREE, pyatspi.ROLE_LIST,
              pyatspi.ROLE_MENU_BAR, pyatspi.ROLE_COMBO_BOX}
TAB_KEYSYM = 0xFF09
RETURN_KEYSYM = 0xFF0D
heard: list[str] = []
focused: list = []


def pump(seconds: float) -> None:
    context = GLib.MainContext.default()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        while context.pending():
            context.iteration(False)
        time.sleep(0.01)


def on_event(event) -> None:
    if event.type.startswith("object:announcement"):
        heard.append(str(event.any_data or ""))
    elif event.type.startswith("object:state-changed:focused") and event.detail1:
        focused.append(event.source)
    elif event.type.startswith("object:property-change:accessible-name"):
        try:
            if event.source.getRole() == pyatspi.ROLE_LABEL:
                heard.append("name:" + (event.source.name or ""))
        except Exception:  # the object may be gone already
            pass


def states(acc) -> set:
    try:
        return set(acc.getState().getStates())
    except Exception:
        return set()


def walk(acc, depth=0):
    """The showing objects under `acc` (tables, lists and combo boxes: the object, not its items)."""
    yield acc
    if depth > 40 or acc.getRole() in NO_DESCENT:
        return
    for i in range(acc.childCount):
        try:
            child = acc.getChildAtIndex(i)
        except Exception:
            continue
        if child is not None and pyatspi.STATE_SHOWING in states(child):
            yield from walk(child, depth + 1)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("&", "")).strip().lower()


def label_text(label) -> str:
    return norm(label.name).rstrip(" :").rstrip("*").strip()


def labelled_by(acc) -> list[str]:
    """Texts of the labels (role label, not error lines) that label `acc`."""
    texts = []
    try:
        relations = acc.getRelationSet()
    except Exception:
        return texts
    for rel in relations:
        if rel.getRelationType() != pyatspi.RELATION_LABELLED_BY:
            continue
        for k in range(rel.getNTargets()):
            target = rel.getTarget(k)
            if target is not None and target.getRole() == pyatspi.ROLE_LABEL:
                text = label_text(target)
                if text and not text.startswith("⚠"):
                    texts.append(text)
    return texts


def check_window(screen: str, window, shown: list[str], drawn: list[str], problems: list[str]) -> int:
    objects = list(walk(window))
    names = [norm(o.name) for o in objects]
    for o in objects:
        role, st, name = o.getRole(), states(o), norm(o.name)
        where = f"{screen}: {o.getRoleName()} {o.name!r}"
        if pyatspi.STATE_FOCUSABLE in st and pyatspi.STATE_SENSITIVE in st and not name and role not in SKIP_UNNAMED:
            problems.append(f"{where}: focusable, visible and unnamed")
        if pyatspi.STATE_FOCUSABLE in st:
            labels = labelled_by(o)
            if role == pyatspi.ROLE_COMBO_BOX:
                # Qt on Linux names a combo box by its value: its caption comes through labelled-by
                if not labels:
                    problems.append(f"{where}: combo box without a label relation (Orca would read only its value)")
            else:
                for text in labels:
                    if text not in name:
                        problems.append(f"{where}: labelled « {text} » but named without it")
        if role == pyatspi.ROLE_LABEL:
            try:
                text_shown = norm(o.queryText().getText(0, -1))
            except NotImplementedError:
                text_shown = ""
            if text_shown and text_shown not in name:
                problems.append(f"{where}: draws « {text_shown[:80]} » but exposes another name")
    for text in shown:
        if not any(norm(text) in n for n in names):
            problems.append(f"{screen}: a control shows « {text} » but no object is named with it")
    label_names = [norm(o.name) for o in objects if o.getRole() == pyatspi.ROLE_LABEL]
    for text in drawn:
        if not any(norm(text) in n for n in label_names):
            problems.append(f"{screen}: a label draws « {text[:80]} » but no label is named with it "
                            f"(a fixed name hides its data)")
    return len(objects)


def find_window(app, name: str, timeout: float = 10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for i in range(app.childCount):
            w = app.getChildAtIndex(i)
            if w is not None and w.name == name and pyatspi.STATE_SHOWING in states(w):
                return w
        pump(0.1)
    return None


def find_app(pid: int, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            try:
                if app is not None and app.get_process_id() == pid:
                    return app
            except Exception:
                continue
        pump(0.2)
    return None


def inside(acc, container) -> bool:
    for _ in range(60):
        if acc is None:
            return False
        if acc == container:
            return True
        try:
            acc = acc.parent
        except Exception:
            return False
    return False


def tab_trap(screen: str, window, table_name: str, problems: list[str]) -> None:
    table = next((o for o in walk(window) if o.getRole() == pyatspi.ROLE_TABLE and o.name == table_name), None)
    if table is None:
        problems.append(f"{screen}: table « {table_name} » not found")
        return
    focused.clear()
    pyatspi.Registry.generateKeyboardEvent(TAB_KEYSYM, None, pyatspi.KEY_SYM)
    pump(0.6)
    if not focused:
        problems.append(f"{screen}: Tab from « {table_name} » moved the focus nowhere")
    elif inside(focused[-1], table):
        problems.append(f"{screen}: Tab stayed inside « {table_name} » (keyboard trap)")


def suggestion_returns_focus(screen: str, problems: list[str]) -> None:
    """Type « caf rsa » in the démarche field, take the first suggestion with Entrée: the field
    must be reported focused again (the popup's items took the focus meanwhile)."""
    for ch in "caf rsa":
        pyatspi.Registry.generateKeyboardEvent(ord(ch), None, pyatspi.KEY_SYM)
        pump(0.05)
    pump(0.8)
    focused.clear()
    pyatspi.Registry.generateKeyboardEvent(RETURN_KEYSYM, None, pyatspi.KEY_SYM)
    pump(0.8)
    names = [f.name for f in focused if f is not None]
    if not names or names[-1] != "Démarche":
        problems.append(f"{screen}: after Entrée on a suggestion, focus reported on {names[-3:]} and not on « Démarche »")


def expect_heard(screen: str, what: str, pattern: str, problems: list[str], timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(re.search(pattern, h, re.I) and not h.startswith("name:") for h in heard):
            return
        pump(0.1)
    problems.append(f"{screen}: no announcement after {what} (heard: {heard[-5:]})")


def main() -> int:
    python, driver = sys.argv[1], sys.argv[2]
    for kind in ("object:announcement", "object:state-changed:focused", "object:property-change:accessible-name"):
        pyatspi.Registry.registerEventListener(on_event, kind)
    env = dict(os.environ, QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", QT_ACCESSIBILITY="1", QT_QPA_PLATFORM="xcb")
    proc = subprocess.Popen([python, driver], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                            bufsize=1)
    problems: list[str] = []
    walked: dict[str, int] = {}
    started = time.monotonic()
    app = None
    try:
        while True:
            line = read_line(proc, 90)
            if line is None:
                problems.append("the app stopped or stalled before the end of the walk")
                break
            if line.startswith("DONE"):
                break
            if not line.startswith("READY "):
                continue
            _, screen, payload = line.split(" ", 2)
            info = json.loads(payload)
            app = app or find_app(proc.pid)
            if app is None:
                problems.append("the app never showed up on the AT-SPI bus")
                break
            window = find_window(app, info["window"])
            if window is None:
                problems.append(f"{screen}: window « {info['window']} » not on the bus")
                send(proc, "NEXT")
                continue
            walked[screen] = check_window(screen, window, info["shown"], info["drawn"], problems)
            if info.get("tab_from"):
                tab_trap(screen, window, info["tab_from"], problems)
            if screen == "form":
                suggestion_returns_focus(screen, problems)
            action = {"main": ("SEARCH", "a search", r"trouvé"), "form": ("SAVE", "a save", r"enregistré"),
                      "report": ("REPORT", "a report", r"Rapport créé")}.get(screen)
            if action:
                send(proc, action[0])
                expect_heard(screen, action[1], action[2], problems)
            send(proc, "NEXT")
    finally:
        try:
            proc.stdin.close()
        except Exception:
            pass
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(json.dumps({"walked": walked, "problems": problems, "heard": [h for h in heard if not h.startswith("name:")],
                      "seconds": round(time.monotonic() - started, 1)}, ensure_ascii=False))
    return 1 if problems else 0


def send(proc, command: str) -> None:
    proc.stdin.write(command + "\n")
    proc.stdin.flush()


def read_line(proc, timeout: float) -> str | None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if select.select([proc.stdout], [], [], 0.05)[0]:
            line = proc.stdout.readline()
            return line.strip() if line else None
        pump(0.0)
    return None


if __name__ == "__main__":
    sys.exit(main())
