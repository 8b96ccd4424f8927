"""UI benchmark: start-up as the agent feels it, beside a bare PySide6 window, in interleaved rounds.

    .venv/bin/python bench/bench_ui.py [--rounds 10] [--typing 2.0]

Each round spawns, one after the other, three fresh offscreen processes, so machine load hits
every side alike:
- **bare**: a PySide6 `QMainWindow` that prints once painted (the limit);
- **plain**: the demo store (15,000 accompaniments, plain file, no passwords): spawn → the main
  window painted with today's figures and both lists (`painted_ms=`);
- **login**: the same data in an *encrypted* store where every agent has a password (the
  production case): spawn → the login dialog painted (`login_painted_ms=`); the benchmark then
  waits `--typing` seconds (an agent typing), writes the password to bench/login_driver.py, which
  types it into the dialog and presses « Se connecter »; Entrée → the main window painted with data.
Times are taken here, from outside, when each line arrives. Peak RSS comes from os.wait4. The
store key is kept by a test keyring file (tests/store/file_keyring.py): the OS keyring's own
latency (D-Bus, Windows Credential Manager) is not in these numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stats import load_line, summary  # noqa: E402

PASSWORD = "Banc-Essai-Guichet-2026"
BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
w = QMainWindow(); w.resize(1280, 800); w.setWindowTitle("bare"); w.show()
def painted():
    app.processEvents(); w.repaint()
    print("painted_ms=0", flush=True); QTimer.singleShot(0, app.quit)
QTimer.singleShot(0, painted)
sys.exit(app.exec())
"""


