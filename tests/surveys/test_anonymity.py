"""A response cannot be linked back to a usager or an accompaniment: proven on the live schema."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import inspect, text
from sqlmodel import select

from app.core.surveys import input_for_accompaniment, record_response
from app.models.surveys import SurveyResponse
from tests.surveys.factories import visit


def test_schema_has_no_column_or_key_towards_people_or_visits(store):
    insp = inspect(store.engine)
    columns = {c["name"]: c for c in insp.get_columns("survey_response")}
    for name in columns:
        assert not any(word in name for word in ("usager", "accompaniment", "agent", "user", "person", "_at"))
    targets = {fk["referred_table"] for fk in insp.get_foreign_keys("survey_response")}
    assert targets == {"structure", "bus_stop", "partner"}
    # no time anywhere: the only temporal column is a DATE
    temporal = [n for n, c in columns.items() if "DATE" in str(c["type"]).upper() or "TIME" in str(c["type"]).upper()]
    assert temporal == ["answered_on"] and str(columns["answered_on"]["type"]).upper() == "DATE"


def test_stored_values_cannot_be_joined_to_the_accompaniment(store, site):
    usager_visit = visit(store, site["agent"], when=datetime(2026, 11, 20, 9, 17, 42))
    with store.read() as s:
        data = input_for_accompaniment(s, usager_visit, today=date(2026, 11, 20))
    data.satisfaction_globale = 5
    with store.write() as s:
        record_response(s, site["agent"], data, today=date(2026, 11, 20))
    with store.read() as s:
        acc_uuid, occurred = s.exec(text("SELECT uuid, occurred_at FROM accompaniment")).one()
        raw = s.exec(text("SELECT * FROM survey_response")).mappings().one()
        stored_date = s.exec(text("SELECT answered_on, typeof(answered_on) FROM survey_response")).one()
        # neither the visit's id nor its uuid nor its time appears in any stored value
        for value in raw.values():
            assert value != acc_uuid and "09:17" not in str(value) and "9:17" not in str(value)
        assert stored_date == ("2026-11-20", "text")  # date only, 10 characters
        # joining on the timestamp, the way one would try to re-identify, finds nothing
        assert s.exec(text("SELECT count(*) FROM accompaniment a JOIN survey_response r "
                           "ON r.answered_on = a.occurred_at")).one()[0] == 0
        assert s.exec(select(SurveyResponse)).one().uuid != acc_uuid
    assert str(occurred).startswith("2026-11-20 09:17")
