"""Build a large store for the benchmark: N accompaniments, M usagers, bulk-inserted.

The schema, reference data and sites come from the app itself (open_app_store, structures);
the rows are written with plain sqlite3 in the format SQLAlchemy uses (so the app reads them as
its own), and the search index holds exactly what app.store.search_index would (same normalise,
same words as accompaniments._search_body). Eight years of history, ~500 visits a day: a stress
test far above a real site (~6,000 visits a year), which is the point.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from bisect import bisect
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from app.core import structures
from app.core.bootstrap import open_app_store
from app.core.demo import BUS_STOPS, LAST_NAMES, MEN, PARTNER_MIX, POPULAR, WOMEN
from app.models.catalogue import catalogue
from app.models.enums import Role, StructureKind
from app.store.search_index import ACCOMPANIMENT_FTS, USAGER_FTS, normalise

CHUNK = 50_000
# More names than the demo so that a typed surname narrows the list as it would in a big city.
EXTRA_LAST = ["Lemaire", "Renaud", "Marchand", "Picard", "Gaillard", "Barbier", "Arnaud", "Martinez", "Roussel",
              "Giraud", "Brun", "Schmitt", "Colin", "Vidal", "Caron", "Fabre", "Hubert", "Roger", "Aubert", "Lucas",
              "Leclerc", "Dumas", "Noël", "Meunier", "Jacquet", "Royer", "Collet", "Prévost", "Baron", "Huet",
              "Benoît", "Rolland", "Carpentier", "Dumont", "Masson", "Poirier", "Charpentier", "Lebrun", "Hamel",
              "Dupuis", "Bailly", "Hervé", "Lacroix", "Julien", "Tessier", "Renard", "Boucher", "Gilbert", "Cordier"]


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.000000")  # SQLAlchemy's SQLite DateTime format


def store_size(path: Path) -> tuple[int, int] | None:
    """(accompaniments, usagers) in an existing benchmark store, None if unreadable."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(path)
        try:
            return (conn.execute("SELECT count(*) FROM accompaniment").fetchone()[0],
                    conn.execute("SELECT count(*) FROM usager").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def build(path: Path, size: int, n_usagers: int, seed: int = 7, today: date | None = None, log=print) -> None:
    started = time.perf_counter()
    today = today or date.today()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    store = open_app_store(path)
    with store.write() as s:
        fixed = structures.create_structure(s, "10023", "France services de Saint-Amand-Montrond")
        bus = structures.create_structure(s, "10024", "Bus France services du Boischaut", StructureKind.BUS,
                                          stops=BUS_STOPS)
        agents = [structures.create_agent(s, fixed.id, f"agent{i}", f"Agent {i}") for i in range(1, 4)]
        structures.create_agent(s, fixed.id, "sup", "Superviseur", Role.SUPERVISEUR)
        driver = structures.create_agent(s, bus.id, "bus", "Agent du bus")
        stops = [st.id for st in structures.bus_stops(s, bus.id)]
        structures.set_setting(s, structures.CURRENT_STRUCTURE_KEY, str(fixed.id))
    store.close()

    rng = random.Random(seed)
    cat = catalogue()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")  # a throw-away file being built: durability is moot here
    conn.execute("PRAGMA cache_size=-200000")

    # Usagers (all identified: anonymous visits simply have no usager row).
    last_names = LAST_NAMES + EXTRA_LAST
    usagers, usager_fts, names = [], [], []
    for uid in range(1, n_usagers + 1):
        woman = rng.random() < 0.56
        first, last = rng.choice(WOMEN if woman else MEN), rng.choice(last_names)
        phone = f"+33199{rng.randrange(1000000):06d}" if rng.random() < 0.7 else None
        stamp = _ts(datetime(2019, 1, 2) + timedelta(minutes=rng.randrange(60 * 24 * 365 * 7)))
        usagers.append((uid, f"{rng.getrandbits(128):032x}", fixed.id, 0, first, last, phone, None, None,
                        "non_communique", "feminin" if woman else "masculin", "non_communique", None, None,
                        stamp, stamp))
        usager_fts.append((uid, normalise(" ".join(filter(None, [first, last, phone])))))
        names.append(normalise(f"{first} {last}"))
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO usager (id, uuid, structure_id, anonymous, first_name, last_name, phone, email, "
                     "birth_year, age_band, gender, social_status, commune_insee, last_contact_on, created_at, "
                     "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", usagers)
    conn.executemany(f"INSERT INTO {USAGER_FTS}(rowid, body) VALUES (?, ?)", usager_fts)
    conn.execute("COMMIT")
    log(f"  {n_usagers:,} usagers in {time.perf_counter() - started:.0f} s")

    # Démarche choices: partner by the national mix, then popular démarches weigh more.
    partners = list(PARTNER_MIX)
    partner_cum = list(accumulate(PARTNER_MIX.values()))
    by_partner = {p: [c for c, d in cat.procedures.items() if d.partner == p] for p in partners}
    proc_cum = {p: list(accumulate(POPULAR.get(c, 1) for c in codes)) for p, codes in by_partner.items()}
    fragment = {}  # normalised search words of one démarche line, computed once per code
    for p, codes in by_partner.items():
        pdef = cat.partners[p]
        for c in codes:
            fragment[c] = normalise(" ".join(filter(None, [pdef.short_label, pdef.former_label or "",
                                                           cat.procedures[c].label])))
    responses = ["information_orientation", "accompagnement_numerique", "demarche_realisee_avec_usager",
                 "mise_en_relation_partenaire", "prise_de_rendez_vous"]
    first_day = datetime(2019, 1, 2)
    # Up to the end of today, so that "today's activity" has rows like on a real morning.
    span_min = int((datetime.combine(today + timedelta(days=1), datetime.min.time()) - first_day).total_seconds() // 60)
    step = span_min / size
    agent_ids = [a.id for a in agents]
    created = json.dumps({"status": "clos"}), json.dumps({"status": "ouvert"})
    acc_id, line_id = 0, 0
    while acc_id < size:
        accs, lines, events, fts = [], [], [], []
        for _ in range(min(CHUNK, size - acc_id)):
            acc_id += 1
            at = first_day + timedelta(minutes=int(acc_id * step))
            at = at.replace(hour=9 + at.hour % 8)  # office hours, still increasing within a day
            partner = partners[bisect(partner_cum, rng.random() * partner_cum[-1])]
            codes = by_partner[partner]
            if codes:
                code = codes[bisect(proc_cum[partner], rng.random() * proc_cum[partner][-1])]
                thematique, words = cat.procedures[code].thematique, fragment[code]
            else:
                code, thematique, words = None, "social_sante", normalise(cat.partners[partner].short_label)
            on_bus = rng.random() < 0.1
            usager = rng.randrange(1, n_usagers + 1) if rng.random() < 0.4 else None
            follow = at.date() + timedelta(days=7) if rng.random() < 0.1 else None
            status = "ouvert" if follow else "clos"
            if follow and follow < today - timedelta(days=30):
                status = "clos"
            stamp = _ts(at)
            accs.append((acc_id, f"{rng.getrandbits(128):032x}", bus.id if on_bus else fixed.id,
                         driver.id if on_bus else agent_ids[acc_id % 3], usager, stamp, 15,
                         "itinerant_bus" if on_bus else "guichet", rng.choice(stops) if on_bus else None,
                         thematique, responses[acc_id % 5], None, "finalisee", "aucun",
                         follow.isoformat() if follow else None, status, "", stamp, stamp))
            line_id += 1
            lines.append((line_id, acc_id, partner, code, "", 0))
            events.append((acc_id, acc_id, accs[-1][3], stamp, "created", created[status == "ouvert"]))
            fts.append((acc_id, f"{names[usager - 1]} {words}" if usager else words))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO accompaniment (id, uuid, structure_id, agent_id, usager_id, occurred_at, "
                         "duration_min, canal, bus_stop_id, thematique, response_type, autonomy, finalisation, "
                         "mandate, follow_up_on, status, note, created_at, updated_at) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", accs)
        conn.executemany("INSERT INTO accompaniment_procedure (id, accompaniment_id, partner_code, procedure_code, "
                         "precision, position) VALUES (?,?,?,?,?,?)", lines)
        conn.executemany("INSERT INTO accompaniment_event (id, accompaniment_id, agent_id, at, kind, detail) "
                         "VALUES (?,?,?,?,?,?)", events)
        conn.executemany(f"INSERT INTO {ACCOMPANIMENT_FTS}(rowid, body) VALUES (?, ?)", fts)
        conn.execute("COMMIT")
        log(f"  {acc_id:,} / {size:,} accompaniments ({time.perf_counter() - started:.0f} s)")
    conn.execute("UPDATE usager SET last_contact_on = (SELECT max(date(occurred_at)) FROM accompaniment a "
                 "WHERE a.usager_id = usager.id)")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    log(f"  built in {time.perf_counter() - started:.0f} s")
