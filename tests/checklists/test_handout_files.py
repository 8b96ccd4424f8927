"""Issue 12, finding 7: handout PDFs (a first name, a list of démarches) are private and short-lived."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest

from app.core import checklists
from app.reports import handout

TODAY = date(2026, 12, 1)
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture
def private_temp(tmp_path, monkeypatch):
    """A temp folder of the test's own, and a fresh handout folder state."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(handout, "_folder", None)
    monkeypatch.setattr("atexit.register", lambda fn: fn)  # the test cleans up itself
    yield temp
    handout.remove_handouts()


@pytest.fixture
def data(store, actor, case_id):
    with store.write() as session:
        checklists.start_moment(session, actor, case_id, "deces", date(2026, 11, 20), today=TODAY)
    with store.read() as session:
        return checklists.handout_data(session, actor, case_id, include_first_name=True, today=TODAY)


@posix_only
def test_a_handout_is_0600_in_a_private_0700_folder_of_its_own(private_temp, data):
    path = handout.build_handout(data)
    assert path.parent.parent == private_temp and path.parent.name.startswith(handout.FOLDER_PREFIX)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_bytes().startswith(b"%PDF")
    assert handout.build_handout(data) != path  # every handout its own unguessable name


@posix_only
def test_a_file_planted_under_the_name_is_never_written_through(private_temp, data, tmp_path):
    folder = handout.output_dir()
    target = tmp_path / "victim.txt"
    target.write_text("intact")
    planted = folder / "planted.pdf"
    planted.symlink_to(target)
    with pytest.raises(FileExistsError):
        handout._private_file(planted)
    assert target.read_text() == "intact"


def test_handouts_older_than_the_print_delay_are_deleted_and_all_at_the_end(private_temp, data):
    old, new = handout.build_handout(data), handout.build_handout(data)
    past = time.time() - handout.KEEP_S - 5
    os.utime(old, (past, past))
    assert handout.remove_handouts(older_than_s=handout.KEEP_S) == 1
    assert not old.exists() and new.exists()
    assert handout.remove_handouts() == 1
    assert not new.exists() and not new.parent.exists()


def test_leftovers_of_a_crash_and_the_old_shared_folder_are_swept(private_temp, data):
    legacy = private_temp / handout.LEGACY_FOLDER
    legacy.mkdir()
    (legacy / "fiche-demarches-2026-01-01-abc.pdf").write_bytes(b"%PDF Bonjour Jeanne")
    crashed = private_temp / (handout.FOLDER_PREFIX + "crash")
    crashed.mkdir()
    (crashed / "fiche-demarches-2026-01-01-def.pdf").write_bytes(b"%PDF")
    past = time.time() - 3 * handout.KEEP_S
    os.utime(crashed, (past, past))
    running = private_temp / (handout.FOLDER_PREFIX + "other-guichet")  # another instance, active now
    running.mkdir()
    handout.build_handout(data)
    assert not legacy.exists() and not crashed.exists() and running.exists()


def test_the_handout_folder_is_removed_when_the_process_exits(tmp_path):
    """A real interpreter: atexit removes what was not deleted earlier."""
    code = ("import tempfile, sys; tempfile.tempdir = sys.argv[1]\n"
            "from app.reports import handout\n"
            "path = handout.output_dir() / 'fiche-demarches-x.pdf'\n"
            "handout._private_file(path).close(); print(path)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    path = Path(done.stdout.strip())
    assert path.name == "fiche-demarches-x.pdf" and not path.exists() and not path.parent.exists()
