"""The stand-in server refuses what the national service must refuse — one line per rule of
docs/sync-contract.md, each with its status code, and nothing stored when it refuses."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import httpx
import pytest

from app.sync.server import NationalServer
from app.sync.server.rules import canonical

TODAY = datetime(2026, 11, 29, 15, 0, tzinfo=timezone.utc)  # the service's clock
DEVICE = "ab" * 16
MACHINE = "cd" * 16
TOKENS = {"tok-fixe-100001": {"100001"}, "tok-bus-100002": {"100002"}}


def snapshot(**changes) -> dict:
    snap = {"schema": "guichet.activity-snapshot/2", "structure": "100001", "month": "2026-10",
            "totals": {"accompaniments": 5, "usagers": 4},
            "cube": [{"partner": "CAF", "response_type": "information_orientation", "canal": "guichet",
                      "bus_stop": "", "count": 3},
                     {"partner": "CPAM", "response_type": "information_orientation", "canal": "guichet",
                      "bus_stop": "", "count": 2}],
            "satisfaction": {"responses": 2, "accompaniments": 5,
                             "dimensions": {"qualite_accueil": {"answered": 2, "satisfied": 2}}}}
    snap.update(changes)
    return snap


def envelope(snap: dict, sequence: int = 1, device: str = DEVICE) -> dict:
    return {"hash": hashlib.sha256(canonical(snap)).hexdigest(), "sequence": sequence, "device": device,
            "machine": MACHINE, "snapshot": snap}


def _cube(**row) -> list[dict]:
    base = {"partner": "CAF", "response_type": "information_orientation", "canal": "guichet", "bus_stop": "",
            "count": 5}
    return [{**base, **row}]


@pytest.fixture
def strict(tmp_path):
    srv = NationalServer(tmp_path / "strict.db", token=None, tokens=TOKENS, clock=lambda: TODAY).start()
    client = httpx.Client(base_url=srv.url, timeout=5)
    srv.db.enrol("100001", DEVICE, MACHINE)
    srv.db.enrol("100002", DEVICE, MACHINE)
    yield srv, client
    client.close()
    srv.stop()


def put(client, env: dict, matricule: str = "100001", month: str | None = None, token: str = "tok-fixe-100001",
        raw: bytes | None = None):
    month = month or env["snapshot"]["month"]
    return client.put(f"/v1/structures/{matricule}/devices/{env['device']}/months/{month}",
                      content=raw if raw is not None else json.dumps(env, ensure_ascii=False).encode(),
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def _bus_row(**row):
    return _cube(partner="CAF", canal="itinerant_bus", bus_stop="arret-01", **row)


CASES = [
    # (name, snapshot changes, envelope changes, status, rule)
    ("month after the service's current month", {"month": "2026-12"}, {}, 422, "month_range"),
    ("month 2027-06", {"month": "2027-06"}, {}, 422, "month_range"),
    ("month 2099-01", {"month": "2099-01"}, {}, 422, "month_range"),
    ("month 0000-01", {"month": "0000-01"}, {}, 422, "month_range"),
    ("month before 2019", {"month": "2018-12"}, {}, 422, "month_range"),
    ("more usagers than accompaniments", {"totals": {"accompaniments": 5, "usagers": 6}}, {}, 422, "usagers_exceed"),
    ("cube above the total", {"totals": {"accompaniments": 2, "usagers": 2}}, {}, 422, "cube_totals"),
    ("cube below the total", {"totals": {"accompaniments": 9, "usagers": 2}}, {}, 422, "cube_totals"),
    ("total without any cube row", {"cube": []}, {}, 422, "cube_totals"),
    ("unknown partner code", {"cube": _cube(partner="DUPONT")}, {}, 422, "code_partner"),
    ("a phone as partner code", {"cube": _cube(partner="0612345678")}, {}, 422, "code_partner"),
    ("unknown canal", {"cube": _cube(canal="fusee")}, {}, 422, "code_canal"),
    ("unknown type of answer", {"cube": _cube(response_type="magie")}, {}, 422, "code_response_type"),
    ("bus stop with canal guichet", {"cube": _cube(bus_stop="arret-01")}, {}, 422, "bus_stop_canal"),
    ("bus stop given by its name", {"cube": _cube(canal="itinerant_bus", bus_stop="Chez Mme Martin")}, {}, 422,
     "bus_stop_code"),
    ("count zero", {"cube": _cube(count=0)}, {}, 422, "cube"),
    ("count too large", {"cube": _cube(count=10 ** 7), "totals": {"accompaniments": 10 ** 7, "usagers": 1}}, {},
     422, "totals"),
    ("name as a satisfaction key", {"satisfaction": {"jean_martin_0612345678": 1}}, {}, 422, "satisfaction"),
    ("name as a dimension", {"satisfaction": {"dimensions": {"martin": {"answered": 1}}}}, {}, 422, "satisfaction"),
    ("free-text correction reason", {"closed": True, "correction_reason": "Oubli de M. Martin 0612345678"}, {},
     422, "correction_reason"),
    ("correction reason without closed", {"correction_reason": "saisie_tardive"}, {}, 422, "correction_reason"),
    ("unknown field", {"usager_name": "Martin"}, {}, 422, "fields"),
    ("sequence 2^63", {}, {"sequence": 2 ** 63}, 422, "sequence_range"),
    ("sequence 2^53", {}, {"sequence": 2 ** 53}, 422, "sequence_range"),
    ("sequence 0", {}, {"sequence": 0}, 422, "sequence_range"),
    ("sequence as text", {}, {"sequence": "12"}, 422, "sequence_range"),
    ("hash of something else", {}, {"hash": "0" * 64}, 422, "hash"),
    ("machine id that is not an id", {}, {"machine": "Poste de M. Martin"}, 422, "identity"),
    ("envelope without machine", {}, {"machine": None}, 422, "identity"),
    ("old contract version", {"schema": "guichet.activity-snapshot/1"}, {}, 422, "schema"),
]


@pytest.mark.parametrize("name,snap_changes,env_changes,status,rule", CASES, ids=[c[0] for c in CASES])
def test_validation_table(strict, name, snap_changes, env_changes, status, rule):
    server, client = strict
    env = envelope(snapshot(**snap_changes))
    env.update(env_changes)
    answer = put(client, env)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == "validation" and body["rule"] == rule and body["reason"]
    assert server.db.device_month("100001", DEVICE, env["snapshot"]["month"]) is None  # nothing stored


def test_a_valid_snapshot_is_accepted_and_bus_stop_codes_pass(strict):
    server, client = strict
    assert put(client, envelope(snapshot())).json()["status"] == "accepted"
    bus = snapshot(structure="100002", cube=_bus_row(), totals={"accompaniments": 5, "usagers": 5})
    answer = put(client, envelope(bus), matricule="100002", token="tok-bus-100002")
    assert answer.status_code == 200, answer.text
    assert put(client, envelope(snapshot(month="2026-11"))).status_code == 200  # the current month is fine


def test_body_above_one_megabyte_is_413_and_the_client_reads_it(strict):
    server, client = strict
    env = envelope(snapshot())
    raw = json.dumps(env).encode()
    raw = raw[:-1] + b', "padding": "' + b"x" * 16_700_000 + b'"}'
    answer = put(client, env, raw=raw)
    assert answer.status_code == 413 and answer.json()["rule"] == "too_large"
    assert put(client, envelope(snapshot())).status_code == 200  # the server still serves


def test_a_token_writes_only_the_structures_it_was_issued_for(strict):
    server, client = strict
    env = envelope(snapshot(structure="100002"))
    answer = put(client, env, matricule="100002", token="tok-fixe-100001")
    assert answer.status_code == 403 and answer.json()["error"] == "forbidden"
    assert server.db.device_month("100002", DEVICE, "2026-10") is None
    assert put(client, env, matricule="100002", token="nope").status_code == 401
    reading = client.get("/v1/structures/100002/months/2026-10", headers={"Authorization": "Bearer tok-fixe-100001"})
    assert reading.status_code == 403


def test_a_closed_month_changes_only_closed_and_with_a_reason_code(strict):
    server, client = strict
    closed = snapshot(closed=True)
    assert put(client, envelope(closed, 1)).status_code == 200
    more = {"totals": {"accompaniments": 6, "usagers": 5},
            "cube": _cube(count=4) + [{**_cube(partner="CPAM", count=2)[0]}]}
    reopened = put(client, envelope(snapshot(**more), 2))
    assert reopened.status_code == 409 and reopened.json()["rule"] == "closed_month"
    no_reason = put(client, envelope(snapshot(closed=True, **more), 3))
    assert no_reason.status_code == 409 and no_reason.json()["rule"] == "closed_month"
    assert server.db.device_month("100001", DEVICE, "2026-10")["snapshot"]["totals"]["accompaniments"] == 5
    corrected = put(client, envelope(snapshot(closed=True, correction_reason="saisie_tardive", **more), 4))
    assert corrected.status_code == 200, corrected.text
    assert server.db.device_month("100001", DEVICE, "2026-10")["snapshot"]["totals"]["accompaniments"] == 6


def test_the_date_header_is_the_services_clock(strict):
    server, client = strict
    answer = client.get("/v1/health")
    assert answer.headers["date"] == "Sun, 29 Nov 2026 15:00:00 GMT"


def test_the_client_marks_a_month_refused_by_a_rule_with_the_servers_reason(tmp_path):
    from app.sync.transport import REJECTED, HttpTransport

    srv = NationalServer(tmp_path / "s.db", token=None, tokens=TOKENS, clock=lambda: TODAY).start()
    srv.db.enrol("100001", DEVICE, MACHINE)
    transport = HttpTransport(srv.url, "tok-fixe-100001", timeout=5)
    try:
        answer = transport.send(envelope(snapshot(month="2027-06")))
    finally:
        transport.close()
        srv.stop()
    assert answer.kind == REJECTED and answer.http_status == 422 and "horloge" in answer.message


def test_server_command_line_tokens_are_per_structure():
    from app.sync.server import parse_tokens

    assert parse_tokens(["a=100001,100002", "demo"]) == {"a": {"100001", "100002"}, "demo": None}
