"""The real application on a site store: `guichet --db postgresql://…` paints the main window."""

import os
import subprocess
import sys

import pytest

from app.core import structures
from tests.pg import open_site

pytestmark = pytest.mark.postgresql


def test_app_starts_on_a_site_store_and_paints_the_main_window(pg_url, tmp_path):
    store = open_site(pg_url, tmp_path)
    with store.write() as s:
        fixed = structures.create_structure(s, "100001", "France services de Testville")
        structures.create_agent(s, fixed.id, "marie", "Marie Curie")
    store.close()
    shot = tmp_path / "site.png"
    env = dict(os.environ, GUICHET_EXIT_AFTER_PAINT="1", GUICHET_AGENT="marie", QT_QPA_PLATFORM="offscreen",
               GUICHET_CONFIG_DIR=str(tmp_path / "cfg"), GUICHET_LOG_DIR=str(tmp_path / "log"),
               XDG_DATA_HOME=str(tmp_path / "data"), GUICHET_SCREENSHOT=str(shot))
    env.pop("GUICHET_DB", None)
    result = subprocess.run([sys.executable, "-m", "app", "--db", pg_url], env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert shot.stat().st_size > 10000  # grabbed once the site's data was on screen
    assert list((tmp_path / "data").rglob("*.site.repere-journal"))  # the journal head pinned on this desk
