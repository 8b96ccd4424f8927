"""Only aggregates leave the device: whatever names, phones, e-mails, notes and précisions a store
holds, no such value (nor any field that is not in the contract) appears in a payload or export."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from app.core import structures
from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.context import Actor
from app.core.usagers import UsagerInput
from app.sync import snapshot as snapshot_mod
from app.sync.snapshot import build_snapshot, ensure_device_id
from app.sync.state import known_months
from app.sync.transport import FileExportTransport
from tests.sync.helpers import PARTNERS, RESPONSES, months_back

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèàçôÉÀïÿ"
word = st.text(alphabet=LETTERS, min_size=7, max_size=18)
phone = st.integers(min_value=0, max_value=999_999).map(lambda n: f"0612{n:06d}")  # valid French mobiles
ascii_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=7, max_size=18)
email = st.tuples(ascii_word, ascii_word).map(lambda t: f"{t[0]}@{t[1]}.fr")
person = st.fixed_dictionaries({"first": word, "last": word, "phone": phone, "email": email,
                                "note": st.lists(word, min_size=1, max_size=4).map(" ".join),
                                "precision": word})
STOPS = ["Place de la mairie", "Marché couvert"]
ALLOWED_TOP = {"schema", "structure", "device", "month", "totals", "cube", "satisfaction", "closed", "correction_reason"}
_counter = iter(range(200000, 999999))


def _contract_words() -> str:
    """Every key, code and fixed string a payload may legitimately contain."""
    from app.core.surveys import DIMENSIONS

    words = ALLOWED_TOP | {"accompaniments", "usagers", "partner", "response_type", "canal", "bus_stop", "count",
                           "responses", "dimensions", "answered", "satisfied", "neutral", "dissatisfied",
                           "demarche_aboutie_yes", "demarche_aboutie_no", "guichet.activity-snapshot/1",
                           "structure;device;month;partner;response_type;canal;bus_stop;count", "# schema",
                           "# sha256", "# exported_at", "hash", "sequence", "snapshot"}
    words |= set(PARTNERS) | set(RESPONSES) | set(STOPS) | set(DIMENSIONS)
    words |= {"guichet", "itinerant_bus", "telephone", "visio", "domicile", "courriel"}
    return "\n".join(words).casefold()


def _check_structure(payload: dict, matricule: str) -> None:
    assert set(payload) <= ALLOWED_TOP
    assert payload["structure"] == matricule and set(payload["totals"]) == {"accompaniments", "usagers"}
    codes = set(PARTNERS) | set(RESPONSES) | {"guichet", "itinerant_bus", "telephone", "visio", "domicile", "courriel"}
    for row in payload["cube"]:
        assert set(row) == {"partner", "response_type", "canal", "bus_stop", "count"}
        assert {row["partner"], row["response_type"], row["canal"]} <= codes
        assert row["bus_stop"] in STOPS + [""]
    def numbers_only(tree):
        if isinstance(tree, dict):
            for v in tree.values():
                numbers_only(v)
        else:
            assert isinstance(tree, int)
    numbers_only(payload.get("satisfaction", {}))


CONTRACT_WORDS = _contract_words()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person, min_size=1, max_size=4), seed=st.integers(0, 10_000), bus=st.booleans())
def test_no_personal_value_ever_appears_in_a_payload(store, tmp_path, people, seed, bus, frozen_clock):
    rng = random.Random(seed)
    with store.write() as session:
        ensure_device_id(session)
        matricule = str(next(_counter))
        struct = structures.create_structure(session, matricule, "France services", "bus" if bus else "fixe",
                                             stops=STOPS if bus else None)
        agent = structures.create_agent(session, struct.id, f"agent{matricule}", people[0]["last"])
        actor = Actor(agent.id, struct.id)
        stops = structures.bus_stops(session, struct.id)
        for p in people:
            month = rng.choice(months_back(3, frozen_clock.today()))
            when = datetime.combine(month, datetime.min.time()) + timedelta(days=3, hours=10)
            open_accompaniment(session, actor, AccompanimentInput(
                procedures=[ProcedureLine(rng.choice(PARTNERS), precision=p["precision"])],
                response_type=rng.choice(RESPONSES), canal="itinerant_bus" if bus else "guichet",
                bus_stop_id=stops[0].id if bus else None, thematique="logement", occurred_at=when, note=p["note"],
                new_usager=UsagerInput(first_name=p["first"], last_name=p["last"], phone=p["phone"], email=p["email"])))
    with store.read() as session:
        snaps = [build_snapshot(session, struct.id, m) for m in known_months(session, struct.id)]
    exporter = FileExportTransport(tmp_path / f"export-{matricule}")
    texts = []
    for snap in snaps:
        _check_structure(snap.payload, matricule)
        envelope = {"hash": snap.hash, "sequence": 1, "snapshot": snap.payload}
        texts += [snap.canonical().decode("utf-8"), json.dumps(envelope), json.dumps(envelope, ensure_ascii=False)]
        exporter.send(envelope)
        texts.append(exporter.path_for(snap.payload).read_text(encoding="utf-8"))
    blob = "\n".join(texts).casefold()
    for p in people:
        values = [p["first"], p["last"], p["email"], p["precision"], p["phone"], "+33" + p["phone"][1:], *p["note"].split()]
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
    """Should the surveys module one day report text (free text could name someone) or a flag."""
    from app.core import surveys

    tree = {"responses": 3, "rate": 0.5, "dimensions": {"accueil": {"answered": 3, "pct": 66.7, "note": "x"}},
            "flag": True}
    monkeypatch.setattr(surveys, "indicators", lambda session, **kw: tree)
    with store.read() as session:
        payload = snapshot_mod.satisfaction_payload(session, site["fixed"].id, date(2026, 10, 1))
    assert payload == {"responses": 3, "dimensions": {"accueil": {"answered": 3}}, "flag": 1}
