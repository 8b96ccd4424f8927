"""« Feuille de route »: a bus day's sheet saved all or nothing, with each refused row named."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlmodel import select

from app.core.accompaniments import ProcedureLine
from app.core.route_sheet import Sheet, SheetErrors, SheetRow, parse_time, save_sheet
from app.models.errors import ValidationError
from app.models.tables import Accompaniment
from tests.desks import desk_for

CG = ProcedureLine("ANTS", "ANTS-CG-CHANGEMENT-TITULAIRE")


def row(t: str, procedure=CG, **kw) -> SheetRow:
    kw.setdefault("canal", "itinerant_bus")
    kw.setdefault("response_type", "information_orientation")
    return SheetRow(t, procedure, **kw)


def saved(store) -> list[Accompaniment]:
    with store.read() as s:
        return list(s.exec(select(Accompaniment).order_by(Accompaniment.occurred_at)))


@pytest.mark.parametrize("typed, expected", [
    ("9:30", time(9, 30)), ("09h30", time(9, 30)), ("0930", time(9, 30)), ("930", time(9, 30)),
    ("9h", time(9, 0)), ("14", time(14, 0)), (" 16.05 ", time(16, 5)),
])
def test_times_are_typed_the_way_agents_write_them(typed, expected):
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["", "25:00", "9:75", "midi", "9:3"])
def test_a_bad_time_is_refused_in_french(typed):
    with pytest.raises(ValidationError) as err:
        parse_time(typed)
    assert err.value.field == "time" and "9:30" in err.value.message


def test_a_sheet_logs_one_accompaniment_per_row_at_the_stop_and_day(store, site, frozen_clock):
    desk = desk_for(store, site["bus_agent"])
    stop = site["stops"][1]
    day = frozen_clock.today() - timedelta(days=1)
    ids = desk.op(save_sheet, Sheet(day, stop.id, [
        row("9:05"), row("9h40", ProcedureLine("CAF", "CAF-RSA"), duration_min=25, note="dossier complet"),
        row("1015", ProcedureLine("DGFIP"), canal="telephone")])).value
    assert len(ids) == 3
    rows = saved(store)
    assert [r.occurred_at for r in rows] == [datetime.combine(day, time(9, 5)), datetime.combine(day, time(9, 40)),
                                             datetime.combine(day, time(10, 15))]
    assert [r.bus_stop_id for r in rows] == [stop.id] * 3  # a bus keeps its stop, even for a call
    assert rows[1].duration_min == 25 and rows[1].note == "dossier complet" and rows[2].canal == "telephone"
    assert {r.structure_id for r in rows} == {site["bus"].id}


def test_one_bad_row_saves_nothing_and_every_refused_row_is_named(store, site, frozen_clock):
    desk = desk_for(store, site["bus_agent"])
    day = frozen_clock.today() - timedelta(days=2)
    with pytest.raises(SheetErrors) as err:
        desk.op(save_sheet, Sheet(day, site["stops"][0].id, [
            row("9:00"), row("25:00"), row("10:00", None), row("11:00", duration_min=0)]))
    assert sorted(err.value.rows) == [1, 2, 3]
    assert [err.value.rows[i].field for i in (1, 2, 3)] == ["time", "procedure", "duration"]
    assert "3 ligne(s)" in err.value.message and "rien n'a été enregistré" in err.value.message
    assert saved(store) == []


def test_a_bus_sheet_without_stop_is_refused_row_by_row(store, site, frozen_clock):
    desk = desk_for(store, site["bus_agent"])
    with pytest.raises(SheetErrors) as err:
        desk.op(save_sheet, Sheet(frozen_clock.today(), None, [row("8:00")]))
    assert err.value.rows[0].field == "bus_stop"


def test_days_in_the_future_or_beyond_retention_are_refused_and_later_hours_today_too(store, site, frozen_clock):
    desk = desk_for(store, site["bus_agent"])
    stop = site["stops"][0].id
    for day in (frozen_clock.today() + timedelta(days=1), frozen_clock.today() - timedelta(days=800)):
        with pytest.raises(ValidationError) as err:
            desk.op(save_sheet, Sheet(day, stop, [row("9:00")]))
        assert err.value.field == "day"
    later = (frozen_clock.now() + timedelta(hours=1)).strftime("%H:%M")
    if frozen_clock.now().hour < 23:  # at 23:xx an hour later is tomorrow: nothing to test
        with pytest.raises(SheetErrors) as err:
            desk.op(save_sheet, Sheet(frozen_clock.today(), stop, [row(later)]))
        assert err.value.rows[0].field == "occurred_at"
    with pytest.raises(ValidationError) as err:
        desk.op(save_sheet, Sheet(frozen_clock.today(), stop, []))
    assert err.value.field == "rows"
    assert saved(store) == []
