"""Core rules behind the counter form: typed dates, the visit date window, long notes, the
survey offer after a visit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from app import config
from app.core import accompaniments as acc
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.survey_offer import set_site_offers_survey, survey_offer_due
from app.core.typed_dates import parse_date, parse_time
from app.models.errors import PermissionDenied, ValidationError
from app.models.tables import Accompaniment
from sqlmodel import select

NOW = datetime(2026, 10, 14, 10, 30)


@pytest.mark.parametrize("text, expected", [
    ("14/10/2026", date(2026, 10, 14)), ("1/2/2027", date(2027, 2, 1)), ("29/02/2028", date(2028, 2, 29)),
    (" 14-10-2026 ", date(2026, 10, 14)), ("14.10.2026", date(2026, 10, 14)),
])
def test_french_dates_are_read(text, expected):
    assert parse_date(text, "d", "Date") == expected


@pytest.mark.parametrize("text, words", [
    ("31/02/2027", "le 31/02/2027 n'existe pas"), ("29/02/2027", "n'existe pas"),
    ("12/13/2026", "le mois 13 n'existe pas"), ("14/10/26", "n'est pas une date"),
    ("//", "saisissez une date"), ("١٤/١٠/٢٠٢٦", "n'est pas une date"),
])
def test_impossible_dates_are_refused_with_the_reason_never_corrected(text, words):
    with pytest.raises(ValidationError) as info:
        parse_date(text, "follow_up_on", "Date de relance")
    assert words in info.value.message and info.value.field == "follow_up_on"


@pytest.mark.parametrize("text, expected", [("10:30", time(10, 30)), ("9h05", time(9, 5)), ("14h", time(14)),
                                            ("7", time(7))])
def test_times_are_read(text, expected):
    assert parse_time(text, "t", "Heure") == expected


@pytest.mark.parametrize("text", ["24:00", "10:60", "ab", ":"])
def test_impossible_times_are_refused(text):
    with pytest.raises(ValidationError):
        parse_time(text, "t", "Heure")


def _visit(store, actor, **kw):
    with store.write() as s:
        return acc.open_accompaniment(s, actor, AccompanimentInput([ProcedureLine("CAF", "CAF-RSA")], **kw),
                                      now=kw.pop("now", NOW)).id


def test_a_visit_in_the_future_is_refused_next_to_the_date(store, actor):
    with pytest.raises(ValidationError) as info:
        _visit(store, actor, occurred_at=NOW + timedelta(hours=1))
    assert info.value.field == "occurred_at" and "futur" in info.value.message


def test_a_visit_before_the_retention_window_is_refused_and_the_window_follows_the_setting(store, actor):
    _visit(store, actor, occurred_at=datetime(2024, 10, 14, 9, 0))  # 24 months back: the first day allowed
    with pytest.raises(ValidationError) as info:
        _visit(store, actor, occurred_at=datetime(2024, 10, 13, 17, 0))
    assert info.value.field == "occurred_at"
    assert info.value.message == ("Date de l'accompagnement : le 14/10/2024 au plus tôt "
                                  "(durée de conservation des données).")
    with store.write() as s:
        config.RETENTION_MONTHS.set(s, 6)
    with pytest.raises(ValidationError):
        _visit(store, actor, occurred_at=datetime(2026, 4, 13, 9, 0))
    _visit(store, actor, occurred_at=datetime(2026, 4, 14, 9, 0))


def test_editing_an_old_visit_without_touching_its_date_is_allowed(store, actor):
    case_id = _visit(store, actor, occurred_at=datetime(2026, 4, 14, 9, 0))
    with store.write() as s:
        config.RETENTION_MONTHS.set(s, 3)
    with store.write() as s:
        data = acc.input_for(s, actor, case_id)
        data.note = "corrigé"
        acc.update_accompaniment(s, actor, case_id, data, now=NOW)
        data = acc.input_for(s, actor, case_id)  # the case's new version (app/core/concurrency.py)
        with pytest.raises(ValidationError):
            data.occurred_at = datetime(2026, 4, 15, 9, 0)  # moved, still before the window: refused
            acc.update_accompaniment(s, actor, case_id, data, now=NOW)


def test_a_ten_thousand_character_note_is_refused_with_its_length_not_cut(store, actor):
    with pytest.raises(ValidationError) as info:
        _visit(store, actor, note="x" * 10_000)
    assert info.value.field == "note"
    assert "500 caractères au plus, 10000 saisis" in info.value.message
    with store.read() as s:
        assert s.exec(select(Accompaniment)).all() == []
    _visit(store, actor, note="y" * 500)


@pytest.mark.parametrize("canal, minutes_ago, offered", [
    ("guichet", 0, True), ("itinerant_bus", 90, True), ("domicile", 5, True),
    ("telephone", 0, False), ("visio", 0, False), ("courriel", 0, False),
    ("guichet", 24 * 60, False),  # the follow-up closed the day after: usager absent
    ("guichet", 150, False),      # this morning's paper sheet entered in the afternoon
])
def test_survey_is_offered_only_after_a_face_to_face_visit_that_just_ended(store, site, canal, minutes_ago,
                                                                           offered):
    actor, stop = site["agent"], None
    if canal == "itinerant_bus":
        actor, stop = site["bus_agent"], site["stops"][0].id
    case_id = _visit(store, actor, canal=canal, bus_stop_id=stop, occurred_at=NOW - timedelta(minutes=minutes_ago))
    with store.read() as s:
        assert survey_offer_due(s, actor, case_id, now=NOW) is offered


def test_an_open_case_or_a_site_that_turned_it_off_gets_no_offer(store, actor, site):
    open_id = _visit(store, actor, occurred_at=NOW, status="ouvert")  # an open case, nothing to survey yet
    closed_id = _visit(store, actor, occurred_at=NOW)
    with store.read() as s:
        assert not survey_offer_due(s, actor, open_id, now=NOW)
        assert survey_offer_due(s, actor, closed_id, now=NOW)
    with store.write() as s, pytest.raises(PermissionDenied):
        set_site_offers_survey(s, actor, False)  # an agent may not change the site's setting
    from app.core import structures
    from app.core.context import Actor
    from app.models.enums import Role

    with store.write() as s:
        admin = structures.create_agent(s, site["fixed"].id, "admin", "Ada Admin", Role.ADMINISTRATEUR)
        set_site_offers_survey(s, Actor(admin.id, site["fixed"].id, Role.ADMINISTRATEUR, "Ada Admin"), False)
    with store.read() as s:
        assert not survey_offer_due(s, actor, closed_id, now=NOW)
