"""Builders for sync tests: real stores, real accompaniments (through the core service), a real
stand-in server on 127.0.0.1."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from app.core.accompaniments import AccompanimentInput, ProcedureLine, open_accompaniment
from app.core.usagers import UsagerInput
from app.sync.snapshot import counts_payload, month_key
from app.sync.state import known_months

PARTNERS = ["CAF", "CPAM", "CNAV", "DGFIP", "ANTS", "FT", "MSA"]
RESPONSES = ["information_orientation", "accompagnement_numerique", "demarche_realisee_avec_usager",
             "mise_en_relation_partenaire", "prise_de_rendez_vous"]
FIXED_CANALS = ["guichet", "telephone", "visio", "domicile", "courriel"]


# A fixed day in the past for tests that run the stand-in server on its real clock: their months
# are before it whatever the real date, and no test depends on when it runs.
REFERENCE_DAY = date(2026, 10, 14)


def months_back(n: int, today: date) -> list[date]:
    """The n months before `today`'s, oldest first (dates in the past: the service refuses the future).
    `today` is the test's frozen_clock.today() or REFERENCE_DAY, never the real date."""
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(first)
    return list(reversed(out))


def add_activity(session, actor, month: date, n: int, rng: random.Random, stops=None, usager: UsagerInput | None = None,
                 note: str = "") -> list[int]:
    ids = []
    for _ in range(n):
        partners = rng.sample(PARTNERS, rng.choice([1, 1, 2]))
        if stops:
            canal, stop = "itinerant_bus", rng.choice(stops).id
        else:
            canal, stop = rng.choice(FIXED_CANALS), None
        when = datetime.combine(month, datetime.min.time()) + timedelta(days=rng.randrange(27), hours=9 + rng.randrange(8))
        acc = open_accompaniment(session, actor, AccompanimentInput(
            procedures=[ProcedureLine(p) for p in partners], response_type=rng.choice(RESPONSES), canal=canal,
            bus_stop_id=stop, thematique="logement", occurred_at=when, note=note, new_usager=usager,
            status=rng.choice(["clos", "clos", "clos", "annule"])))
        ids.append(acc.id)
    return ids


def local_counts(store, structure_id: int) -> dict[str, dict]:
    with store.read() as session:
        return {month_key(m): counts_payload(session, structure_id, m) for m in known_months(session, structure_id)}


def server_counts(server, matricule: str, months) -> dict[str, dict]:
    out = {}
    for key in months:
        summed = server.db.structure_month(matricule, key)
        out[key] = {"totals": summed["totals"], "cube": summed["cube"]}
    return out


def assert_server_matches(store, server, structure_id: int, matricule: str) -> None:
    local = local_counts(store, structure_id)
    assert server_counts(server, matricule, local) == local


def cli_sync(monkeypatch, capsys, store, server_url: str, token: str, *extra: str) -> tuple[int, str]:
    """Run `guichet sync` in-process on the store's file (its own connection, like the command);
    returns the exit code and what it printed."""
    import keyring

    from app import config
    from app.cli import main
    from app.store import secrets
    from app.sync.settings import TOKEN_NAME
    from tests.memory_keyring import MemoryKeyring

    with store.write() as session:
        config.SYNC_SERVICE_URL.set(session, server_url)
    # The token reaches the command the product's only way, the keyring (a test one, for this call).
    previous = keyring.get_keyring()
    secrets.use_backend(MemoryKeyring())
    try:
        secrets.set_secret(TOKEN_NAME, token)
        capsys.readouterr()
        code = main(["--db", str(store.path), "sync", "--delai", "2", *extra])
    finally:
        keyring.set_keyring(previous)
    return code, capsys.readouterr().out


def device_id(session) -> str:
    """The device id this store sends under (recorded at its first sync)."""
    from app import config

    return config.SYNC_DEVICE_ID.get(session) or ""
