"""Issue 12, finding 8: every create/update use case, fed hostile text and numbers, answers with a
domain error (ValidationError, PermissionDenied, NotFound) or succeeds; never another exception,
and a refused call writes nothing, even if a careless caller commits the session afterwards.

Each example runs in its own write transaction on a real store file: a success is rolled back, a
domain error is committed, and every table (FTS shadow tables included) must be unchanged."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.core import auth, checklists, structures, surveys
from app.core.accompaniments import (AccompanimentInput, ProcedureLine, input_for, open_accompaniment,
                                     update_accompaniment)
from app.core.surveys import SurveyInput
from app.core.usagers import UsagerInput, create_usager, update_usager
from app.models.enums import Role
from app.models.errors import DomainError, NotFound, PermissionDenied, ValidationError
from app.models.tables import Usager
from tests.security.snapshot import tables_fingerprint

NOW = datetime(2026, 6, 15, 10, 0)
TODAY = NOW.date()

# Text as a broken paste can deliver it: any code point, lone surrogates included (Hypothesis leaves
# them out unless asked), plus the characters the finding names.
NASTY = ["Zoé 😀", "A\u202eB", "Jean\u200bne", "\ufeffMarie", "Lé\u2066a\u2069", "\ud800", "x\udfffy", "\x00",
         "a\x1bb", "Ｍａｒｉｅ", "Jean-Pierre", "N'Diaye", "\u0301", "O\u0308", "\n\n", "\t", "NaN", "inf", "1e309",
         "٣", "²", "𝟓", "Robert'); DROP TABLE usager;--", "=cmd|' /C calc'!A0", " " * 3, "a" * 600]
TEXT = st.one_of(st.text(st.characters(exclude_categories=()), max_size=40), st.sampled_from(NASTY),
                 st.text(st.sampled_from("aéZ -'\u200b\u202e\ud800😀\x07\n"), max_size=12))
NUMBER = st.one_of(st.none(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from(["abc", "NaN", "inf", "-inf", "1990", " 15 ", "1e3", "٥", "", "0x10"]), TEXT)

PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class _Rollback(Exception):
    pass


def attempt(store, call) -> DomainError | None:
    """Run `call(session)`; the store must be left exactly as it was."""
    before = tables_fingerprint(store)
    refused = None
    try:
        with store.write() as session:
            try:
                call(session)
            except (ValidationError, PermissionDenied, NotFound) as exc:
                refused = exc
                assert exc.message
            else:
                raise _Rollback  # a success is undone: every example starts from the same store
    except _Rollback:
        pass
    assert tables_fingerprint(store) == before, f"half-written after {refused!r}"
    return refused


@pytest.fixture
def world(store, site, monkeypatch):
    from argon2 import profiles

    monkeypatch.setattr(auth, "HASH_PARAMETERS", profiles.CHEAPEST)
    actor = site["agent"]
    with store.write() as session:
        admin_row = structures.create_agent(session, site["fixed"].id, "ada", "Ada Admin", Role.ADMINISTRATEUR)
        auth.set_password(session, admin_row.id, "Grand-Chef-Gouverne-2026")
        usager = create_usager(session, actor, UsagerInput(first_name="Jeanne", last_name="Martin"))
        acc = open_accompaniment(session, actor, AccompanimentInput(
            [ProcedureLine("MAIRIE", "MAIRIE-DECLARATION-DECES")], status="ouvert", occurred_at=NOW,
            usager_id=usager.id), now=NOW)
        moment = checklists.start_moment(session, actor, acc.id, "deces", TODAY - timedelta(days=3), today=TODAY)
        step_id = checklists.moments_for_case(session, actor, acc.id, today=TODAY)[0].steps[0].id
    return dict(store=store, site=site, actor=actor, admin=auth.actor_for(admin_row), usager_id=usager.id,
                acc_id=acc.id, moment=moment, step_id=step_id)


# ----------------------------------------------------------------------------- every typed field

def _acc(value=None, **kw):
    return AccompanimentInput([ProcedureLine("CAF", None, kw.pop("precision", ""))], thematique="social_sante",
                              occurred_at=NOW, **kw)


def _update_acc(world, **changes):
    def call(s):
        current = input_for(s, world["actor"], world["acc_id"])
        for key, value in changes.items():
            setattr(current, key, value)
        return update_accompaniment(s, world["actor"], world["acc_id"], current, now=NOW)
    return call


def _bus_admin(world):
    return auth.Actor(world["admin"].agent_id, world["site"]["bus"].id, Role.ADMINISTRATEUR, "Ada Admin")


# (use case and field) -> call(world, value) returning the function attempted in a transaction
TYPED_FIELDS = {
    "usager.first_name": lambda w, v: lambda s: create_usager(s, w["actor"], UsagerInput(first_name=v)),
    "usager.last_name": lambda w, v: lambda s: update_usager(s, w["actor"], w["usager_id"], UsagerInput(last_name=v)),
    "usager.phone": lambda w, v: lambda s: create_usager(s, w["actor"], UsagerInput(first_name="A", phone=v)),
    "usager.email": lambda w, v: lambda s: create_usager(s, w["actor"], UsagerInput(first_name="A", email=v)),
    "usager.commune": lambda w, v: lambda s: create_usager(s, w["actor"], UsagerInput(first_name="A",
                                                                                       commune_insee=v)),
    "usager.birth_year": lambda w, v: lambda s: create_usager(s, w["actor"], UsagerInput(first_name="A",
                                                                                          birth_year=v)),
    "accompaniment.note": lambda w, v: lambda s: open_accompaniment(s, w["actor"], _acc(note=v), now=NOW),
    "accompaniment.precision": lambda w, v: lambda s: open_accompaniment(s, w["actor"], _acc(precision=v), now=NOW),
    "accompaniment.duration": lambda w, v: lambda s: open_accompaniment(s, w["actor"], _acc(duration_min=v),
                                                                        now=NOW),
    "accompaniment.new_usager": lambda w, v: lambda s: open_accompaniment(
        s, w["actor"], _acc(new_usager=UsagerInput(last_name=v)), now=NOW),
    "accompaniment.update_note": lambda w, v: _update_acc(w, note=v),
    "accompaniment.update_duration": lambda w, v: _update_acc(w, duration_min=v),
    "survey.comment": lambda w, v: lambda s: surveys.record_response(
        s, w["actor"], SurveyInput(satisfaction_globale=3, comment=v), today=TODAY),
    "survey.score": lambda w, v: lambda s: surveys.record_batch(
        s, w["actor"], [SurveyInput(satisfaction_globale=v)], today=TODAY),
    "survey.partner": lambda w, v: lambda s: surveys.record_response(
        s, w["actor"], SurveyInput(satisfaction_globale=3, partner_code=v), today=TODAY),
    "agent.login": lambda w, v: lambda s: auth.add_agent(s, w["admin"], v, "Zoé", Role.AGENT, "Lune-Travaille-2026"),
    "agent.display_name": lambda w, v: lambda s: auth.add_agent(s, w["admin"], "zoe", v, Role.AGENT,
                                                                "Lune-Travaille-2026"),
    "agent.password": lambda w, v: lambda s: auth.add_agent(s, w["admin"], "zoe", "Zoé", Role.AGENT, v),
    "agent.update_name": lambda w, v: lambda s: auth.update_agent(s, w["admin"], w["actor"].agent_id,
                                                                  display_name=v, password="Lune-Travaille-2026"),
    "agent.set_password": lambda w, v: lambda s: auth.set_password(s, w["admin"].agent_id, v, w["admin"]),
    "structure.name": lambda w, v: lambda s: structures.create_structure(s, "100009", v),
    "structure.matricule": lambda w, v: lambda s: structures.create_structure(s, v, "France services d'Ici"),
    "structure.commune": lambda w, v: lambda s: structures.create_structure(s, "100009", "Ici", commune=v),
    "structure.stops": lambda w, v: lambda s: structures.create_structure(s, "100009", "Bus", "bus", stops=[v]),
    "structure.update_name": lambda w, v: lambda s: structures.update_structure(
        s, _bus_admin(w), matricule="100002", name=v, new_stops=[], removed_stop_ids=[]),
    "structure.update_stops": lambda w, v: lambda s: structures.update_structure(
        s, _bus_admin(w), matricule="100002", name="Bus", new_stops=["Mairie", v], removed_stop_ids=[]),
    "structure.add_stop": lambda w, v: lambda s: structures.add_bus_stop(s, w["site"]["bus"].id, v),
    "structure.agent_name": lambda w, v: lambda s: structures.create_agent(s, w["site"]["fixed"].id, "zoe", v),
}
NUMBERS = [float("nan"), float("inf"), -float("inf"), 10**30, -1, True, 1.5, "1e309", "abc"]


NUMERIC_FIELDS = {"usager.birth_year", "accompaniment.duration", "accompaniment.update_duration", "survey.score"}


@pytest.mark.parametrize("field", sorted(TYPED_FIELDS))
def test_every_typed_field_answers_hostile_values_with_a_domain_error_or_accepts_them(world, field):
    # text fields get text (their type); numeric ones, typed into a form, get text and numbers
    values = NASTY + [""] + (NUMBERS + [None] if field in NUMERIC_FIELDS else [])
    for value in values:
        attempt(world["store"], TYPED_FIELDS[field](world, value))


# ----------------------------------------------------------------------------- usagers

@PROPERTY
@given(first=TEXT, last=TEXT, year=NUMBER, phone=TEXT, email=TEXT, insee=TEXT)
def test_usager_create_and_update(world, first, last, year, phone, email, insee):
    data = UsagerInput(first_name=first, last_name=last, birth_year=year, phone=phone, email=email,
                       commune_insee=insee)
    actor = world["actor"]
    attempt(world["store"], lambda s: create_usager(s, actor, data))
    attempt(world["store"], lambda s: update_usager(s, actor, world["usager_id"], data))


@pytest.mark.parametrize("field, value", [
    ("first_name", "Zoé 😀"), ("last_name", "Zoé 😀"), ("first_name", "A\u202eB"), ("last_name", "Jean\u200bne"),
    ("first_name", "x\ud800"), ("last_name", "\ufeffMartin"), ("first_name", "Lé\u2066a"), ("last_name", "a\x1bb"),
])
def test_names_refuse_emoji_bidi_zero_width_controls_and_surrogates_naming_the_field(world, field, value):
    refused = attempt(world["store"], lambda s: create_usager(s, world["actor"], UsagerInput(**{field: value})))
    assert isinstance(refused, ValidationError) and refused.field == field
    assert ("Prénom" if field == "first_name" else "Nom") in refused.message


@pytest.mark.parametrize("year", ["abc", float("nan"), float("inf"), "1e309", 1899, 3000, True, "٢٠٠٠"])
def test_birth_year_refuses_non_numbers_and_out_of_range_with_a_message(world, year):
    refused = attempt(world["store"], lambda s: create_usager(s, world["actor"], UsagerInput(
        first_name="Jeanne", birth_year=year)))
    assert isinstance(refused, ValidationError) and refused.field == "birth_year"


def test_names_of_every_alphabet_with_apostrophes_and_hyphens_are_accepted(world):
    for first, last in (("Jean-Pierre", "N'Diaye"), ("Lê Văn", "Nguyễn"), ("Zoé", "O’Connor"), ("Ólöf", "Ødegård")):
        assert attempt(world["store"], lambda s: create_usager(s, world["actor"], UsagerInput(
            first_name=first, last_name=last, birth_year="1990"))) is None


# ----------------------------------------------------------------------------- accompaniments

@PROPERTY
@given(note=TEXT, precision=TEXT, duration=NUMBER, first=TEXT)
def test_accompaniment_open_and_update(world, note, precision, duration, first):
    actor = world["actor"]

    def data(**kw):
        return AccompanimentInput([ProcedureLine("CAF", None, precision)], thematique="social_sante",
                                  occurred_at=NOW, duration_min=duration, note=note, **kw)

    attempt(world["store"], lambda s: open_accompaniment(
        s, actor, data(new_usager=UsagerInput(first_name=first, last_name="Martin")), now=NOW))

    def update(s):
        current = input_for(s, world["actor"], world["acc_id"])
        current.note, current.duration_min = note, duration
        current.procedures = [ProcedureLine("MAIRIE", "MAIRIE-DECLARATION-DECES", precision)]
        return update_accompaniment(s, actor, world["acc_id"], current, now=NOW)

    attempt(world["store"], update)


@pytest.mark.parametrize("note", ["Rappeler\u202e demain", "zéro\u200blargeur", "\ud800", "bip\x07"])
def test_notes_refuse_bidi_zero_width_surrogates_and_controls_naming_the_field(world, note):
    refused = attempt(world["store"], lambda s: open_accompaniment(s, world["actor"], AccompanimentInput(
        [ProcedureLine("CAF")], thematique="social_sante", occurred_at=NOW, note=note), now=NOW))
    assert isinstance(refused, ValidationError) and refused.field == "note" and "Note" in refused.message


@pytest.mark.parametrize("duration", [float("inf"), float("nan"), "abc", 10**30, 0, 481, "1e309"])
def test_duration_refuses_infinite_nan_and_out_of_range_with_a_message(world, duration):
    refused = attempt(world["store"], lambda s: open_accompaniment(s, world["actor"], AccompanimentInput(
        [ProcedureLine("CAF")], thematique="social_sante", occurred_at=NOW, duration_min=duration), now=NOW))
    assert isinstance(refused, ValidationError) and refused.field == "duration"


def test_a_multi_line_note_keeps_its_lines(world):
    with world["store"].write() as s:
        acc = open_accompaniment(s, world["actor"], AccompanimentInput(
            [ProcedureLine("CAF")], thematique="social_sante", occurred_at=NOW, note="ligne 1\r\nligne\t2"), now=NOW)
        assert acc.note == "ligne 1\nligne\t2"


# ----------------------------------------------------------------------------- surveys

@PROPERTY
@given(comment=TEXT, score=NUMBER, partner=st.one_of(st.none(), TEXT))
def test_survey_record_and_batch(world, comment, score, partner):
    actor = world["actor"]
    data = SurveyInput(satisfaction_globale=score, comment=comment, partner_code=partner,
                       structure_id=actor.structure_id, answered_on=TODAY)
    attempt(world["store"], lambda s: surveys.record_response(s, actor, data, today=TODAY))
    attempt(world["store"], lambda s: surveys.record_batch(s, actor, [SurveyInput(satisfaction_globale=4), data],
                                                           today=TODAY))


# ----------------------------------------------------------------------------- agents

@PROPERTY
@given(login=TEXT, name=TEXT, password=TEXT)
def test_agent_create_update_and_password(world, login, name, password):
    admin = world["admin"]
    marie = world["actor"].agent_id
    attempt(world["store"], lambda s: auth.add_agent(s, admin, login, name, Role.AGENT, password))
    attempt(world["store"], lambda s: auth.update_agent(s, admin, marie, display_name=name, password=password))
    attempt(world["store"], lambda s: auth.set_password(s, admin.agent_id, password, admin))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=TEXT)
def test_login_with_any_text_is_a_refusal_not_a_crash(world, password):
    try:
        auth.login(world["store"], world["admin"].agent_id, password)
    except ValidationError:
        pass


# ----------------------------------------------------------------------------- structures

@PROPERTY
@given(name=TEXT, stop=TEXT, commune=st.one_of(st.none(), TEXT), matricule=TEXT)
def test_structure_create_update_and_stops(world, name, stop, commune, matricule):
    site = world["site"]
    attempt(world["store"], lambda s: structures.create_structure(s, "100009", name, "bus", commune, [stop, "Gare"]))
    attempt(world["store"], lambda s: structures.create_structure(s, matricule, "France services d'Ailleurs"))
    attempt(world["store"], lambda s: structures.add_bus_stop(s, site["bus"].id, stop, commune))
    attempt(world["store"], lambda s: structures.create_agent(s, site["fixed"].id, "nouvelle", name))
    bus_admin = auth.Actor(world["admin"].agent_id, site["bus"].id, Role.ADMINISTRATEUR, "Ada Admin")
    attempt(world["store"], lambda s: structures.update_structure(
        s, bus_admin, matricule="100002", name=name, new_stops=["Mairie", stop], removed_stop_ids=[]))


# ----------------------------------------------------------------------------- checklists

@PROPERTY
@given(moment_id=TEXT, status=TEXT, days=st.integers(-4000, 4000), sections=st.one_of(st.none(), st.lists(TEXT)))
def test_checklist_start_and_step_status(world, moment_id, status, days, sections):
    actor = world["actor"]
    attempt(world["store"], lambda s: checklists.start_moment(
        s, actor, world["acc_id"], moment_id, TODAY + timedelta(days=days), sections, today=TODAY))
    attempt(world["store"], lambda s: checklists.start_moment(
        s, actor, world["acc_id"], "identite", TODAY + timedelta(days=days), sections, today=TODAY))
    attempt(world["store"], lambda s: checklists.set_step_status(s, actor, world["step_id"], status, now=NOW))


def test_stored_text_is_nfc_so_a_search_finds_it_whatever_the_keyboard(world):
    with world["store"].write() as s:
        usager = create_usager(s, world["actor"], UsagerInput(first_name="Zoe\u0301"))  # macOS-style « Zoé »
        assert s.get(Usager, usager.id).first_name == "Zoé"
