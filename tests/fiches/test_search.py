"""Searching the fiches base: accents and case folded, every word a prefix, title matches first."""

from __future__ import annotations

from app.core import fiches
from app.store import fiches_base
from tests.desks import desk_for
from tests.fiches.conftest import make_zip, publication


def _ids(base, text):
    return [h.id for h in fiches_base.search(base, text)]


def test_accents_and_case_are_folded_both_ways(base):
    assert "F1341" in _ids(base, "CARTE D'IDENTITE")
    assert "F1341" in _ids(base, "carte d’identité")
    assert _ids(base, "identite")[:3] == _ids(base, "IDENTITÉ")[:3]


def test_every_word_is_a_prefix(base):
    hits = _ids(base, "allo fam")
    assert hits[0] == "F13213"  # Allocations familiales (famille de 2 enfants ou plus)
    assert "F14929" in _ids(base, "passep maj")


def test_results_carry_title_breadcrumb_and_date(base):
    hit = fiches_base.search(base, "prelevement a la source")[0]
    assert hit.id == "F34009"
    assert "Argent" in hit.breadcrumb
    assert hit.modified is not None


def test_a_title_match_ranks_before_a_fiche_that_only_mentions_the_words(tmp_path):
    base = tmp_path / "fiches.db"
    many = " ".join(["chèque énergie"] * 40)
    fiches.import_zip(make_zip(tmp_path / "x.zip", {
        "F2.xml": publication("F2", "Aides au logement", description=many, text=many),
        "F1.xml": publication("F1", "Chèque énergie", text="Une aide pour payer les factures."),
    }), base)
    assert _ids(base, "cheque energie") == ["F1", "F2"]


def test_operators_and_punctuation_typed_are_plain_words(base):
    for text in ('"', "AND", "carte OR", "title:*", "NEAR(", "-", "'); DROP TABLE fiche; --"):
        fiches_base.search(base, text)  # never an FTS syntax error
    assert fiches_base.search(base, "   ") == []


def test_the_desk_search_uses_the_base_beside_the_store(store, desk, fixture_zip):
    assert desk.query(fiches.search_fiches, "carte") == []  # no base yet: nothing, no error
    fiches.import_zip(fixture_zip, fiches.base_path(store.path))
    assert desk.query(fiches.search_fiches, "carte vitale")[0].id == "F265"
    assert desk.query(fiches.get_fiche, "F265").title == "Carte Vitale"
    assert desk.query(fiches.fiche_base_info).count == 45
