"""Only aggregates leave the device: whatever names, phones, e-mails, notes and précisions a store
holds, no such value (nor any field that is not in the contract) appears in a payload or export."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.core import structures
from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.context import Actor
from app.core.usagers import UsagerInput
from app.sync import snapshot as snapshot_mod
from app.sync.snapshot import build_snapshot
from app.sync.state import known_months
from app.sync.export import FileExportTransport
from app.sync.codes import CORRECTION_REASONS
from tests.sync.helpers import PARTNERS, RESPONSES, months_back

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèàçôÉÀïÿ"
word = st.text(alphabet=LETTERS, min_size=7, max_size=18)
phone = st.integers(min_value=0, max_value=999_999).map(lambda n: f"0612{n:06d}")  # valid French mobiles
ascii_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=7, max_size=18)
email = st.tuples(ascii_word, ascii_word).map(lambda t: f"{t[0]}@{t[1]}.fr")
person = st.fixed_dictionaries({"first": word, "last": word, "phone": phone, "email": email,
                                "note": st.lists(word, min_size=1, max_size=4).map(" ".join),
                                "precision": word})
ALLOWED_TOP = {"schema", "structure", "month", "totals", "cube", "satisfaction", "closed", "correction_reason"}
_counter = iter(range(200000, 999999))


def _contract_words() -> str:
    """Every key, code and fixed string a payload may legitimately contain."""
    from app.core.surveys import DIMENSIONS

    words = ALLOWED_TOP | {"accompaniments", "usagers", "partner", "response_type", "canal", "bus_stop", "count",
                           "responses", "dimensions", "answered", "satisfied", "neutral", "dissatisfied",
                           "demarche_aboutie_yes", "demarche_aboutie_no", "guichet.activity-snapshot/2",
                           "structure;device;month;partner;response_type;canal;bus_stop;count", "# schema",
                           "# sha256", "# exported_at", "hash", "sequence", "snapshot"}
    words |= set(PARTNERS) | set(RESPONSES) | set(DIMENSIONS) | set(CORRECTION_REASONS) | {"AUTRE", "arret-01"}
    words |= {"guichet", "itinerant_bus", "telephone", "visio", "domicile", "courriel"}
    return "\n".join(words).casefold()


def _check_structure(payload: dict, matricule: str) -> None:
    assert set(payload) <= ALLOWED_TOP
    assert payload["structure"] == matricule and set(payload["totals"]) == {"accompaniments", "usagers"}
    codes = set(PARTNERS) | set(RESPONSES) | {"guichet", "itinerant_bus", "telephone", "visio", "domicile", "courriel"}
    for row in payload["cube"]:
        assert set(row) == {"partner", "response_type", "canal", "bus_stop", "count"}
        assert {row["partner"], row["response_type"], row["canal"]} <= codes | {"AUTRE"}
        assert row["bus_stop"] == "" or re.fullmatch(r"arret-[0-9]{2}", row["bus_stop"])
    assert payload.get("correction_reason", "autre") in CORRECTION_REASONS
    def numbers_only(tree):
        if isinstance(tree, dict):
            for v in tree.values():
                numbers_only(v)
        else:
            assert isinstance(tree, int)
    numbers_only(payload.get("satisfaction", {}))


CONTRACT_WORDS = _contract_words()


@pytest.fixture
def privacy_server(tmp_path):
    """The stand-in server on 127.0.0.1, keeping every request line and body."""
    from app.sync.server import NationalServer
    from tests.sync.conftest import TOKEN

    srv = NationalServer(tmp_path / "privacy-server.db", token=TOKEN, capture=True).start()
    yield srv
    srv.stop()


def _fill_every_free_text_field(session, matricule: str, people: list[dict], rng: random.Random, bus: bool,
                                today: date):
    """A structure whose every free-text field (structure, stop, agent, usager, note, précision,
    local partner code and label, survey comment) holds someone's name or phone."""
    from app.core import surveys
    from app.models.tables import Partner

    first = people[0]
    struct = structures.create_structure(session, matricule, f"France services {first['last']}",
                                         "bus" if bus else "fixe", commune=first["phone"])
    for p in people:
        structures.add_bus_stop(session, struct.id, f"Chez {p['first']} {p['last']}", commune=p["phone"])
    agent = structures.create_agent(session, struct.id, f"agent{matricule}", f"{first['first']} {first['last']}")
    supervisor = structures.create_agent(session, struct.id, f"sup{matricule}", first["email"], "superviseur")
    local = ("L" + first["phone"])[:20]  # a partner added on site, its code typed from a phone number
    if session.get(Partner, local) is None:
        session.add(Partner(code=local, label=f"{first['first']} {first['last']}", short_label=first["last"][:60],
                            scope="local", phone=first["phone"]))
        session.flush()
    actor = Actor(agent.id, struct.id)
    stops = structures.bus_stops(session, struct.id)
    month = rng.choice(months_back(3, today))
    for i, p in enumerate(people):
        when = datetime.combine(month, datetime.min.time()) + timedelta(days=3 + i, hours=10)
        open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine(rng.choice(PARTNERS), precision=p["precision"]), ProcedureLine(local)],
            response_type=rng.choice(RESPONSES), canal="itinerant_bus" if bus else "guichet",
            bus_stop_id=stops[i % len(stops)].id if bus else None, thematique="logement", occurred_at=when,
            note=p["note"],
            new_usager=UsagerInput(first_name=p["first"], last_name=p["last"], phone=p["phone"], email=p["email"])))
        surveys.record_response(session, actor, surveys.SurveyInput(
            satisfaction_globale=4, comment=f"Merci {p['first']} {p['last']} {p['phone']}",
            answered_on=when.date()), today=when.date())
    return struct, Actor(supervisor.id, struct.id, "superviseur"), actor, month


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person, min_size=1, max_size=3), seed=st.integers(0, 10_000), bus=st.booleans())
def test_no_name_or_phone_typed_anywhere_reaches_a_request_body_or_an_export(store, tmp_path, privacy_server,
                                                                             people, seed, bus, frozen_clock):
    from app.sync.client import RetryPolicy, sync_structure
    from app.sync.state import close_month, record_correction
    from app.sync.transport import HttpTransport
    from tests.sync.conftest import TOKEN

    rng = random.Random(seed)
    matricule = str(next(_counter))
    with store.write() as session:
        struct, supervisor, agent, month = _fill_every_free_text_field(session, matricule, people, rng, bus,
                                                                        frozen_clock.today())
        close_month(session, supervisor, struct.id, month)
        open_accompaniment(session, agent, AccompanimentInput(  # a late entry: the month needs a correction
            procedures=[ProcedureLine(rng.choice(PARTNERS))], thematique="logement",
            canal="itinerant_bus" if bus else "guichet",
            bus_stop_id=structures.bus_stops(session, struct.id)[0].id if bus else None,
            occurred_at=datetime.combine(month, datetime.min.time()) + timedelta(days=20, hours=9)))
        p = people[0]
        record_correction(session, supervisor, struct.id, month, "autre",
                          note=f"Oubli de {p['first']} {p['last']}, rappeler au {p['phone']}")
    del privacy_server.captured[:]
    transport = HttpTransport(privacy_server.url, TOKEN, timeout=5)
    try:
        result = sync_structure(store, struct.id, transport, policy=RetryPolicy(sleep=lambda s: None))
    finally:
        transport.close()
    assert result.status == "a_jour", result  # the strict server accepted every body as it is
    bodies = [b.decode("utf-8") for b in privacy_server.captured]
    assert any('"snapshot"' in b for b in bodies)
    exporter = FileExportTransport(tmp_path / f"export-{matricule}")
    with store.read() as session:
        snaps = [build_snapshot(session, struct.id, m) for m in known_months(session, struct.id)]
    for snap in snaps:
        _check_structure(snap.payload, matricule)
        envelope = {"hash": snap.hash, "sequence": 1, "device": "d" * 32, "snapshot": snap.payload}
        exporter.send(envelope)
    exported = [f.read_text(encoding="utf-8") for f in sorted((tmp_path / f"export-{matricule}").iterdir())]
    blob = "\n".join(bodies + exported).casefold()
    for p in people:
        values = [p["first"], p["last"], p["email"], p["precision"], p["phone"], "+33" + p["phone"][1:],
                  p["phone"][1:], *p["note"].split()]
        for value in values:
            if value.casefold() in CONTRACT_WORDS:
                continue  # e.g. "accompa" is part of "accompaniments": the structural check covers it
            assert value.casefold() not in blob, value


