"""Backups of a site store (pg_dump from one snapshot, with its counts) and the restore drill."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from app.cli import main
from app.core import journal
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from tests.desks import desk_for
from tests.pg import open_site

pytestmark = pytest.mark.postgresql


def test_a_site_backup_restores_with_the_same_counts_and_a_verified_journal(pg_url, pg_cluster, tmp_path, capsys):
    from app.core import structures
    from app.core.context import Actor
    from app.models.enums import Role

    store = open_site(pg_url, tmp_path)
    try:
        with store.write() as s:
            fixed = structures.create_structure(s, "100001", "France services de Testville")
            agent = structures.create_agent(s, fixed.id, "marie", "Marie Curie")
        desk = desk_for(store, Actor(agent.id, fixed.id, Role.AGENT, agent.display_name))
        for i in range(5):
            desk.open_accompaniment(AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")], note=f"visite {i}"))
        with store.write() as s:
            journal.record(s, agent.id, "login")
    finally:
        store.close()
    assert main(["site", "sauvegarde", "--db", pg_url, "--dossier", str(tmp_path / "sauv")]) == 0
    [dump] = (tmp_path / "sauv").glob("*.dump")
    manifest = json.loads((tmp_path / "sauv" / f"{dump.name}.json").read_text("utf-8"))
    assert manifest["counts"]["accompaniment"] == 5 and manifest["counts"]["journal"] >= 1
    assert "5 accompagnements" in capsys.readouterr().out
    assert main(["site", "essai-restauration", "--admin", pg_cluster.url(), "--fichier", str(dump)]) == 0
    assert "Essai de restauration réussi" in capsys.readouterr().out


def test_a_damaged_backup_fails_the_drill_plainly(pg_url, pg_cluster, tmp_path, capsys):
    assert main(["site", "sauvegarde", "--db", pg_url, "--dossier", str(tmp_path)]) == 0
    [dump] = tmp_path.glob("*.dump")
    manifest_path = tmp_path / f"{dump.name}.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["counts"]["partner"] += 1  # the backup no longer holds what it claims
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    assert main(["site", "essai-restauration", "--admin", pg_cluster.url(), "--fichier", str(dump)]) == 1
    err = capsys.readouterr().err
    assert "Essai de restauration ÉCHOUÉ" in err and "partner" in err and "au lieu de" in err
