"""The PostgreSQL search (app/store/search_pg.py) answers like the SQLite FTS5 one: one fixture of
usagers and visits with accents, ligatures, hyphens, apostrophes, e-mails and digits is written to
both back ends through the core, and every query must find the same records on both."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from app.core import accompaniments as acc
from app.core.accompaniments import AccompanimentInput, ProcedureLine
from app.core.bootstrap import open_app_store
from app.models.tables import Accompaniment, Usager
from app.store import search_index
from tests.pg import open_site

pytestmark = pytest.mark.postgresql

PEOPLE = [
    ("Hélène", "Lefèvre", "helene.lefevre@example.org", "Dossier APL étudiant"),
    ("Jean-Pierre", "N'Diaye", "jp_ndiaye@example.org", "Carte grise : changement de titulaire (12h30)"),
    ("Œdipe", "Straße", None, "Cœur d'ÉCOLE, relance CAF n°2"),
    ("Zoé", "De La Fontaine", "zoe.dlf@example.org", "rendez-vous 06 12 34 56 78"),
    ("Anaïs", "Müller-Gâteau", None, "Impôts : prélèvement à la source"),
    ("François", "Ça-Va", "f.cava@example.org", "ANTS pré-demande CNI; e-mail envoyé"),
    ("Ève", "Dupont", None, "Retraite CARSAT — simulation"),
    ("Noël", "Lœwy", None, "Pôle emploi devenu France Travail"),
]
QUERIES = ["helene", "LEFEV", "jean", "pierre", "jean-pierre", "ndiaye", "n'diaye", "diaye", "oedipe", "œdipe",
           "strasse", "straße", "coeur", "cœur", "ecole", "zoe de", "de la", "fontaine z", "06", "12h", "12h30",
           "anais mu", "muller", "gateau", "francois", "ca", "ça va", "eve", "noel", "lœ", "example", "org",
           "helene.lefevre", "jp_nd", "jp", "e-mail", "mail", "prelevement a la", "titulaire changement",
           "carte gr", "pole emploi", "france trav", "n°2", "2", "a", "z", "zzz", "", "  ", "*", "\"", "-", "(",
           "cni;", "simulation —"]


def _fill(store, actor, start: datetime) -> None:
    for i, (first, last, email, note) in enumerate(PEOPLE):
        with store.write() as s:
            acc.open_accompaniment(s, actor, AccompanimentInput(
                [ProcedureLine("CAF", "CAF-LOGEMENT")], note=note, occurred_at=start + timedelta(hours=i),
                new_usager=acc.UsagerInput(first_name=first, last_name=last, email=email)))


def _uuids(store, query: str) -> tuple:
    with store.read() as s:
        visit_ids = search_index.search_accompaniment_ids(s, query, limit=1000)
        usager_ids = search_index.search_usager_ids(s, query, limit=1000)
        visits = None if visit_ids is None else sorted(s.get(Accompaniment, i).uuid for i in visit_ids)
        usagers = None if usager_ids is None else sorted(s.get(Usager, i).uuid for i in usager_ids)
    return visits, usagers


def test_sqlite_and_postgresql_find_the_same_records_for_every_query(tmp_path, pg_url, frozen_clock):
    from app.core import structures
    from app.core.context import Actor
    from app.models.enums import Role

    stores = [open_app_store(tmp_path / "guichet.db"), open_site(pg_url, tmp_path)]
    results = []
    try:
        for store in stores:
            with store.write() as s:
                fixed = structures.create_structure(s, "100001", "France services de Testville")
                agent = structures.create_agent(s, fixed.id, "marie", "Marie Curie")
            actor = Actor(agent.id, fixed.id, Role.AGENT, agent.display_name)
            _fill(store, actor, frozen_clock.now().replace(microsecond=0) - timedelta(days=1))
            # same uuids on both sides, so that the comparison is by record
            with store.write() as s:
                for model in (Accompaniment, Usager):
                    for row in s.exec(select(model).order_by(model.id)):
                        row.uuid = f"{model.__tablename__[:3]}{row.id:029d}"
            results.append({q: _uuids(store, q) for q in QUERIES})
    finally:
        for store in stores:
            store.close()
    sqlite, postgresql = results
    different = {q: (sqlite[q], postgresql[q]) for q in QUERIES if sqlite[q] != postgresql[q]}
    assert different == {}
    # and the search does find things (a fixture where nothing matches would prove nothing)
    assert sum(bool(v and v[0]) for v in sqlite.values()) > 30
    assert sqlite["œdipe"][1] and sqlite["strasse"][1] and sqlite["n'diaye"][1] and sqlite["zzz"] == ([], [])
    assert sqlite[""] == (None, None) and sqlite["*"] == (None, None)