def test_satisfaction_counts_are_included_when_the_surveys_module_exists(store, site, frozen_clock):
    m = months_back(1, frozen_clock.today())[0]
    with store.read() as session:
        snap = build_snapshot(session, site["fixed"].id, m)
    assert "satisfaction" in snap.payload
    assert snap.payload["satisfaction"]["responses"] == 0


def test_satisfaction_keeps_integer_counts_only(store, site, frozen_clock):
    """Rates are derived, and floats would make hashes fragile: the snapshot carries counts only."""
    from tests.surveys.factories import DAY, answer, visit

    frozen_clock.move_to(datetime(2026, 11, 23, 9))  # after the factories' October visit and answers
    visit(store, site["agent"])
    answer(store, site["agent"], globale=5, accueil=4)
    answer(store, site["agent"], globale=2, aboutie=True)
    with store.read() as session:
        satisfaction = build_snapshot(session, site["fixed"].id, DAY.replace(day=1)).payload["satisfaction"]

    def leaves(tree):
        for value in tree.values():
            yield from leaves(value) if isinstance(value, dict) else [value]

    assert all(type(v) is int for v in leaves(satisfaction))
    assert (satisfaction["responses"], satisfaction["accompaniments"]) == (2, 1)
    assert "response_rate" not in satisfaction
    assert satisfaction["dimensions"]["satisfaction_globale"] == {"answered": 2, "satisfied": 1, "neutral": 0,
                                                                  "dissatisfied": 1}
    assert (satisfaction["demarche_aboutie_yes"], satisfaction["demarche_aboutie_no"]) == (1, 0)


def test_satisfaction_payload_drops_text_and_turns_flags_into_integers(store, site, monkeypatch):
    """Should the surveys module one day report text (free text could name someone), a flag or a
    dimension the national list does not know: only whitelisted integer counts are sent."""
    from app.core import surveys

    tree = {"responses": 3, "rate": 0.5, "dimensions": {"accueil": {"answered": 3, "pct": 66.7, "note": "x"}},
            "flag": True}
    monkeypatch.setattr(surveys, "indicators", lambda session, **kw: tree)
    with store.read() as session:
        payload = snapshot_mod.satisfaction_payload(session, site["fixed"].id, date(2026, 10, 1))
    assert payload == {"responses": 3}
