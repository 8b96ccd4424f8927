"""Site notes on a fiche (journaled, per structure) and « information donnée avec la fiche » counted per month."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from app.core import fiche_notes
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.models.errors import NotFound, ValidationError
from app.models.security import JournalEntry
from tests.desks import desk_for


def _journal(store, action):
    with store.read() as session:
        return [e for e in session.exec(select(JournalEntry)) if e.action == action]


def test_a_note_is_kept_journaled_and_seen_by_its_structure_only(store, site):
    agent, bus_agent, sup = (desk_for(store, site[k]) for k in ("agent", "bus_agent", "supervisor"))
    note_id = agent.op(fiche_notes.add_note, "F1341", "  Ici, la mairie   reçoit sur rendez-vous le mardi. ").value
    assert [n.text for n in agent.query(fiche_notes.notes_for, "F1341")] == ["Ici, la mairie reçoit sur rendez-vous le mardi."]
    assert bus_agent.query(fiche_notes.notes_for, "F1341") == []  # the bus has its own notes
    assert len(sup.query(fiche_notes.notes_for, "F1341")) == 1
    assert _journal(store, "fiche_note_add")[-1].object_ref == "F1341"
    with pytest.raises(NotFound):
        bus_agent.op(fiche_notes.delete_note, note_id)
    agent.op(fiche_notes.delete_note, note_id)
    assert agent.query(fiche_notes.notes_for, "F1341") == []
    assert len(_journal(store, "fiche_note_delete")) == 1


@pytest.mark.parametrize("fiche_id, text, field", [("F1341", "   ", "note"), ("F1341", "x" * 501, "note"),
                                                     ("javascript:1", "ok", "fiche")])
def test_a_bad_note_is_refused_next_to_its_field(desk, fiche_id, text, field):
    with pytest.raises(ValidationError) as err:
        desk.op(fiche_notes.add_note, fiche_id, text)
    assert err.value.field == field


def _visit(desk, when, status=None):
    data = AccompanimentInput(procedures=[ProcedureLine("ANTS", "ANTS-CNI-PREDEMANDE")], occurred_at=when, status=status)
    return desk.open_accompaniment(data).value.id


def test_fiches_given_are_counted_per_month_with_the_reports_rules(store, site, frozen_clock):
    agent, bus_agent, sup = (desk_for(store, site[k]) for k in ("agent", "bus_agent", "supervisor"))
    october = [_visit(agent, datetime(2026, 10, d, 10)) for d in (1, 2, 3)]
    cancelled = _visit(agent, datetime(2026, 10, 4, 10), status="annule")
    september = _visit(agent, datetime(2026, 9, 30, 10))
    on_bus = _visit(bus_agent, datetime(2026, 10, 5, 10))
    for case in october + [cancelled, september]:
        agent.op(fiche_notes.record_fiche_given, case, "F1341", "Carte d'identité d'un majeur")
    agent.op(fiche_notes.record_fiche_given, october[0], "F14929", "Passeport d'un majeur")
    assert agent.op(fiche_notes.record_fiche_given, october[0], "F14929", "Passeport").value is False  # once
    bus_agent.op(fiche_notes.record_fiche_given, on_bus, "F14929", "Passeport d'un majeur")
    assert agent.query(fiche_notes.fiches_given, october[0]) == [("F1341", "Carte d'identité d'un majeur"),
                                                                ("F14929", "Passeport d'un majeur")]
    assert agent.query(fiche_notes.most_given, date(2026, 10, 1)) == [
        ("F1341", "Carte d'identité d'un majeur", 3), ("F14929", "Passeport d'un majeur", 1)]
    assert sup.query(fiche_notes.most_given, date(2026, 10, 1))[1] == ("F14929", "Passeport d'un majeur", 2)
    with pytest.raises(NotFound):
        bus_agent.op(fiche_notes.record_fiche_given, october[1], "F1341")  # not in the bus's scope


def test_the_monthly_report_lists_the_fiches_used(store, site, frozen_clock):
    from app.reports.monthly import build_report
    from app.reports.tables import sheets

    agent, sup = desk_for(store, site["agent"]), desk_for(store, site["supervisor"])
    cases = [_visit(agent, datetime(2026, 10, d, 10)) for d in (1, 2)]
    for case in cases:
        agent.op(fiche_notes.record_fiche_given, case, "F1341", "Carte d'identité d'un majeur")
    agent.op(fiche_notes.record_fiche_given, cases[0], "F265", "Carte Vitale")
    report = sup.query(build_report, date(2026, 10, 1))
    assert [(line.code, line.label, line.count) for line in report.by_fiche] == [
        ("F1341", "F1341 — Carte d'identité d'un majeur", 2), ("F265", "F265 — Carte Vitale", 1)]
    sheet = next(s for s in sheets(report) if s.name == "Fiches utilisées")
    assert sheet.rows[0][:3] == ("F1341 — Carte d'identité d'un majeur", "F1341", 2)
