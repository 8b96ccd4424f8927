"""`guichet rapport` end to end on a real store file."""

from __future__ import annotations

from app.cli import main
from app.models.errors import PermissionDenied
from app.reports import export
from tests.reports.conftest import OCTOBER

import pytest


def test_rapport_command_writes_the_chosen_formats(store, october, tmp_path, capsys):
    out = tmp_path / "sortie"
    code = main(["--db", str(tmp_path / "guichet.db"), "rapport", "--mois", "2026-10", "--structure", "100001",
                 "--format", "xlsx,csv", "--sortie", str(out)])
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[-1] for p in printed] == ["rapport-2026-10-100001.xlsx", "rapport-2026-10-100001-tableaux.csv"]
    assert not (out / "rapport-2026-10-100001-detail.csv").exists()


def test_rapport_command_refuses_bad_input_in_french(store, october, tmp_path, capsys):
    db = str(tmp_path / "guichet.db")
    assert main(["--db", db, "rapport", "--mois", "oct"]) == 2
    assert "AAAA-MM" in capsys.readouterr().err
    assert main(["--db", db, "rapport", "--mois", "2026-10", "--format", "docx"]) == 2
    assert "Formats possibles" in capsys.readouterr().err
    assert main(["--db", db, "rapport", "--mois", "2026-10", "--structure", "42"]) == 2
    assert "matricule 42" in capsys.readouterr().err
    assert main(["--db", db, "rapport", "--mois", "2026-10", "--detail", "--identifiant", "marie",
                 "--sortie", str(tmp_path / "x")]) == 2
    assert "réservée aux superviseurs" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_detail_export_is_for_supervisors_and_is_journaled(store, october, tmp_path):
    with pytest.raises(PermissionDenied):
        export.produce(store, october["agent"], OCTOBER, tmp_path, formats=["csv"], detail=True)
    paths = export.produce(store, october["supervisor"], OCTOBER, tmp_path, formats=["csv"], detail=True)
    assert [p.name for p in paths] == ["rapport-2026-10-tableaux.csv", "rapport-2026-10-detail.csv"]
    journal = pytest.importorskip("app.core.journal")
    from sqlmodel import select
    with store.read() as s:
        actions = [e.action for e in s.exec(select(journal.JournalEntry))]
    assert "export_raw_report" in actions


def test_detail_refuses_a_supervisor_without_a_password_once_anyone_has_one(store, october, tmp_path, capsys,
                                                                            monkeypatch):
    """Issue 12, finding 1: `rapport --detail` used to skip the password of an agent who had none."""
    from argon2 import profiles

    from app.core import auth

    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)
    with store.write() as session:
        auth.set_password(session, october["agent"].agent_id, "Tournesol-Bleu-2026")
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt) or "")
    out = tmp_path / "x"
    assert main(["--db", str(tmp_path / "guichet.db"), "rapport", "--mois", "2026-10", "--detail",
                 "--identifiant", "paul", "--sortie", str(out)]) == 2
    assert "demandez à un administrateur" in capsys.readouterr().err
    assert not out.exists()
