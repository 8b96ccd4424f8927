"""Right of access (everything held on one usager) and real erasure (no bytes left on disk)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlmodel import SQLModel, select

from app.core import rights
from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.activity import total_usagers
from app.core.cases import CaseFilter, list_cases
from app.core.usagers import UsagerInput, search_usagers
from app.models.errors import NotFound, PermissionDenied
from app.models.tables import Accompaniment, Usager

CANARY = "Zzqxcanaryzz"
CANARY_PHONE = "0698765432"
NOTE = "Rappeler Xyzzycanarynote pour la CAF"


def _visit(store, actor, **kw) -> Accompaniment:
    when = kw.pop("when", datetime(2026, 10, 14, 10, 30))
    with store.write() as session:  # logged as it happens (now=when): the real date plays no part
        return open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine("CAF", precision=kw.pop("precision", ""))], thematique="social_sante",
            occurred_at=when, **kw), now=when)


@pytest.fixture
def canary(store, actor):
    acc = _visit(store, actor, note=NOTE, precision=f"dossier {CANARY}",
                 new_usager=UsagerInput(first_name="Zoé", last_name=CANARY, phone=CANARY_PHONE, email="zz@example.org"))
    _visit(store, actor, usager_id=acc.usager_id, when=datetime(2026, 10, 20, 9, 0))
    _visit(store, actor, note="autre personne", new_usager=UsagerInput(first_name="Jean", last_name="Autre"))
    return acc.usager_id


def test_every_table_with_a_usager_foreign_key_has_an_erasure_policy_and_is_exported(store, site, canary):
    covered = set(rights.ERASURE)
    fk_tables = {t for t, _ in rights.usager_fk_columns()}
    assert fk_tables, "the schema should have at least the accompaniment table"
    missing = fk_tables - covered
    assert not missing, f"tables with a usager FK and no erasure policy in app/core/rights.py: {missing}"
    with store.write() as session:
        data = rights.export_usager(session, site["supervisor"], canary)
    assert fk_tables <= set(data["tables"])
    # and every table hanging off them, at any depth (démarches, history, checklists…)
    descendants, frontier = set(), set(fk_tables)
    while frontier:
        parent = frontier.pop()
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in descendants | fk_tables and any(
                    fk.column.table.name == parent for fk in table.foreign_keys):
                descendants.add(table.name)
                frontier.add(table.name)
    assert {"accompaniment_procedure", "accompaniment_event"} <= descendants
    assert descendants <= set(data["tables"])


def test_access_export_holds_every_row_about_the_usager_and_only_theirs(store, site, canary):
    sup = site["supervisor"]
    with store.write() as session:
        data = rights.export_usager(session, sup, canary)
    assert data["usager"]["last_name"] == CANARY and data["usager"]["phone"] == "+33698765432"
    assert len(data["tables"]["accompaniment"]) == 2
    assert {r["usager_id"] for r in data["tables"]["accompaniment"]} == {canary}
    assert any(CANARY in r["precision"] for r in data["tables"]["accompaniment_procedure"])
    assert len(data["tables"]["accompaniment_event"]) == 2
    assert [e["action"] for e in data["journal"]][:1] == ["usager_created"]
    dumped = rights.export_json(data)
    assert "Autre" not in dumped
    json.loads(dumped)
    readable = rights.export_text(data)
    assert CANARY in readable and "Votre fiche" in readable and "Usager créé" in readable
    with store.read() as session:  # the export itself is journaled
        again = rights.collect(session, canary)
    assert again["journal"][-1]["action"] == "usager_exported"


def test_agents_may_not_export_or_erase(store, site, canary):
    with store.write() as session:
        with pytest.raises(PermissionDenied):
            rights.export_usager(session, site["agent"], canary)
    with pytest.raises(PermissionDenied):
        rights.erase_usager(store, site["agent"], canary)
    with store.read() as session:
        assert session.get(Usager, canary).last_name == CANARY


def _grep(store, needles: list[bytes]) -> dict[str, list[bytes]]:
    found = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = store.path.with_name(store.path.name + suffix)
        if path.exists():
            content = path.read_bytes()
            hits = [n for n in needles if n in content]
            if hits:
                found[path.name] = hits
    return found


def _needles() -> list[bytes]:
    out = []
    for word in (CANARY, "Xyzzycanarynote", "698765432"):
        for variant in (word, word.lower()):
            out += [variant.encode("utf-8"), variant.encode("utf-16-le")]
    return out


def test_erasure_leaves_no_byte_of_the_usager_in_the_file_or_the_wal(store, site, canary):
    before = _grep(store, _needles())
    assert before, "the canary should be on disk before erasure (otherwise the test proves nothing)"
    report = rights.erase_usager(store, site["supervisor"], canary)
    assert report.rows == {"accompaniment": 2}
    assert _grep(store, _needles()) == {}
    wal = store.path.with_name(store.path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_erasure_keeps_counts_and_removes_the_person_from_search(store, site, canary):
    sup, agent = site["supervisor"], site["agent"]
    start, end = datetime(2026, 10, 1).date(), datetime(2026, 11, 1).date()
    with store.read() as session:
        usagers_before = total_usagers(session, None, start, end)
        accs_before = len(session.exec(select(Accompaniment)).all())
        assert len(list_cases(session, agent, CaseFilter(text=CANARY))[0]) == 2  # findable before
    rights.erase_usager(store, sup, canary)
    with store.read() as session:
        assert session.get(Usager, canary) is None
        assert total_usagers(session, None, start, end) == usagers_before
        assert len(session.exec(select(Accompaniment)).all()) == accs_before
        assert search_usagers(session, agent, CANARY) == []
        assert list_cases(session, agent, CaseFilter(text=CANARY))[0] == []
        assert list_cases(session, agent, CaseFilter(text="Xyzzycanarynote"))[0] == []
        notes = [a.note for a in session.exec(select(Accompaniment))]
    assert NOTE not in notes and "autre personne" in notes
    with pytest.raises(NotFound):
        rights.erase_usager(store, sup, canary)