def spawn(cmd: list[str], env: dict, password: str | None = None, typing: float = 0.0) -> dict:
    """Run one process; returns the arrival time (ms since spawn) of each `name_ms=` line, and RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=ROOT, text=True)
    seen: dict[str, float] = {}
    watchdog = threading.Timer(120, proc.kill)  # a start that hangs fails the run instead of blocking it
    watchdog.start()
    for line in proc.stdout:
        name = line.split("=", 1)[0].strip()
        now = (time.perf_counter() - start) * 1000
        if name.endswith("_ms") and name not in seen:
            seen[name] = now
        if name == "login_painted_ms" and password is not None:
            time.sleep(typing)
            seen["enter"] = (time.perf_counter() - start) * 1000
            proc.stdin.write(password + "\n")
            proc.stdin.flush()
    _pid, status, usage = os.wait4(proc.pid, 0)
    watchdog.cancel()
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read()
    if "painted_ms" not in seen or code != 0:
        raise SystemExit(f"{cmd[-1]!r} did not paint (exit {code}):\n{err[-3000:]}")
    seen["rss_mb"] = usage.ru_maxrss / 1024
    return seen


def prepare(tmp: Path, encrypted: bool = True) -> tuple[Path, Path | None, dict]:
    """The plain demo store, an encrypted copy with passwords, and the environment for both."""
    import keyring

    from app.core.demo_cli import ensure_demo_store
    from tests.store.file_keyring import ENV as KEYRING_ENV, FileKeyring

    plain = ensure_demo_store(Path("/tmp/guichet-bench-demo.db"))
    keyring_file = tmp / "keyring.json"
    keyring.set_keyring(FileKeyring(keyring_file))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GUICHET_EXIT_AFTER_PAINT="1", GUICHET_AUTO_BACKUP="0",
               GUICHET_CONFIG_DIR=str(tmp / "config"), GUICHET_LOG_DIR=str(tmp / "log"),
               PYTHON_KEYRING_BACKEND="tests.store.file_keyring.FileKeyring", PYTHONPATH=str(ROOT))
    env[KEYRING_ENV] = str(keyring_file)
    env.pop("GUICHET_DB", None)
    if not encrypted:
        return plain, None, env
    target = tmp / "chiffre" / "guichet.db"
    encrypt_copy(plain, target)
    return plain, target, env


def encrypt_copy(plain: Path, target: Path) -> None:
    """`plain` exported into a new encrypted store (key provisioned as the set-up wizard does),
    then a password for every agent (production Argon2 parameters)."""
    from sqlmodel import select

    from app.core import auth
    from app.core.bootstrap import open_app_store
    from app.core.context import Actor
    from app.models.enums import Role
    from app.models.tables import Agent
    from app.store import crypto

    crypto.provision_store_key(target)
    key = crypto.load_store_key(target)
    src = crypto.sqlcipher().connect(str(plain), isolation_level=None)
    src.execute(f"ATTACH DATABASE '{target}' AS enc KEY \"x'{key.hex()}'\"")
    src.execute("SELECT sqlcipher_export('enc')")
    src.execute("DETACH DATABASE enc")
    src.close()
    store = open_app_store(target)
    with store.write() as session:
        agents = session.exec(select(Agent)).all()
        admin = next(a for a in agents if a.role == Role.ADMINISTRATEUR)
        auth.set_password(session, admin.id, PASSWORD)  # the first password needs no actor
        actor = Actor(admin.id, admin.structure_id, Role.ADMINISTRATEUR, admin.display_name)
        for agent in agents:
            if agent.id != admin.id:
                auth.set_password(session, agent.id, PASSWORD, actor)
    store.close()


def remember_passwords_on(config_dir: Path, store: Path) -> None:
    os.environ["GUICHET_CONFIG_DIR"] = str(config_dir)
    from app import config
    from app.ui import prefs

    prefs.put(config.LOGIN_FIRST_STORE, str(store))
    prefs.put(config.LAST_AGENT_LOGIN, "camille")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--typing", type=float, default=2.0, help="seconds between the dialog and Entrée")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-login", action="store_true", help="bare and plain only (code without login-first)")
    args = parser.parse_args(argv)
    if args.prepare:  # child mode: keeps the ORM out of the measuring process (see below)
        plain, encrypted, env = prepare(args.prepare, encrypted=not args.no_login)
        if encrypted:
            remember_passwords_on(args.prepare / "config", encrypted)
        print(json.dumps(dict(plain=str(plain), encrypted=encrypted and str(encrypted), env=env)))
        return 0
    with tempfile.TemporaryDirectory(prefix="guichet-bench-ui-") as folder:
        tmp = Path(folder)
        # Prepared in another process: a child forked from a parent that imported the ORM counts the
        # parent's pages in its peak RSS (ru_maxrss), so this process stays small.
        made = json.loads(subprocess.run([sys.executable, __file__, "--prepare", str(tmp)]
                                         + (["--no-login"] if args.no_login else []), capture_output=True,
                                         text=True, check=True).stdout.strip().splitlines()[-1])
        plain, encrypted, env = Path(made["plain"]), made["encrypted"], made["env"]
        plain_env = dict(env, GUICHET_AGENT="camille")
        login_env = dict(env, GUICHET_AGENT="camille")
        bare_cmd = [sys.executable, "-c", BARE]
        plain_cmd = [sys.executable, "-m", "app", "--db", str(plain)]
        login_cmd = [sys.executable, str(ROOT / "bench" / "login_driver.py"), "--db", str(encrypted)]
        # As after a first login on this computer (the usual path remembers that passwords are on):
        # the next starts are login-first. One warm-up round for the file cache.
        login_on = not args.no_login
        spawn(bare_cmd, env), spawn(plain_cmd, plain_env)
        if login_on:
            spawn(login_cmd, login_env, PASSWORD, args.typing)
        load_before = load_line()
        bare, plain_s, login = [], [], []
        for _ in range(args.rounds):
            bare.append(spawn(bare_cmd, env))
            plain_s.append(spawn(plain_cmd, plain_env))
            if login_on:
                login.append(spawn(login_cmd, login_env, PASSWORD, args.typing))
        load_after = load_line()
    rows = [
        ("bare PySide6 window: spawn → painted", [r["painted_ms"] for r in bare], None),
        ("plain store, no passwords: spawn → first paint (empty window)", [r["first_paint_ms"] for r in plain_s], None),
        ("plain store, no passwords: spawn → painted with data", [r["painted_ms"] for r in plain_s], "≤ 3× bare"),
        ("encrypted + passwords: spawn → login dialog painted", [r["login_painted_ms"] for r in login], "≤ 2× bare"),
        ("encrypted + passwords: Entrée → painted with data", [r["painted_ms"] - r["enter"] for r in login], "≤ 300 ms"),
        ("  of which the password check (Argon2id, RFC 9106 low-memory)", [r["login_checked_ms"] - r["enter"] for r in login], None),
        ("  of which password checked → painted with data", [r["painted_ms"] - r["login_checked_ms"] for r in login], None),
    ]
    rows = [r for r in rows if r[1]]
    bare_p50 = summary(rows[0][1])["p50"]
    print(f"demo data (15,000 accompaniments), {args.rounds} interleaved rounds, typing {args.typing:.1f} s")
    print(f"load average before: {load_before}   after: {load_after}")
    print("| measure | p50 | p95 | p99 | max | p50 / bare p50 | goal |")
    print("|---|---|---|---|---|---|---|")
    out = []
    for name, values, goal in rows:
        s = summary(values)
        ratio = "" if "Entrée" in name or "of which" in name else f"{s['p50'] / bare_p50:.1f}×"
        print(f"| {name} | {s['p50']:.0f} ms | {s['p95']:.0f} ms | {s['p99']:.0f} ms | {s['max']:.0f} ms | {ratio} | {goal or ''} |")
        out.append(dict(measure=name, goal=goal, **s))
    rss = {k: max(r["rss_mb"] for r in v) for k, v in (("bare", bare), ("plain", plain_s), ("login", login)) if v}
    print("| peak RSS | " + " | ".join(f"{k} {v:.0f} MB" for k, v in rss.items()) + " | | | ≤ 250 MB |")
    if args.json:
        args.json.write_text(json.dumps(dict(rows=out, rss=rss, load=[load_before, load_after]), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
