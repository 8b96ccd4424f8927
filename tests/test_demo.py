"""The demo store: realistic, deterministic, and exactly what the services would have written."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from app.cli import main
from app.core import accompaniments, demo
from app.core.bootstrap import open_app_store
from app.core.cases import CaseFilter, list_cases
from app.core.context import Actor
from app.core.demo_cli import ensure_demo_store
from app.core.usagers import search_usagers
from app.models.enums import Role
from app.models.errors import StoreError, ValidationError
from app.models.tables import Accompaniment, Agent

TODAY = date(2026, 11, 23)  # a Monday
TARGETS = {"ANTS": 19, "CAF": 16, "CPAM": 16, "DGFIP": 15, "CNAV": 14}


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    return demo.build_demo_store(tmp_path_factory.mktemp("demo") / "demo.db", today=TODAY)


@pytest.fixture(scope="module")
def db(demo_path):
    conn = sqlite3.connect(demo_path)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def store(demo_path):
    s = open_app_store(demo_path)
    yield s
    s.close()


def _actor(session, login: str) -> Actor:
    agent = session.exec(select(Agent).where(Agent.login == login)).one()
    return Actor(agent.id, agent.structure_id, Role(agent.role), agent.display_name)


def _digest(conn, table: str) -> str:
    rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_same_seed_and_day_rebuild_the_same_store_through_the_command(db, tmp_path, capsys):
    other = tmp_path / "again.db"
    assert main(["--db", str(other), "init-demo", "--date", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "Base de démonstration créée" in out and "accompagnements" in out
    again = sqlite3.connect(other)
    try:
        for table in ("accompaniment", "accompaniment_procedure", "accompaniment_event", "usager",
                      "accompaniment_fts", "usager_fts"):
            assert _digest(db, table) == _digest(again, table), table
        first = db.execute("SELECT uuid, occurred_at FROM accompaniment ORDER BY id LIMIT 3").fetchall()
        assert first == again.execute("SELECT uuid, occurred_at FROM accompaniment ORDER BY id LIMIT 3").fetchall()
    finally:
        again.close()
    assert not (tmp_path / "again.db.tmp").exists()


def test_two_years_of_weekday_visits_at_a_believable_pace(db):
    n, first, last = db.execute("SELECT count(*), min(occurred_at), max(occurred_at) FROM accompaniment").fetchone()
    assert 12000 <= n <= 20000
    assert first.startswith(str(TODAY - timedelta(days=729))[:7]) and last.startswith(TODAY.isoformat())
    per_day = Counter(d for (d,) in db.execute(
        "SELECT substr(occurred_at, 1, 10) FROM accompaniment WHERE structure_id = 1 AND occurred_at < ?",
        (TODAY.isoformat(),)))
    assert all(date.fromisoformat(d).weekday() < 5 for d in per_day)
    assert "2025-12-25" not in per_day and "2025-07-14" not in per_day  # public holidays
    assert 15 <= sorted(per_day.values())[len(per_day) // 2] <= 30  # median visits a day at the fixed site


def test_partner_mix_follows_the_national_figures(db):
    rows = db.execute("SELECT p.partner_code, count(DISTINCT a.id) FROM accompaniment_procedure p "
                      "JOIN accompaniment a ON a.id = p.accompaniment_id "
                      "WHERE a.status != 'annule' GROUP BY p.partner_code").fetchall()
    total = sum(n for _, n in rows)
    shares = {code: 100 * n / total for code, n in rows}
    for code, target in TARGETS.items():
        assert abs(shares[code] - target) <= 3, (code, shares[code])
    assert {"FT", "MSA", "POSTE", "JUST", "ANAH", "MAIRIE"} <= set(shares)


def test_tax_season_and_rentree_show_up(db):
    def dgfip_share(month: str) -> float:
        n, d = db.execute("SELECT sum(p.partner_code = 'DGFIP'), count(*) FROM accompaniment_procedure p "
                          "JOIN accompaniment a ON a.id = p.accompaniment_id "
                          "WHERE substr(a.occurred_at, 6, 2) = ?", (month,)).fetchone()
        return n / d

    assert dgfip_share("05") > 1.8 * dgfip_share("11")
    per_month = dict(db.execute("SELECT substr(occurred_at, 1, 7), count(*) FROM accompaniment GROUP BY 1"))
    assert per_month["2025-09"] > per_month["2025-08"] * 1.4


def test_mandates_only_where_the_answer_needs_one(db):
    bad = db.execute("SELECT count(*) FROM accompaniment WHERE (mandate != 'aucun') != "
                     "(response_type = 'demarche_realisee_sous_mandat')").fetchone()[0]
    assert bad == 0
    assert db.execute("SELECT count(DISTINCT mandate) FROM accompaniment").fetchone()[0] >= 4


def test_follow_ups_are_due_overdue_or_waiting_for_the_partner(db, store):
    n, total = db.execute("SELECT count(follow_up_on), count(*) FROM accompaniment").fetchone()
    assert 0.07 <= n / total <= 0.13
    open_ = db.execute("SELECT follow_up_on, status FROM accompaniment WHERE follow_up_on IS NOT NULL "
                       "AND status IN ('ouvert', 'en_attente_partenaire')").fetchall()
    overdue = [f for f, _ in open_ if f < TODAY.isoformat()]
    soon = [f for f, _ in open_ if TODAY.isoformat() <= f <= (TODAY + timedelta(days=7)).isoformat()]
    assert overdue and soon
    assert {s for _, s in open_} == {"ouvert", "en_attente_partenaire"}
    with store.read() as session:
        rows, _ = list_cases(session, _actor(session, "camille"), CaseFilter(follow_up_due_by=TODAY, structure_id=1))
    assert rows and all(r.follow_up_on <= TODAY for r in rows)
    # Closed follow-ups carry their history, in order.
    events = db.execute("SELECT e.kind, e.detail, e.at, a.created_at FROM accompaniment_event e "
                        "JOIN accompaniment a ON a.id = e.accompaniment_id WHERE e.kind != 'created'").fetchall()
    assert any('"status": ["ouvert", "en_attente_partenaire"]' in d for _, d, _, _ in events)
    assert all(at >= created for _, _, at, created in events)


def test_bus_visits_happen_at_its_stops_on_its_rota(db):
    bus_id = db.execute("SELECT id FROM structure WHERE kind = 'bus'").fetchone()[0]
    stops = {i for (i,) in db.execute("SELECT id FROM bus_stop WHERE structure_id = ?", (bus_id,))}
    rows = db.execute("SELECT canal, bus_stop_id, occurred_at FROM accompaniment WHERE structure_id = ?", (bus_id,)).fetchall()
    assert len(stops) == 4 and len(rows) > 2000
    assert all(c == "itinerant_bus" and s in stops for c, s, _ in rows)
    weekday_of_stop = {}
    for _, stop, at in rows:
        weekday_of_stop.setdefault(stop, set()).add(datetime.fromisoformat(at).weekday())
    assert all(len(days) == 1 for days in weekday_of_stop.values())  # one stop, one weekday
    assert db.execute("SELECT count(*) FROM accompaniment WHERE structure_id != ? AND bus_stop_id IS NOT NULL",
                      (bus_id,)).fetchone()[0] == 0


def test_usagers_are_mostly_anonymous_and_some_come_back(db):
    identified, total = db.execute("SELECT count(usager_id), count(*) FROM accompaniment").fetchone()
    assert 0.15 <= identified / total <= 0.25
    visits = [n for (n,) in db.execute("SELECT count(*) FROM accompaniment WHERE usager_id IS NOT NULL GROUP BY usager_id")]
    assert max(visits) >= 2 and sum(1 for v in visits if v > 1) >= 50
    bad_phone = db.execute("SELECT count(*) FROM usager WHERE phone IS NOT NULL AND phone NOT LIKE '+33199%'").fetchone()[0]
    assert bad_phone == 0  # numbers from the range ARCEP keeps for fiction


def test_store_is_sound_and_marked_as_a_demo(db, demo_path):
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert demo.is_demo_store(demo_path)
    assert db.execute("SELECT count(*) FROM agent").fetchone()[0] == 4
    assert {r for (r,) in db.execute("SELECT role FROM agent")} == {"agent", "superviseur", "administrateur"}
    assert db.execute("SELECT count(*) FROM favourite_procedure").fetchone()[0] >= 6


def test_search_finds_a_seeded_usager_by_a_typed_prefix(store, db):
    acc_id, first, last = db.execute(
        "SELECT a.id, u.first_name, u.last_name FROM accompaniment a JOIN usager u ON u.id = a.usager_id "
        "WHERE u.last_name = 'Lefèvre' ORDER BY a.id DESC LIMIT 1").fetchone()
    with store.read() as session:
        actor = _actor(session, "camille")
        rows, _ = list_cases(session, actor, CaseFilter(text=f"lefev {first[:3].upper()}"))
        assert acc_id in [r.id for r in rows]
        assert all("LEFÈVRE" in r.usager for r in rows)
        assert any(u.last_name == "Lefèvre" for u in search_usagers(session, actor, "LEFEV"))


class _Rollback(Exception):
    """Ends the write transaction below without keeping anything: the demo store is shared."""


def test_rows_are_what_the_services_would_have_written(store):
    """Save a sample again through the service, unchanged: it must pass the service's own checks and
    find nothing to change (an update that changes nothing writes no history), and the search text
    must be the one the service builds."""
    from app.store.search_index import normalise

    rng = random.Random(1)
    end_of_today = datetime.combine(TODAY, datetime.max.time())
    with pytest.raises(_Rollback), store.write() as session:
        ids = rng.sample(range(1, session.exec(select(Accompaniment.id).order_by(Accompaniment.id.desc())).first()), 300)
        for acc_id in ids:
            acc = session.get(Accompaniment, acc_id)
            actor = Actor(acc.agent_id, acc.structure_id)
            data = accompaniments.input_for(session, actor, acc_id)
            events_before = len(accompaniments.history(session, actor, acc_id))
            accompaniments.update_accompaniment(session, actor, acc_id, data, now=end_of_today)
            assert len(accompaniments.history(session, actor, acc_id)) == events_before, acc_id
            body = session.connection().exec_driver_sql(
                "SELECT body FROM accompaniment_fts WHERE rowid = ?", (acc_id,)).scalar()
            assert body == normalise(accompaniments.search_body(session, acc, data.procedures)), acc_id
        raise _Rollback


def test_a_real_store_is_never_replaced_and_a_failed_build_leaves_nothing(tmp_path, monkeypatch):
    real = open_app_store(tmp_path / "real.db")
    real.close()
    before = (tmp_path / "real.db").read_bytes()
    with pytest.raises(StoreError, match="pas une démonstration"):
        ensure_demo_store(tmp_path / "real.db", reset=True)
    assert (tmp_path / "real.db").read_bytes() == before

    from app.store import search_index

    months_written = []
    index_month = search_index.bulk_index_accompaniments

    def failing_on_the_third_month(session, rows):  # two months already committed to the new file
        months_written.append(len(rows))
        if len(months_written) == 3:
            raise RuntimeError("disk trouble")
        return index_month(session, rows)

    monkeypatch.setattr(search_index, "bulk_index_accompaniments", failing_on_the_third_month)
    with pytest.raises(RuntimeError, match="disk trouble"):
        demo.build_demo_store(tmp_path / "new.db", today=TODAY)
    assert not (tmp_path / "new.db").exists() and not (tmp_path / "new.db.tmp").exists()
    with pytest.raises(ValidationError):
        demo.build_demo_store(tmp_path / "old.db", today=date(2020, 6, 1))


def test_search_pages_through_one_sites_matches_without_gaps(store, db):
    """Keyset paging over FTS matches filtered by site: full pages, newest first, none lost."""
    bus_id = db.execute("SELECT id FROM structure WHERE kind = 'bus'").fetchone()[0]
    expected = [i for (i,) in db.execute(
        "SELECT a.id FROM accompaniment_fts f JOIN accompaniment a ON a.id = f.rowid "
        "WHERE accompaniment_fts MATCH '\"caf\"*' AND a.structure_id = ? ORDER BY a.id DESC", (bus_id,))]
    assert len(expected) > 250
    with store.read() as session:
        actor = _actor(session, "yann")
        seen, cursor = [], None
        while True:
            rows, cursor = list_cases(session, actor, CaseFilter(text="CAF", structure_id=bus_id), after=cursor, limit=100)
            assert len(rows) == 100 or cursor is None
            seen += [r.id for r in rows]
            if cursor is None:
                break
    assert seen == expected
