"""Smoke test of a built PyInstaller bundle (packaging/build_linux.sh builds dist/guichet).

Skipped unless GUICHET_BUNDLE points to the bundle folder, e.g.
    GUICHET_BUNDLE=dist/guichet .venv/bin/pytest tests/packaging -q
The bundle runs with a clean environment (no PYTHONPATH, no venv on PATH): it must not need
the Python of the machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BUNDLE = os.environ.get("GUICHET_BUNDLE")
pytestmark = pytest.mark.skipif(not BUNDLE, reason="GUICHET_BUNDLE not set (no built bundle to test)")
EXE_NAME = "guichet.exe" if sys.platform.startswith("win") else "guichet"


@pytest.fixture(scope="module")
def bundle() -> Path:
    path = Path(BUNDLE).resolve()
    assert (path / EXE_NAME).is_file(), f"no {EXE_NAME} in {path}"
    return path


def clean_env(tmp_path: Path) -> dict[str, str]:
    keep = {k: os.environ[k] for k in ("HOME", "LANG", "SYSTEMROOT", "TEMP", "TMP", "USERPROFILE") if k in os.environ}
    return {**keep, "PATH": "/usr/bin:/bin" if os.name != "nt" else os.environ.get("SYSTEMROOT", ""),
            "QT_QPA_PLATFORM": "offscreen", "GUICHET_EXIT_AFTER_PAINT": "1", "GUICHET_AGENT": "camille",
            "GUICHET_CONFIG_DIR": str(tmp_path / "config"), "GUICHET_LOG_DIR": str(tmp_path / "log"),
            "XDG_DATA_HOME": str(tmp_path / "data")}


def run(bundle: Path, tmp_path: Path, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([str(bundle / EXE_NAME), *args], env=clean_env(tmp_path), capture_output=True,
                          text=True, timeout=timeout)


def test_bundle_carries_data_migrations_plugins_and_metadata(bundle):
    internal = bundle / "_internal"
    assert (internal / "resources" / "catalogues" / "partners.csv").is_file()
    assert (internal / "resources" / "icons" / "guichet-256.png").is_file()
    assert (internal / "resources" / "locale" / "en" / "LC_MESSAGES" / "guichet.po").is_file()
    assert (internal / "app" / "store" / "migrations" / "env.py").is_file()
    assert (internal / "app" / "store" / "migrations" / "versions" / "0001_foundation.py").is_file()
    # copy_metadata gives dist-info, or the checkout's egg-info for an editable install.
    assert list(internal.glob("guichet-*.dist-info")) or (internal / "guichet.egg-info" / "PKG-INFO").is_file(), \
        "package metadata (version) missing"
    plugins = internal / "PySide6" / "Qt" / "plugins" / "platforms"
    assert list(plugins.glob("*offscreen*")), "offscreen platform plugin missing"
    assert not (internal / "PySide6" / "QtQml.abi3.so").exists(), "QML should be excluded"
    assert (internal / "PySide6" / "Qt" / "translations" / "qtbase_fr.qm").is_file(), "Qt's French strings missing"


def test_bundle_answers_help_without_a_python(bundle, tmp_path):
    result = run(bundle, tmp_path, "--help", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout


def test_bundle_opens_a_fresh_store_paints_and_exits_0(bundle, tmp_path):
    db = tmp_path / "demo.db"
    result = run(bundle, tmp_path, "--db", str(db), "demo")
    log = tmp_path / "log" / "guichet.log"
    detail = result.stdout + result.stderr + (log.read_text(encoding="utf-8") if log.exists() else "")
    assert result.returncode == 0, detail
    assert re.search(r"painted_ms=\d", result.stdout), detail
    assert db.is_file()
    # The store was migrated inside the bundle: Alembic found its revision files there.
    import sqlite3

    with sqlite3.connect(db) as conn:
        revisions = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    from app.store.migrate import head_revisions

    assert revisions == head_revisions()


def test_bundle_writes_the_monthly_report_in_every_format(bundle, tmp_path):
    """reportlab, XlsxWriter and their dependencies are in the bundle: the report is a supervisor's
    main use of the command line, and it used to fail there (PIL excluded)."""
    db, out = tmp_path / "demo.db", tmp_path / "rapports"
    built = run(bundle, tmp_path, "init-demo", "--db", str(db))
    assert built.returncode == 0, built.stdout + built.stderr
    result = run(bundle, tmp_path, "--db", str(db), "rapport", "--mois", "2026-10", "--format", "pdf,xlsx,csv",
                 "--sortie", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    written = {p.suffix for p in out.rglob("*") if p.is_file()}
    assert {".pdf", ".xlsx", ".csv"} <= written, sorted(str(p) for p in out.rglob("*"))
